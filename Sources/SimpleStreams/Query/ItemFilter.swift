/// A filter on flattened item attributes, with python-simplestreams' grammar and semantics.
///
/// The grammar is `KEY OP VALUE`: `KEY` is one or more word characters, `|` or `-` (so `bootloader-type` works, and
/// `.`, `:` and `/` do not); `OP` is `=`, `!=`, `~` or `!~`, with optional spaces around it; `VALUE` is the rest of
/// the expression, trailing spaces included. The value never includes a line break.
///
/// - `=` and `!=` compare the whole attribute text, case-sensitively.
/// - `~` and `!~` search the attribute text for the regular expression, unanchored (write `^...$` to anchor).
/// - The attribute text is Python's `str()` of the inherited value (``FlattenedItem/pythonString(_:)``): `size=476`
///   matches the number 476, and a missing key compares as the empty string, so `os=` matches items without `os`,
///   `os!=ubuntu` matches them too, and `os~.+` does not.
///
/// ```swift
/// let filters = try ["arch=amd64", "release~(jammy|noble)", "ftype!=manifest"].map(ItemFilter.init)
/// ```
public struct ItemFilter: Sendable, Hashable, CustomStringConvertible {
    /// How the attribute is compared with the value.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// `=`: the text equals the value.
        case equals = "="
        /// `!=`: the text differs from the value.
        case notEquals = "!="
        /// `~`: the regular expression matches somewhere in the text.
        case matches = "~"
        /// `!~`: the regular expression matches nowhere in the text.
        case notMatches = "!~"

        var isRegex: Bool { self == .matches || self == .notMatches }
        var isNegated: Bool { self == .notEquals || self == .notMatches }
    }

    /// The attribute compared.
    public let key: String
    /// The comparison.
    public let operation: Operation
    /// The text or regular expression compared with.
    public let value: String

    /// Parses a filter expression such as `arch=amd64`, `release~^(jammy|noble)$` or `ftype!~^boot-`.
    ///
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/invalidFilter`` if the expression does
    ///   not follow the grammar, or ``SimpleStreamsError/Code/invalidRegex`` if its regular expression does not
    ///   compile.
    public init(_ expression: String) throws(SimpleStreamsError) {
        let scalars = Array(expression.unicodeScalars)
        var position = 0
        while position < scalars.count, Self.isKeyCharacter(scalars[position]) { position += 1 }
        let keyEnd = position
        while position < scalars.count, scalars[position] == " " { position += 1 }
        var operatorText = ""
        if position < scalars.count, scalars[position] == "!" {
            operatorText = "!"
            position += 1
        }
        if position < scalars.count, scalars[position] == "=" || scalars[position] == "~" {
            operatorText.unicodeScalars.append(scalars[position])
            position += 1
        } else {
            operatorText = ""
        }
        guard keyEnd > 0, let operation = Operation(rawValue: operatorText) else {
            throw SimpleStreamsError(
                .invalidFilter,
                "cannot parse the filter \(Self.quoted(expression)): expected KEY=VALUE, KEY!=VALUE, KEY~REGEX or "
                    + "KEY!~REGEX")
        }
        while position < scalars.count, scalars[position] == " " { position += 1 }
        var valueScalars = scalars[position...]
        // Python's `(.*)[ ]*$`: `.` stops at a line feed, and `$` matches only before a final one.
        if let lineFeed = valueScalars.firstIndex(of: "\n") {
            guard lineFeed == scalars.count - 1 else {
                throw SimpleStreamsError(
                    .invalidFilter, "cannot parse the filter \(Self.quoted(expression)): the value has a line break")
            }
            valueScalars = valueScalars.dropLast()
        }
        var value = ""
        value.unicodeScalars.append(contentsOf: valueScalars)
        try self.init(key: String(String.UnicodeScalarView(scalars[..<keyEnd])), operation: operation, value: value)
    }

    /// Creates a filter from its parts.
    ///
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/invalidFilter`` for an empty key, or
    ///   ``SimpleStreamsError/Code/invalidRegex`` if `value` is not a valid regular expression for `~` and `!~`.
    public init(key: String, operation: Operation, value: String) throws(SimpleStreamsError) {
        guard !key.isEmpty else { throw SimpleStreamsError(.invalidFilter, "a filter needs a key") }
        self.key = key
        self.operation = operation
        self.value = value
        if operation.isRegex { _ = try compileRegex() }
    }

    /// The expression, as `key op value`.
    public var description: String { "\(key)\(operation.rawValue)\(value)" }

    /// Whether `item` passes the filter.
    public func matches(_ item: some StreamAttributes) -> Bool {
        var matcher = FilterMatcher(self)
        return matcher.matches(item)
    }

    /// Compiles the value as a regular expression with Python's semantics: it matches Unicode scalars (not
    /// grapheme clusters), as Python's `re` matches code points.
    func compileRegex() throws(SimpleStreamsError) -> Regex<AnyRegexOutput> {
        do {
            return try Regex(value).matchingSemantics(.unicodeScalar)
        } catch {
            throw SimpleStreamsError(
                .invalidRegex,
                "the regular expression \(Self.quoted(value)) of filter \(Self.quoted(description)) "
                    + "does not compile", underlyingError: RegexCompileError(text: String(describing: error)))
        }
    }

    /// Python's `\w` (letters and digits of any script, and `_`), plus `|` and `-`.
    private static func isKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" || scalar == "|" || scalar == "-" { return true }
        if scalar.properties.numericType != nil { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    private static func quoted(_ text: String) -> String {
        "'\(text.replacingNewlines())'"
    }
}

/// The text of a regular-expression compile error.
public struct RegexCompileError: Error, Sendable, CustomStringConvertible {
    /// What the compiler said.
    public var text: String
    public var description: String { text }
}

/// One filter ready to run over many items: the regular expression compiled once, and the result remembered per
/// attribute text (stream attributes repeat: a few architectures, releases and file types over thousands of items).
///
/// Not `Sendable`: each query makes its own.
struct FilterMatcher {
    let filter: ItemFilter
    private let regex: Regex<AnyRegexOutput>?
    private var memo: [BytewiseString: Bool] = [:]

    init(_ filter: ItemFilter) {
        self.filter = filter
        // The expression compiled when the filter was made, so this cannot fail; a failure would match nothing.
        self.regex = filter.operation.isRegex ? (try? filter.compileRegex()) : nil
    }

    mutating func matches(_ item: some StreamAttributes) -> Bool {
        let text = item.attribute(filter.key)?.pythonString ?? ""
        let found: Bool
        if let regex {
            if let remembered = memo[BytewiseString(text)] {
                found = remembered
            } else {
                found = (try? regex.firstMatch(in: text)) != nil
                if memo.count < 4096 { memo[BytewiseString(text)] = found }
            }
        } else if filter.operation.isRegex {
            found = false
        } else {
            found = text.unicodeScalars.elementsEqual(filter.value.unicodeScalars)
        }
        return found != filter.operation.isNegated
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        var result = ""
        for scalar in unicodeScalars {
            if scalar == "\n" { result += "\\n" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
