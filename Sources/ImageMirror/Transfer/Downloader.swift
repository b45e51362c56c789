internal import Logging
internal import ProgressReporting
internal import SystemLayer
internal import SystemPackage
package import Verification

/// Downloads one payload into the mirror: streamed to `PATH.part` with its digest computed as it arrives and the
/// body capped at the signed size, then renamed to `PATH` only when the size and digest match.
///
/// The `.part` is opened through the destination's directory descriptors with `O_NOFOLLOW`: a symbolic link (or
/// anything but a regular file) planted there is removed and a new file created with `O_EXCL`, never written
/// through. A `.part` left by an earlier run is hashed again and resumed with `Range`; a server that answers `200`
/// instead of `206` restarts the file from byte 0. Retryable failures (see ``RetryPolicy``) are retried; a body that
/// ends early keeps its `.part`, so the retry resumes. Content with the wrong digest is removed, never renamed.
///
/// Fallbacks: when `source` cannot give the file (not found, an HTTP error, a transport failure once its retries
/// are spent, content that does not match), each of `fallbacks` is tried in turn, each with its own retries (the
/// whole ``RetryPolicy`` again). Every byte is verified against the same signed size and digest whichever source
/// sent it; a `.part` one source left is resumed from the next, and since the digest covers the whole file, a part
/// that does not match is removed and the file fetched again from byte 0. Failures of the destination (`io`,
/// `unsafeDestination`) and cancellation stop at once. A file no source could give fails naming every URL tried.
///
/// Progress: the bytes of the file count as done as they are written (those of a resumed `.part` when it is
/// resumed); a file that starts over takes back what it had counted, and so does a file that fails, so that the
/// final count is the bytes of the files in place.
struct Downloader: Sendable {
    let source: any PayloadSource
    /// Where a file is fetched when `source` cannot give it, in order (the metadata always comes from `source`).
    var fallbacks: [any PayloadSource] = []
    /// The mirror's destination.
    let store: MirrorDirectory
    let retry: RetryPolicy
    let progress: ProgressChannel<MirrorEvent>?
    let logger: Logger

    /// Downloads `file`, from `source` or else from each of `fallbacks` in turn, or returns why it could not.
    func download(_ file: MirrorPlan.File) async -> MirrorFailure? {
        // The bytes of this file counted as done in `progress`, over all attempts and sources.
        var counted: Int64 = 0
        // Attempts made, over all sources (the numbers of `.retrying` events).
        var attempts = 0
        var tried: [(url: String, error: ImageMirrorError)] = []
        let sources = [source] + fallbacks
        for (index, current) in sources.enumerated() {
            let url = current.url(of: file.path)
            let before = attempts
            // Whether the last attempt failed because of the source (rather than the destination).
            var sourceFault = false
            do {
                try await retry.run(
                    { () throws(ImageMirrorError) in
                        attempts += 1
                        sourceFault = false
                        try await attempt(
                            file, from: current, url: url, counted: &counted, sourceFault: &sourceFault)
                    },
                    beforeRetry: { error, attempt in
                        logger.info("retrying \(url) after attempt \(attempt): \(error)")
                        progress?.report(
                            .retrying(path: file.path, attempt: before + attempt, reason: error.description))
                    })
                progress?.advance(items: 1)
                progress?.report(.verified(path: file.path, size: file.size, linked: false))
                return nil
            } catch {
                tried.append((url, error))
                guard index + 1 < sources.count, sourceFault, Self.isSourceFailure(error), !Task.isCancelled else {
                    break
                }
                let next = sources[index + 1].url(of: file.path)
                logger.info("\(error); trying \(next)")
                progress?.report(
                    .retrying(path: file.path, attempt: attempts, reason: "\(error.description); trying \(next)"))
            }
        }
        let failure = failure(of: file, tried: tried)
        logger.error("\(failure)")
        if counted != 0 { progress?.advance(bytes: -counted) }
        progress?.report(.failed(failure))
        return failure
    }

    /// Whether another source may succeed where one failed with `error`: it was not found, the server answered an
    /// error or could not be reached, the content did not match, the source's file could not be read.
    private static func isSourceFailure(_ error: ImageMirrorError) -> Bool {
        [.notFound, .transport, .contentMismatch, .io].contains(error.code)
    }

    /// The failure of `file` after the sources `tried` failed: the first source's URL, and every URL with its error
    /// in the reason.
    private func failure(of file: MirrorPlan.File, tried: [(url: String, error: ImageMirrorError)]) -> MirrorFailure {
        let actual = tried.reversed().lazy.compactMap { ($0.error.underlyingError as? DigestMismatch)?.actual }.first
        let reason: String
        if tried.count <= 1 {
            reason = tried.first?.error.message ?? "no source to download it from"
        } else {
            let each = tried.map { url, error in
                error.message.contains(url) ? error.message : "\(url): \(error.message)"
            }
            reason = "none of the \(tried.count) sources could give it: " + each.joined(separator: "; ")
        }
        return MirrorFailure(
            path: file.path, url: source.url(of: file.path), expected: file.digest, actual: actual, reason: reason)
    }

    /// Counts the file's bytes done as `bytes` (more or fewer than counted so far).
    private func count(_ bytes: Int64, counted: inout Int64) {
        guard bytes != counted else { return }
        progress?.advance(bytes: bytes - counted)
        counted = bytes
    }

