/// A hash function that simplestreams states file digests with.
///
/// Algorithms are ordered by strength: ``md5`` < ``sha256`` < ``sha512``. A ``ContentVerifier`` checks the strongest
/// digest it is given (see ``ExpectedContent/strongestDigest``). MD5 is broken and is only here to check legacy
/// streams that state nothing better.
public enum DigestAlgorithm: String, CaseIterable, Comparable, Hashable, Sendable, CustomStringConvertible {
    /// MD5 (RFC 1321): 16 bytes. Insecure; for legacy streams only.
    case md5
    /// SHA-256 (FIPS 180-4): 32 bytes. What every simplestreams item states.
    case sha256
    /// SHA-512 (FIPS 180-4): 64 bytes.
    case sha512

    /// How many bytes a digest of this algorithm has.
    public var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha256: 32
        case .sha512: 64
        }
    }

    /// How many hexadecimal digits a digest of this algorithm has (twice ``byteCount``).
    public var hexLength: Int { byteCount * 2 }

    /// The conventional name, for messages: `MD5`, `SHA-256`, `SHA-512`.
    public var name: String {
        switch self {
        case .md5: "MD5"
        case .sha256: "SHA-256"
        case .sha512: "SHA-512"
        }
    }

    /// The name used in messages, as ``name``.
    public var description: String { name }

    private var strength: Int {
        switch self {
        case .md5: 0
        case .sha256: 1
        case .sha512: 2
        }
    }

    /// Whether `lhs` is weaker than `rhs`.
    public static func < (lhs: DigestAlgorithm, rhs: DigestAlgorithm) -> Bool { lhs.strength < rhs.strength }
}
