/// What a file is supposed to be, as a simplestreams item states it: its `size` and its `sha256`, `sha512` and `md5`
/// digests, any of which may be missing.
///
/// The digests are parsed when the value is made, so a malformed one is reported before any byte is read:
///
/// ```swift
/// let expected = try ExpectedContent(size: 12_345, sha256: item["sha256"])
/// let verified = try ContentVerifier.verify(fileAtPath: "squashfs", expected: expected)
/// ```
public struct ExpectedContent: Hashable, Sendable, CustomStringConvertible {
    /// The exact size in bytes, if stated.
    public var size: Int?
    /// The stated SHA-256 digest, if any.
    public var sha256: ContentDigest?
    /// The stated SHA-512 digest, if any.
    public var sha512: ContentDigest?
    /// The stated MD5 digest, if any (legacy streams only; ignored when a SHA digest is stated).
    public var md5: ContentDigest?

    /// Creates an expectation from a size and hexadecimal digests (either case, exact length); a malformed digest or
    /// a negative size throws `invalidArgument`.
    public init(
        size: Int? = nil, sha256: String? = nil, sha512: String? = nil, md5: String? = nil
    ) throws(VerificationError) {
        if let size, size < 0 {
            throw VerificationError(.invalidArgument, "a size cannot be negative (\(size))")
        }
        self.size = size
        self.sha256 = try sha256.map { text throws(VerificationError) in try ContentDigest(.sha256, hex: text) }
        self.sha512 = try sha512.map { text throws(VerificationError) in try ContentDigest(.sha512, hex: text) }
        self.md5 = try md5.map { text throws(VerificationError) in try ContentDigest(.md5, hex: text) }
    }

    /// Creates an expectation from a size and parsed digests, at most one per algorithm; a negative size or two
    /// digests of one algorithm throw `invalidArgument`.
    public init(size: Int? = nil, digests: [ContentDigest]) throws(VerificationError) {
        try self.init(size: size)
        for digest in digests {
            guard self.digest(for: digest.algorithm) == nil else {
                throw VerificationError(.invalidArgument, "two \(digest.algorithm) digests were given")
            }
            switch digest.algorithm {
            case .md5: md5 = digest
            case .sha256: sha256 = digest
            case .sha512: sha512 = digest
            }
        }
    }

    /// The stated digest of `algorithm`, if any.
    public func digest(for algorithm: DigestAlgorithm) -> ContentDigest? {
        switch algorithm {
        case .md5: md5
        case .sha256: sha256
        case .sha512: sha512
        }
    }

    /// Every stated digest, strongest first.
    public var digests: [ContentDigest] {
        DigestAlgorithm.allCases.reversed().compactMap { digest(for: $0) }
    }

    /// The digest a ``ContentVerifier`` checks by default: SHA-512 if stated, else SHA-256, else MD5.
    public var strongestDigest: ContentDigest? { digests.first }

    /// `size 12345, SHA-256 e3b0...`, or `nothing` when nothing is stated.
    public var description: String {
        let parts = (size.map { ["size \($0)"] } ?? []) + digests.map(\.description)
        return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
    }
}

/// The result of a successful verification.
public struct VerifiedContent: Hashable, Sendable {
    /// The name used in messages: the file's path, or the name the caller gave.
    public var name: String
    /// The number of bytes read (equal to the expected size when one was stated).
    public var size: Int
    /// The digests computed and checked, strongest first (only the strongest stated one, unless
    /// ``ContentVerifier/Policy/allStated`` was asked for); never empty, since a verification needs a digest.
    public var digests: [ContentDigest]

    /// Creates a result (verifications make these; tests and callers that cache results may too).
    public init(name: String, size: Int, digests: [ContentDigest]) {
        self.name = name
        self.size = size
        self.digests = digests
    }
}