    /// Opens the `.part` of `name` in `directory` for reading and writing: the existing regular file, or a new one
    /// when there is none or something else (a symbolic link, a directory) stands there.
    private func openPart(_ name: [UInt8], in directory: DirectoryDescriptor) throws(ImageMirrorError)
        -> (file: FileDescriptor, existing: Int64)
    {
        do {
            if let status = try directory.status(name) {
                if status.type == .regular { return (try directory.openFile(name, writable: true), status.size) }
                logger.warning("\(directory.child(name)) is not a regular file; replacing it")
                try directory.remove(name)
            }
            return (try directory.createFile(name), 0)
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// One attempt from `origin`: resume or start the `.part`, stream the rest, check, rename. `sourceFault` is set
    /// when it fails because of what `origin` did (or did not) send, rather than because of the destination.
    private func attempt(
        _ file: MirrorPlan.File, from origin: any PayloadSource, url: String, counted: inout Int64,
        sourceFault: inout Bool
    ) async throws(ImageMirrorError) {
        guard let (directory, name) = try store.directory(holding: file.path, create: true) else { return }
        let partName = name + Array(".part".utf8)
        let part = directory.child(partName)
        let (descriptor, size) = try openPart(partName, in: directory)
        defer { try? descriptor.close() }
        var existing = size > file.size ? 0 : size
        var hasher = DigestHasher(file.digest.algorithm)
        if existing > 0 {
            existing = try MirrorDirectory.hash(descriptor, from: 0, length: existing, into: &hasher, path: part)
        }
        try Self.call { () throws(FileSystemError) in try FileIO.truncate(descriptor, to: existing, part) }
        let resumedFrom = existing
        var written = existing
        count(existing, counted: &counted)
        progress?.report(.started(path: file.path, size: file.size, resumedAt: existing))
        if existing < file.size {
            // Whether `start` or `receive` failed to write the destination (not the source's doing).
            var destinationFailed = false
            func write(_ body: () throws(FileSystemError) -> Void) throws(ImageMirrorError) {
                do {
                    try body()
                } catch {
                    destinationFailed = true
                    throw ImageMirrorError(error)
                }
            }
            do {
                try await origin.streamPayload(
                    file.path, from: existing, expectedSize: file.size,
                    start: { begin throws(ImageMirrorError) in
                        guard begin != written else { return }
                        // The server ignored Range: start the file again.
                        try write { () throws(FileSystemError) in try FileIO.truncate(descriptor, to: 0, part) }
                        logger.debug("\(url) ignored Range: restarting from byte 0")
                        hasher = DigestHasher(file.digest.algorithm)
                        written = 0
                        count(0, counted: &counted)
                        progress?.report(.started(path: file.path, size: file.size, resumedAt: 0))
                    },
                    receive: { bytes throws(ImageMirrorError) in
                        guard Int64(bytes.count) <= file.size - written else {
                            try? directory.remove(partName)
                            throw ImageMirrorError(
                                .contentMismatch,
                                "\(url) sent more than the \(file.size) bytes the signed metadata states")
                        }
                        try write { () throws(FileSystemError) in try FileIO.writeAll(descriptor, bytes, part) }
                        hasher.update(bufferPointer: bytes)
                        written += Int64(bytes.count)
                        // Counted by the quarter MiB (and the last bytes), not per buffer: the reader wakes less often.
                        if written - counted >= Self.countingStep || written == file.size {
                            count(written, counted: &counted)
                        }
                    })
            } catch {
                sourceFault = !destinationFailed
                throw error
            }
        }
        guard written == file.size else {
            sourceFault = true
            throw ImageMirrorError(.transport, "\(url): the body ended after \(written) of \(file.size) bytes")
        }
        let digest = hasher.finalize()
        guard digest == file.digest else {
            sourceFault = true
            try? directory.remove(partName)
            let mismatch = DigestMismatch(expected: file.digest, actual: digest)
            if resumedFrom > 0 {
                // The bytes kept from before may be the bad ones: a retry starts from scratch.
                throw ImageMirrorError(
                    .transport, "\(url): the resumed file has the wrong \(digest.algorithm); downloading it again",
                    underlyingError: mismatch)
            }
            throw ImageMirrorError(
                .contentMismatch,
                "\(url): \(digest.algorithm) mismatch: expected \(file.digest.hex), got \(digest.hex)",
                underlyingError: mismatch)
        }
        try Self.call { () throws(FileSystemError) in
            try FileIO.synchronize(descriptor, part)
            // renameat replaces whatever stands at the name (a planted symbolic link included) without following it.
            try directory.rename(partName, to: name, in: directory)
        }
    }

    /// The bytes received before they are counted in the progress.
    static let countingStep: Int64 = 1 << 18

    /// Runs a system-layer operation, turning its error into the mirror's.
    static func call(_ body: () throws(FileSystemError) -> Void) throws(ImageMirrorError) {
        do {
            try body()
        } catch {
            throw ImageMirrorError(error)
        }
    }
}

/// The expected and actual digest of content that did not match: the underlying error of a mismatch (users read
/// both from ``MirrorFailure``).
package struct DigestMismatch: Error, Sendable, Hashable, CustomStringConvertible {
    /// The digest the signed metadata states.
    package var expected: ContentDigest
    /// The digest of what arrived.
    package var actual: ContentDigest

    /// `expected SHA-256 X, got Y`.
    package var description: String { "expected \(expected), got \(actual.hex)" }
}
