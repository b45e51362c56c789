/// A string compared, hashed and ordered by its UTF-8 bytes: the key to use for paths, JSON keys and product,
/// version and item names.
///
/// `String ==` is Unicode canonical equivalence: `"caf\u{e9}" == "cafe\u{301}"` and `"\u{212A}" == "K"` (KELVIN
/// SIGN) are both `true`, and a `Set<String>` or `[String: V]` merges them. A file system, a web server and
/// Python's `json` and `dict` keep them apart, so a mirror keyed by `String` can publish one of two files and never
/// write it. `BytewiseString` keeps them apart too:
///
/// ```swift
/// var files: [BytewiseString: Int64] = [:]
/// files[BytewiseString("caf\u{e9}")] = 1
/// files[BytewiseString("cafe\u{301}")] = 2   // a second key
/// ```
///
/// Ordering is by bytes, which is Unicode code point order, as Python sorts `str`.
public struct BytewiseString: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The string.
    public let string: String

    /// Wraps `string`.
    public init(_ string: String) {
        self.string = string
    }

    public var description: String { string }

    /// Whether the UTF-8 bytes are the same.
    public static func == (lhs: BytewiseString, rhs: BytewiseString) -> Bool {
        bytesEqual(lhs.string, rhs.string)
    }

    /// Hashes the UTF-8 bytes.
    public func hash(into hasher: inout Hasher) {
        Self.hashBytes(of: string, into: &hasher)
    }

    /// Byte order (code point order).
    public static func < (lhs: BytewiseString, rhs: BytewiseString) -> Bool {
        bytesPrecede(lhs.string, rhs.string)
    }

    /// Whether `lhs` and `rhs` have the same UTF-8 bytes (not `String ==`, which is canonical equivalence).
    public static func bytesEqual(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        // Native strings are contiguous UTF-8: compare their storage directly.
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.elementsEqual(right) } }
    }

    /// Whether the UTF-8 bytes of `lhs` sort before those of `rhs`.
    public static func bytesPrecede(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Feeds the UTF-8 bytes of `string`, then their count, to `hasher`, so that strings with equal bytes hash alike.
    static func hashBytes(of string: String, into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(string.utf8.count)
    }

    /// The hash value of the UTF-8 bytes of `string`.
    static func hashValue(of string: String) -> Int {
        var hasher = Hasher()
        hashBytes(of: string, into: &hasher)
        return hasher.finalize()
    }
}

extension String {
    /// Whether this string has the same UTF-8 bytes as `other`; see ``BytewiseString``.
    public func hasSameBytes(as other: String) -> Bool {
        BytewiseString.bytesEqual(self, other)
    }
}
