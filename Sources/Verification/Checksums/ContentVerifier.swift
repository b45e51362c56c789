/// Checks data against an ``ExpectedContent`` as it streams past: its size, and its strongest stated digest.
///
/// Feed the data in order with `update`, then call ``finish()``. The size is checked on every update: as soon as more
/// bytes arrive than the stated size, `update` throws `sizeMismatch`, so a reader can stop there. A server that sends
/// more than it promised is an error, not a bigger file. ``finish()`` then checks that exactly the stated size
/// arrived and that the digest matches.
///
/// **Which digests are computed.** With the default ``Policy/strongest`` only the strongest stated digest is
/// computed and checked: SHA-512 if stated, else SHA-256, else MD5. Hashing is the whole cost of a verification, and
/// checking a weaker digest next to a stronger one adds nothing an attacker would have to overcome. With
/// ``Policy/allStated`` every stated digest is computed and checked (useful to catch a catalogue whose digests
/// disagree with each other), at the cost of hashing the data more than once. At least one digest must be stated:
/// a size alone proves nothing about the bytes, so without a digest the verifier cannot be made (`noDigest`) and
/// nothing is ever reported as verified.
///
/// Messages name the data (``name``), the digest, and the expected and actual values:
///
/// ```
/// squashfs: SHA-256 mismatch: expected 9f86d081..., actual e3b0c442...
/// squashfs: size mismatch: expected 1048576 bytes, received more (at least 1048577)
/// ```
///
/// A verifier that has thrown keeps throwing the same error. A verifier is a mutable stream state, not `Sendable`:
/// each verification belongs to one task (``verifyFiles(_:policy:maximumConcurrency:)`` runs many at once).
public struct ContentVerifier {
    /// Which stated digests are computed and checked.
    public enum Policy: Hashable, Sendable {
        /// Only the strongest stated digest (the default).
        case strongest
        /// Every stated digest.
        case allStated
    }

    /// What the data must be.
    public let expected: ExpectedContent
    /// The name used in messages: a file path, a URL.
    public let name: String
    /// How many bytes have been added so far.
    public private(set) var byteCount = 0

    private var hashers: [DigestHasher]
    private var failure: VerificationError?

    /// Creates a verifier; throws `noDigest` when `expected` states no digest (a size alone is not a verification).
    public init(expected: ExpectedContent, name: String, policy: Policy = .strongest) throws(VerificationError) {
        let digests = policy == .strongest ? Array(expected.digests.prefix(1)) : expected.digests
        guard !digests.isEmpty else {
            throw VerificationError(
                .noDigest,
                "\(name): nothing verified: no SHA-256, SHA-512 or MD5 digest was given "
                    + "(a size alone is not a verification)")
        }
        self.expected = expected
        self.name = name
        hashers = digests.map { DigestHasher($0.algorithm) }
    }

    /// The algorithms this verifier computes, strongest first.
    public var algorithms: [DigestAlgorithm] { hashers.map(\.algorithm) }

    /// How many more bytes the stated size allows, or `nil` when no size is stated. A reader can ask for one byte
    /// more than this, so that an over-long source is noticed without reading further.
    public var remainingBytes: Int? { expected.size.map { $0 - byteCount } }

    /// Adds the bytes in `buffer`, hashing them in place; throws `sizeMismatch` as soon as the total exceeds the
    /// stated size (the bytes are then not hashed).
    public mutating func update(bufferPointer buffer: UnsafeRawBufferPointer) throws(VerificationError) {
        if let failure { throw failure }
        let (total, overflow) = byteCount.addingReportingOverflow(buffer.count)
        if let size = expected.size, overflow || total > size {
            let error = VerificationError(
                .sizeMismatch,
                "\(name): size mismatch: expected \(size) bytes, received more (at least \(overflow ? Int.max : total))"
            )
            failure = error
            throw error
        }
        byteCount = total
        for index in hashers.indices {
            hashers[index].update(bufferPointer: buffer)
        }
    }

    /// Adds `bytes`, as ``update(bufferPointer:)``; a contiguous collection (`[UInt8]`, `ArraySlice`, `Data`, ...) is
    /// hashed in place.
    public mutating func update(_ bytes: some Sequence<UInt8>) throws(VerificationError) {
        let done: Result<Void, VerificationError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(VerificationError) in try update(bufferPointer: UnsafeRawBufferPointer(buffer)) }
        }
        if let done { return try done.get() }
        let copy = Array(bytes)
        try copy.withUnsafeBytes { buffer in
            Result { () throws(VerificationError) in try update(bufferPointer: buffer) }
        }.get()
    }

    /// Checks the size and the digests of everything added; throws `sizeMismatch` or `digestMismatch` with the
    /// expected and actual values.
    public func finish() throws(VerificationError) -> VerifiedContent {
        if let failure { throw failure }
        if let size = expected.size, byteCount != size {
            throw VerificationError(
                .sizeMismatch, "\(name): size mismatch: expected \(size) bytes, actual \(byteCount)")
        }
        var checked: [ContentDigest] = []
        for hasher in hashers {
            let actual = hasher.finalize()
            if let stated = expected.digest(for: actual.algorithm), stated != actual {
                throw VerificationError(
                    .digestMismatch,
                    "\(name): \(actual.algorithm) mismatch: expected \(stated.hex), actual \(actual.hex)")
            }
            checked.append(actual)
        }
        return VerifiedContent(name: name, size: byteCount, digests: checked)
    }
}

extension ContentVerifier {
    /// Verifies bytes held in memory.
    public static func verify(
        _ bytes: some Sequence<UInt8>, expected: ExpectedContent, name: String = "data", policy: Policy = .strongest
    ) throws(VerificationError) -> VerifiedContent {
        var verifier = try ContentVerifier(expected: expected, name: name, policy: policy)
        try verifier.update(bytes)
        return try verifier.finish()
    }

    /// Verifies data arriving as an asynchronous sequence of chunks (a download, for example), and stops consuming
    /// it as soon as more bytes arrive than `expected.size`.
    ///
    /// Throws a ``VerificationError``, or whatever the sequence itself throws.
    public static func verify<Chunks: AsyncSequence>(
        _ chunks: Chunks, expected: ExpectedContent, name: String, policy: Policy = .strongest,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> VerifiedContent where Chunks.Element: Sequence<UInt8> {
        var verifier = try ContentVerifier(expected: expected, name: name, policy: policy)
        for try await chunk in chunks {
            try verifier.update(chunk)
        }
        return try verifier.finish()
    }
}

extension ContentDigest {
    /// The digest of bytes held in memory.
    public static func compute(_ algorithm: DigestAlgorithm, of bytes: some Sequence<UInt8>) -> ContentDigest {
        var hasher = DigestHasher(algorithm)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of data arriving as an asynchronous sequence of chunks; rethrows what the sequence throws.
    public static func compute<Chunks: AsyncSequence>(
        _ algorithm: DigestAlgorithm, of chunks: Chunks, isolation: isolated (any Actor)? = #isolation
    ) async throws -> ContentDigest where Chunks.Element: Sequence<UInt8> {
        var hasher = DigestHasher(algorithm)
        for try await chunk in chunks {
            hasher.update(chunk)
        }
        return hasher.finalize()
    }
}
