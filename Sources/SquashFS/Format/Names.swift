/// A name or path from an image: the exact bytes, with a `String` view when they are valid UTF-8.
///
/// squashfs names are byte strings; they may hold newlines, tabs or invalid UTF-8. ``bytes`` is always exact,
/// ``string`` is `nil` rather than lossy, and ``description`` is a printable form with escapes.
public struct ImagePath: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The raw bytes of the path, `/`-separated; the image root is `/`.
    public var bytes: [UInt8]

    /// Creates a path from raw bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Creates a path from a string.
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    public init(stringLiteral value: String) { self.init(value) }

    /// The image root, `/`.
    public static let root = ImagePath(bytes: [UInt8(ascii: "/")])

    /// The path as a `String`, or `nil` if its bytes are not valid UTF-8 (never a lossy conversion).
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// The non-empty components between slashes.
    public var components: [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map(Array.init)
    }

    /// The last component (or `/` for the root), found from the end: its cost follows the name, not the path.
    public var lastComponent: [UInt8] {
        let slash = UInt8(ascii: "/")
        guard let end = bytes.lastIndex(where: { $0 != slash }) else { return [slash] }
        let start = bytes[..<end].lastIndex(of: slash).map { $0 + 1 } ?? bytes.startIndex
        return Array(bytes[start...end])
    }

    /// This path with `name` appended.
    public func appending(_ name: [UInt8]) -> ImagePath {
        name.withUnsafeBytes { appending($0) }
    }

    func appending(_ name: UnsafeRawBufferPointer) -> ImagePath {
        let slash = UInt8(ascii: "/")
        var result = bytes
        result.reserveCapacity(bytes.count + name.count + 1)
        if bytes.last != slash { result.append(slash) }
        result.append(contentsOf: name.assumingMemoryBound(to: UInt8.self))
        return ImagePath(bytes: result)
    }

    /// A printable form: valid UTF-8 as is, control characters and invalid bytes as `\xNN`.
    public var description: String { printable(bytes) }

    public static func < (lhs: ImagePath, rhs: ImagePath) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// Escapes control characters and invalid UTF-8 as `\xNN`, keeping everything else readable; also used by the other
/// modules of this package that quote bytes from an image (ImageContents).
package func printable(_ bytes: [UInt8]) -> String {
    if let string = String(validating: bytes, as: UTF8.self), !string.unicodeScalars.contains(where: isControl) {
        return string
    }
    var result = ""
    var index = 0
    while index < bytes.count {
        // Decode one scalar at a time; anything undecodable is shown as \xNN.
        var iterator = bytes[index...].makeIterator()
        var decoder = UTF8()
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar) where !isControl(scalar):
            result.unicodeScalars.append(scalar)
            index += String(scalar).utf8.count
        default:
            result += "\\x" + (bytes[index] < 16 ? "0" : "") + String(bytes[index], radix: 16)
            index += 1
        }
    }
    return result
}

/// Whether `scalar` is shown escaped: C0 controls, DEL, C1 controls (U+0080 to U+009F, which some terminals obey),
/// the bidirectional formatting characters that can make a name read as another one (U+061C, U+200E, U+200F,
/// U+202A to U+202E, U+2066 to U+2069), and the backslash that starts an escape.
private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F...0x9F, 0x61C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
    default: scalar == "\\"
    }
}
