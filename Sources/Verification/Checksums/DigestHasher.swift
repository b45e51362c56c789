internal import Crypto

/// Computes a digest incrementally: feed it bytes with `update`, then call ``finalize()``.
///
/// The bytes are hashed where they lie (``update(bufferPointer:)`` makes no copy) by swift-crypto, which on Linux
/// is BoringSSL with its assembly (SHA-NI, AVX2 where the processor has them).
///
/// ```swift
/// var hasher = DigestHasher(.sha256)
/// hasher.update(Array("hello".utf8))
/// print(hasher.finalize().hex)
/// ```
///
/// A hasher is a mutable stream state and is not `Sendable`: each belongs to one task.
public struct DigestHasher {
    private enum State {
        case md5(Insecure.MD5)
        case sha256(SHA256)
        case sha512(SHA512)
        /// Only while a hash is taken out to be updated.
        case moving
    }

    private var state: State

    /// The algorithm this hasher computes.
    public let algorithm: DigestAlgorithm

    /// Creates a hasher for `algorithm`.
    public init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .md5: state = .md5(Insecure.MD5())
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    /// Adds the bytes in `buffer`, hashing them in place.
    public mutating func update(bufferPointer buffer: UnsafeRawBufferPointer) {
        guard !buffer.isEmpty else { return }
        // Each case is taken out, updated and put back, so the hash state stays uniquely referenced and is not
        // copied on write.
        switch state {
        case .md5(var hash):
            state = .moving
            hash.update(bufferPointer: buffer)
            state = .md5(hash)
        case .sha256(var hash):
            state = .moving
            hash.update(bufferPointer: buffer)
            state = .sha256(hash)
        case .sha512(var hash):
            state = .moving
            hash.update(bufferPointer: buffer)
            state = .sha512(hash)
        case .moving:
            break
        }
    }

    /// Adds `bytes`; a contiguous collection (`[UInt8]`, `ArraySlice`, `Data`, ...) is hashed in place.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(bufferPointer: UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { update(bufferPointer: $0) }
        }
    }

    /// The digest of everything added so far. The hasher can keep taking bytes afterwards; a later `finalize`
    /// covers them too.
    public func finalize() -> ContentDigest {
        switch state {
        case .md5(let hash): ContentDigest(unchecked: .md5, bytes: Array(hash.finalize()))
        case .sha256(let hash): ContentDigest(unchecked: .sha256, bytes: Array(hash.finalize()))
        case .sha512(let hash): ContentDigest(unchecked: .sha512, bytes: Array(hash.finalize()))
        case .moving: DigestHasher(algorithm).finalize()
        }
    }
}
