internal import Glibc
internal import Logging
public import Verification

/// Downloads one payload into the mirror: streamed to `PATH.part` with its SHA-256 computed as it arrives and the
/// body capped at the signed size, then renamed to `PATH` only when the size and digest match.
///
/// A `.part` left by an earlier run is hashed again and resumed with `Range`; a server that answers `200` instead of
/// `206` restarts the file from byte 0. Retryable failures (see ``RetryPolicy``) are retried; a body that ends
/// early keeps its `.part`, so the retry resumes. Content with the wrong digest is removed, never renamed.
struct Downloader: Sendable {
    let source: any PayloadSource
    /// The mirror root on disk.
    let root: String
    let retry: RetryPolicy
    let progress: MirrorProgress?
    let logger: Logger

    /// Downloads `file`, or returns why it could not.
    func download(_ file: MirrorPlan.File) async -> MirrorFailure? {
        let url = source.url(of: file.path)
        do {
            try await retry.run(
                { () throws(ImageMirrorError) in try await attempt(file, url: url) },
                beforeRetry: { error, attempt in
                    logger.info("retrying \(url) after attempt \(attempt): \(error)")
                    progress?.yield(.retrying(path: file.path, attempt: attempt, reason: error.description))
                })
            return nil
        } catch {
            let actual = (error.underlyingError as? DigestMismatch)?.actual.hex
            let failure = MirrorFailure(
                path: file.path, url: url, expectedSHA256: file.sha256.hex, actualSHA256: actual,
                reason: error.message)
            logger.error("\(failure)")
            progress?.yield(.failed(failure))
            return failure
        }
    }

    /// One attempt: resume or start the `.part`, stream the rest, check, rename.
    private func attempt(_ file: MirrorPlan.File, url: String) async throws(ImageMirrorError) {
        let target = root + "/" + file.path
        let part = target + ".part"
        try FileSystem.makeDirectories(FileSystem.parent(of: target))
        let descriptor = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ImageMirrorError(.io, "cannot open \(part)", underlyingError: ErrnoError(errno: errno))
        }
        defer { close(descriptor) }
        var existing = FileSystem.regularFileSize(part) ?? 0
        if existing > file.size { existing = 0 }
        var hasher = DigestHasher(.sha256)
        if existing > 0 {
            let (rehashed, count) = try FileSystem.sha256(of: part, length: existing)
            hasher = rehashed
            existing = count
        }
        guard ftruncate(descriptor, off_t(existing)) == 0, lseek(descriptor, off_t(existing), SEEK_SET) == existing
        else {
            throw ImageMirrorError(.io, "cannot prepare \(part)", underlyingError: ErrnoError(errno: errno))
        }
        let resumedFrom = existing
        var written = existing
        progress?.yield(.started(path: file.path, size: file.size, resumedAt: existing))
        if existing < file.size {
            try await source.streamPayload(
                file.path, from: existing, expectedSize: file.size,
                start: { begin throws(ImageMirrorError) in
                    guard begin != written else { return }
                    // The server ignored Range: start the file again.
                    guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
                        throw ImageMirrorError(.io, "cannot restart \(part)", underlyingError: ErrnoError(errno: errno))
                    }
                    logger.debug("\(url) ignored Range: restarting from byte 0")
                    hasher = DigestHasher(.sha256)
                    written = 0
                    progress?.yield(.started(path: file.path, size: file.size, resumedAt: 0))
                },
                receive: { bytes throws(ImageMirrorError) in
                    guard Int64(bytes.count) <= file.size - written else {
                        unlink(part)
                        throw ImageMirrorError(
                            .contentMismatch, "\(url) sent more than the \(file.size) bytes the signed metadata states")
                    }
                    try FileSystem.writeAll(descriptor, bytes, path: part)
                    hasher.update(bufferPointer: bytes)
                    written += Int64(bytes.count)
                    progress?.yield(.bytes(path: file.path, count: bytes.count))
                })
        }
        guard written == file.size else {
            throw ImageMirrorError(.transport, "\(url): the body ended after \(written) of \(file.size) bytes")
        }
        let digest = hasher.finalize()
        guard digest == file.sha256 else {
            unlink(part)
            let mismatch = DigestMismatch(expected: file.sha256, actual: digest)
            if resumedFrom > 0 {
                // The bytes kept from before may be the bad ones: a retry starts from scratch.
                throw ImageMirrorError(
                    .transport, "\(url): the resumed file has the wrong SHA-256; downloading it again",
                    underlyingError: mismatch)
            }
            throw ImageMirrorError(
                .contentMismatch, "\(url): SHA-256 mismatch: expected \(file.sha256.hex), got \(digest.hex)",
                underlyingError: mismatch)
        }
        guard fsync(descriptor) == 0 else {
            throw ImageMirrorError(.io, "cannot flush \(part)", underlyingError: ErrnoError(errno: errno))
        }
        try FileSystem.rename(part, to: target)
        progress?.yield(.verified(path: file.path, size: file.size, linked: false))
    }
}

/// The expected and actual digest of content that did not match: the underlying error of a mismatch.
public struct DigestMismatch: Error, Sendable, Hashable, CustomStringConvertible {
    /// The digest the signed metadata states.
    public var expected: Digest
    /// The digest of what arrived.
    public var actual: Digest

    /// `expected SHA-256 X, got Y`.
    public var description: String { "expected \(expected), got \(actual.hex)" }
}
