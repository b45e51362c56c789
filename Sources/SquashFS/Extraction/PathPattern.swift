/// A shell-glob pattern over the paths of an image, as `squashfs extract` takes them.
///
/// A pattern is matched against an entry's full path inside the image, as bytes, without the leading `/` (a leading
/// `/` in the pattern is accepted and means the same). Both are split into components at `/`; empty components
/// (`a//b`, a trailing `/`) are ignored, and each pattern component matches exactly one path component, except `**`:
///
/// - `*` matches any run of bytes, empty included, within one component; `?` matches exactly one byte. Neither ever
///   matches `/`.
/// - `[...]` matches one byte of a class: single bytes, ranges by byte value (`a-z`, `\x80-\xff` in bytes),
///   the ASCII classes `[:alpha:]`, `[:digit:]`, `[:alnum:]`, `[:upper:]`, `[:lower:]`, `[:space:]`, `[:punct:]`,
///   `[:xdigit:]`; `[!...]` or `[^...]` matches a byte not in the class; a `]` first in the class is a member. A `[`
///   without its closing `]` in the same component is an ordinary byte.
/// - `**` as a whole component matches zero or more whole components: `usr/**/*.so` matches `usr/a.so` and
///   `usr/lib/x/a.so`; `etc/**` matches `etc` and everything below it. Elsewhere (`a**b`) it is `*`.
/// - `\` makes the next byte ordinary (`\*` matches a `*`); a `\` at the end of a component is itself.
/// - Every other byte matches itself, whatever its encoding; a leading `.` in a name is matched like any other byte
///   (unlike a shell without `dotglob` or unsquashfs, `*` matches `.hidden`).
///
/// Symbolic links are not followed: a pattern matches the paths entries are stored at. The pattern `/` (or the empty
/// pattern) matches the root only; the root and everything below it are matched by `**`.
///
/// ```swift
/// let pattern = PathPattern("usr/share/doc/*/copyright")
/// pattern.matches("/usr/share/doc/bash/copyright")  // true
/// pattern.matches("/usr/share/doc/bash/x/copyright")  // false: * stays within a component
/// ```
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as given.
    public let bytes: [UInt8]
    /// The pattern's components, `**` runs collapsed.
    let components: [Component]

    /// One component of a pattern.
    enum Component: Sendable, Equatable {
        /// Matches a name equal to these bytes (escapes removed).
        case literal([UInt8])
        /// Matches a name the tokens match.
        case glob([Token])
        /// `**`: zero or more whole components.
        case anyComponents
    }

    /// One element of a component with wildcards.
    enum Token: Sendable, Equatable {
        case byte(UInt8)
        /// `?`
        case anyByte
        /// `*`
        case anyBytes
        /// `[...]`
        case set(ByteSet)
    }

    /// Parses a pattern; every byte string is a valid pattern.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        var components: [Component] = []
        for part in bytes.split(separator: Self.slash, omittingEmptySubsequences: true) {
            let component = Self.parseComponent(Array(part))
            if component == .anyComponents, components.last == .anyComponents { continue }
            components.append(component)
        }
        self.components = components
    }

    /// Parses a pattern from its UTF-8 text.
    public init(_ pattern: String) {
        self.init(bytes: Array(pattern.utf8))
    }

    /// A pattern that matches exactly `path` (its wildcard characters and backslashes escaped).
    public static func literal(_ path: ImagePath) -> PathPattern {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(path.bytes.count)
        for byte in path.bytes {
            if Self.specialBytes.contains(byte) { escaped.append(Self.backslash) }
            escaped.append(byte)
        }
        return PathPattern(bytes: escaped)
    }

    /// Whether the pattern holds a wildcard, class or escape (`*`, `?`, `[`, `\`); a pattern without one names a
    /// single path.
    public var hasWildcards: Bool { bytes.contains { Self.specialBytes.contains($0) } }

    /// Whether the pattern matches `path` (a path inside the image, with or without its leading `/`).
    public func matches(_ path: ImagePath) -> Bool {
        var positions = initialPositions
        for component in path.components {
            positions = advance(positions, name: component)
            if positions.isEmpty { return false }
        }
        return accepts(positions)
    }

    /// The pattern in readable form (see ``ImagePath/description``).
    public var description: String { ImagePath(bytes: bytes).description }

    public static func == (lhs: PathPattern, rhs: PathPattern) -> Bool { lhs.bytes == rhs.bytes }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    // MARK: Matching, one component at a time

    /// The positions reached before any component: 0 and those after leading `**`s.
    var initialPositions: [Int] { closure([0]) }

    /// Whether a path that reached `positions` is matched.
    func accepts(_ positions: [Int]) -> Bool { positions.last == components.count }

    /// The positions reached from `positions` by one more path component `name`; empty when no longer path can
    /// match either.
    func advance(_ positions: [Int], name: [UInt8]) -> [Int] {
        var next: [Int] = []
        for position in positions where position < components.count {
            let reached: Int?
            switch components[position] {
            case .anyComponents: reached = position
            case .literal(let literal): reached = literal == name ? position + 1 : nil
            case .glob(let tokens): reached = Self.match(tokens, name) ? position + 1 : nil
            }
            if let reached, next.last != reached, !next.contains(reached) { next.append(reached) }
        }
        next.sort()
        return closure(next)
    }

    /// Adds the position after each `**` (which may match zero components); `positions` is sorted.
    private func closure(_ positions: [Int]) -> [Int] {
        var result: [Int] = []
        var pending = positions
        var index = 0
        while index < pending.count {
            let position = pending[index]
            index += 1
            if result.contains(position) { continue }
            result.append(position)
            if position < components.count, components[position] == .anyComponents {
                pending.append(position + 1)
            }
        }
        result.sort()
        return result
    }

    /// Whether `tokens` match all of `name` (the usual glob algorithm, backtracking to the last `*` only: at most
    /// `tokens.count × name.count` steps).
    static func match(_ tokens: [Token], _ name: [UInt8]) -> Bool {
        var token = 0
        var byte = 0
        var star: (token: Int, byte: Int)?
        while byte < name.count {
            if token < tokens.count {
                switch tokens[token] {
                case .anyBytes:
                    star = (token, byte)
                    token += 1
                    continue
                case .anyByte:
                    token += 1
                    byte += 1
                    continue
                case .byte(let value) where value == name[byte]:
                    token += 1
                    byte += 1
                    continue
                case .set(let set) where set.contains(name[byte]):
                    token += 1
                    byte += 1
                    continue
                default:
                    break
                }
            }
            guard let last = star else { return false }
            star = (last.token, last.byte + 1)
            token = last.token + 1
            byte = last.byte + 1
        }
        while token < tokens.count, tokens[token] == .anyBytes { token += 1 }
        return token == tokens.count
    }

    // MARK: Parsing

    private static let slash = UInt8(ascii: "/")
    private static let backslash = UInt8(ascii: "\\")
    private static let specialBytes: [UInt8] = [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), backslash]

    private static func parseComponent(_ bytes: [UInt8]) -> Component {
        if bytes == [UInt8(ascii: "*"), UInt8(ascii: "*")] { return .anyComponents }
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case backslash where index + 1 < bytes.count:
                tokens.append(.byte(bytes[index + 1]))
                index += 2
            case UInt8(ascii: "*"):
                if tokens.last != .anyBytes { tokens.append(.anyBytes) }
                index += 1
            case UInt8(ascii: "?"):
                tokens.append(.anyByte)
                index += 1
            case UInt8(ascii: "["):
                if let (set, end) = parseClass(bytes, from: index + 1) {
                    tokens.append(.set(set))
                    index = end
                } else {
                    tokens.append(.byte(byte))
                    index += 1
                }
            default:
                tokens.append(.byte(byte))
                index += 1
            }
        }
        var literal: [UInt8] = []
        for token in tokens {
            guard case .byte(let value) = token else { return .glob(tokens) }
            literal.append(value)
        }
        return .literal(literal)
    }

    /// Parses a class whose `[` is just before `start`: the set and the index after its `]`, or `nil` when the
    /// class is not closed.
    private static func parseClass(_ bytes: [UInt8], from start: Int) -> (ByteSet, Int)? {
        var index = start
        var negated = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "!") || bytes[index] == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var set = ByteSet()
        var first = true
        while index < bytes.count {
            var byte = bytes[index]
            if byte == UInt8(ascii: "]") && !first {
                return (negated ? set.inverted : set, index + 1)
            }
            first = false
            if byte == UInt8(ascii: "["), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ":"),
                let (named, end) = namedClass(bytes, from: index + 2)
            {
                set.formUnion(named)
                index = end
                continue
            }
            if byte == backslash, index + 1 < bytes.count {
                index += 1
                byte = bytes[index]
            }
            index += 1
            // A range, unless the `-` is last in the class.
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                var upper = bytes[index + 1]
                index += 2
                if upper == backslash, index < bytes.count {
                    upper = bytes[index]
                    index += 1
                }
                if byte <= upper {
                    for value in byte...upper { set.insert(value) }
                }
                continue
            }
            set.insert(byte)
        }
        return nil
    }

    /// Parses `name:]` at `start` (after `[:`): the ASCII class and the index after `:]`.
    private static func namedClass(_ bytes: [UInt8], from start: Int) -> (ByteSet, Int)? {
        var end = start
        while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: ":") && bytes[end + 1] == UInt8(ascii: "]")) {
            end += 1
        }
        guard end + 1 < bytes.count else { return nil }
        let name = String(decoding: bytes[start..<end], as: UTF8.self)
        let test: (UInt8) -> Bool
        switch name {
        case "alpha": test = { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        case "digit": test = { $0 >= 0x30 && $0 <= 0x39 }
        case "alnum": test = { ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A) }
        case "upper": test = { $0 >= 0x41 && $0 <= 0x5A }
        case "lower": test = { $0 >= 0x61 && $0 <= 0x7A }
        case "space": test = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        case "punct":
            test = {
                ($0 >= 0x21 && $0 <= 0x2F) || ($0 >= 0x3A && $0 <= 0x40) || ($0 >= 0x5B && $0 <= 0x60)
                    || ($0 >= 0x7B && $0 <= 0x7E)
            }
        case "xdigit": test = { ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66) }
        default: return nil
        }
        var set = ByteSet()
        for value in UInt8.min...UInt8.max where test(value) { set.insert(value) }
        return (set, end + 2)
    }
}

/// A set of bytes, 256 bits.
struct ByteSet: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func formUnion(_ other: ByteSet) {
        words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
    }

    var inverted: ByteSet {
        var result = ByteSet()
        result.words = (~words.0, ~words.1, ~words.2, ~words.3)
        return result
    }

    static func == (lhs: ByteSet, rhs: ByteSet) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }
}
