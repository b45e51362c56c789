/// A message digest: the algorithm and the bytes it produced.
///
/// Digests compare equal when both the algorithm and the bytes are equal. ``hex`` is the lower-case hexadecimal
/// form simplestreams and `sha256sum` use; ``init(_:hex:)`` parses it (in either case).
///
/// ```swift
/// let stated = try ContentDigest(.sha256, hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
/// let computed = try ContentDigest.compute(.sha256, ofFileAtPath: "/srv/images/squashfs")
/// print(computed == stated)
/// ```
public struct ContentDigest: Hashable, Sendable, CustomStringConvertible {
    /// The hash function that produced the bytes.
    public let algorithm: DigestAlgorithm
    /// The digest itself, ``DigestAlgorithm/byteCount`` bytes.
    public let bytes: [UInt8]

    /// Creates a digest from its bytes; throws `invalidArgument` unless there are exactly
    /// ``DigestAlgorithm/byteCount`` of them.
    public init(_ algorithm: DigestAlgorithm, bytes: [UInt8]) throws(VerificationError) {
        guard bytes.count == algorithm.byteCount else {
            throw VerificationError(
                .invalidArgument, "a \(algorithm) digest has \(algorithm.byteCount) bytes, not \(bytes.count)")
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Parses a hexadecimal digest, upper or lower case, of exactly ``DigestAlgorithm/hexLength`` digits and nothing
    /// else (no prefix, no spaces); anything else throws `invalidArgument`.
    public init(_ algorithm: DigestAlgorithm, hex: String) throws(VerificationError) {
        let digits = Array(hex.utf8)
        guard digits.count == algorithm.hexLength else {
            throw VerificationError(
                .invalidArgument,
                "\(algorithm) digest '\(Self.quoted(hex))' has \(digits.count) characters; "
                    + "expected \(algorithm.hexLength) hexadecimal digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(algorithm.byteCount)
        var index = 0
        while index + 1 < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else {
                throw VerificationError(
                    .invalidArgument, "\(algorithm) digest '\(Self.quoted(hex))' is not hexadecimal")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    init(unchecked algorithm: DigestAlgorithm, bytes: [UInt8]) {
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// The digest in lower-case hexadecimal, as `sha256sum` prints it.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `SHA-256 e3b0c442...`: the algorithm's name and the hexadecimal digest.
    public var description: String { "\(algorithm) \(hex)" }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The text for a message: at most 140 characters, control characters escaped.
    static func quoted(_ text: String) -> String {
        let short = text.count > 140 ? String(text.prefix(140)) + "..." : text
        return short.unicodeScalars.map {
            $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0)
        }.joined()
    }
}
