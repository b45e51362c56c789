/// How ``JSONValue/serialized(_:)`` lays out a document.
public struct JSONWritingStyle: Sendable, Hashable {
    /// Spaces per nesting level, or `nil` for a single line.
    public var indent: Int?
    /// Whether a space follows `,` and `:` on a single line (Python's default separators `", "` and `": "`).
    public var spacedSeparators: Bool
    /// Whether characters outside ASCII are written as `\uXXXX` escapes (Python's `ensure_ascii`, on by default).
    public var escapesNonASCII: Bool

    /// Creates a style.
    public init(indent: Int? = nil, spacedSeparators: Bool = false, escapesNonASCII: Bool = false) {
        self.indent = indent
        self.spacedSeparators = spacedSeparators
        self.escapesNonASCII = escapesNonASCII
    }

    /// One line, no spaces, UTF-8 as is: the smallest output.
    public static let compact = JSONWritingStyle()

    /// What python-simplestreams and the MAAS producer write (`json.dumps(data, indent=1)`): one space of indent
    /// per level, `": "` between keys and values, and non-ASCII characters escaped.
    public static let simplestreams = JSONWritingStyle(indent: 1, spacedSeparators: true, escapesNonASCII: true)
}

extension JSONValue {
    /// The value as JSON text in UTF-8, members in their stored order.
    ///
    /// Integers are written with all their digits, and doubles in the shortest form that reads back to the same
    /// value (as Python's `json.dumps` writes floats), so parsing the output gives back an equal value.
    public func serialized(_ style: JSONWritingStyle = .compact) -> [UInt8] {
        var writer = JSONWriter(style: style)
        writer.write(self, level: 0)
        return writer.output
    }
}

private struct JSONWriter {
    let style: JSONWritingStyle
    var output: [UInt8] = []

    init(style: JSONWritingStyle) {
        self.style = style
        output.reserveCapacity(4096)
    }

    mutating func write(_ value: JSONValue, level: Int) {
        switch value {
        case .null: append("null")
        case .bool(let value): append(value ? "true" : "false")
        case .integer(let value): append(String(value))
        case .largeInteger(let digits): append(digits)
        case .double(let value): append(JSONValue.pythonRepr(value))
        case .string(let value): writeString(value)
        case .array(let elements):
            guard !elements.isEmpty else { return append("[]") }
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { writeItemSeparator() }
                writeNewline(level: level + 1)
                write(element, level: level + 1)
            }
            writeNewline(level: level)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { return append("{}") }
            output.append(UInt8(ascii: "{"))
            for (position, member) in object.enumerated() {
                if position > 0 { writeItemSeparator() }
                writeNewline(level: level + 1)
                writeString(member.key)
                output.append(UInt8(ascii: ":"))
                if style.spacedSeparators || style.indent != nil { output.append(UInt8(ascii: " ")) }
                write(member.value, level: level + 1)
            }
            writeNewline(level: level)
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeItemSeparator() {
        output.append(UInt8(ascii: ","))
        if style.indent == nil && style.spacedSeparators { output.append(UInt8(ascii: " ")) }
    }

    private mutating func writeNewline(level: Int) {
        guard let indent = style.indent else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    private mutating func append(_ text: String) {
        output.append(contentsOf: text.utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func writeEscape(_ unit: UInt16) {
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(Self.hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }

    private mutating func writeString(_ string: String) {
        output.append(UInt8(ascii: "\""))
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": append("\\\"")
            case "\\": append("\\\\")
            case "\n": append("\\n")
            case "\r": append("\\r")
            case "\t": append("\\t")
            case "\u{08}": append("\\b")
            case "\u{0C}": append("\\f")
            default:
                if scalar.value < 0x20 || (scalar.value == 0x7F && style.escapesNonASCII) {
                    // Python's ensure_ascii escapes everything outside space...tilde, DEL included.
                    writeEscape(UInt16(scalar.value))
                } else if scalar.value < 0x80 {
                    output.append(UInt8(scalar.value))
                } else if style.escapesNonASCII {
                    for unit in String(scalar).utf16 { writeEscape(unit) }
                } else {
                    output.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
