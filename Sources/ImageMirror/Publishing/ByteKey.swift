/// A path or name that compares, hashes and sorts by its UTF-8 bytes.
///
/// `String ==` is Unicode canonical equivalence: `caf\u{e9}` and `cafe\u{301}` are equal strings but two files on
/// disk and two resources on a server. The mirror's bookkeeping keys everything by this type instead.
struct ByteKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The text.
    let string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { lhs.string.utf8.elementsEqual(rhs.string.utf8) }

    static func < (lhs: ByteKey, rhs: ByteKey) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(string.utf8.count)
    }

    var description: String { string }
}
