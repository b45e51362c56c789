internal import Dispatch
internal import Glibc
internal import Synchronization

/// Stops a read when the verification it belongs to has been cancelled (only inside ``ContentVerifier/verifyFiles``).
struct ChecksumReadCancelled: Error {}

/// Set from a task's cancellation handler, read by the thread that reads the task's file.
final class ChecksumCancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// Reads a file front to back into one reused buffer, handing each chunk to `body` straight from the buffer.
enum ChecksumFileReader {
    /// The read size: large enough that system calls cost nothing, small enough to stay in the L2 cache between
    /// the kernel's copy and the hash.
    static let defaultChunkSize = 1 << 18

    /// Opens `path` (a regular file only: a FIFO, a device such as `/dev/zero` or a directory is refused at once,
    /// without blocking), calls `prepare` with its size (which may throw to refuse it before any byte is read), then
    /// reads it in chunks of at most `chunkSize`, and of at most `limit()` bytes when that is not nil, until the end of
    /// the file or until `body` throws.
    static func read(
        path: String, chunkSize: Int = defaultChunkSize, isCancelled: () -> Bool = { false },
        prepare: (_ regularFileSize: Int?) throws -> Void, limit: () -> Int?,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let descriptor = try openRegularFile(path, what: "")
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(path, "cannot stat", errno) }
        try prepare(Int(exactly: status.st_size))
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 64)
        defer { buffer.deallocate() }
        while true {
            if isCancelled() { throw ChecksumReadCancelled() }
            let wanted = min(buffer.count, limit().map { max($0, 0) } ?? buffer.count)
            let count = Glibc.read(descriptor, buffer.baseAddress, wanted)
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot read", errno)
            }
            if count == 0 && wanted > 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            if wanted == 0 { return }
        }
    }

    private static func failure(_ path: String, _ what: String, _ code: Int32) -> VerificationError {
        VerificationError(.io, "\(path): \(what)", underlyingError: ErrnoError(errno: code))
    }
}

extension ContentVerifier {
    /// Verifies a file: its size, then its strongest stated digest (see ``Policy``).
    ///
    /// Only a regular file is verified: a FIFO, a device such as `/dev/zero` or a directory is refused at once (`io`),
    /// without blocking, and `expected` must state a digest (`noDigest` otherwise: a size alone verifies nothing). A
    /// file whose size differs from `expected.size` is refused before any byte is read. Otherwise the file
    /// is read front to back in chunks of `chunkSize` bytes (256 KiB by default) into one reused buffer and hashed
    /// straight from it; when a size is stated, no more than one byte past it is ever read (a file that grows while
    /// it is read is caught without reading the rest).
    ///
    /// Throws a ``VerificationError``: `io` (the file cannot be opened or read), `sizeMismatch`, `digestMismatch`,
    /// `noDigest`; the message starts with the path.
    public static func verify(
        fileAtPath path: String, expected: ExpectedContent, policy: Policy = .strongest, chunkSize: Int? = nil
    ) throws -> VerifiedContent {
        try verifyFile(path, expected: expected, policy: policy, chunkSize: chunkSize, isCancelled: { false })
    }

    static func verifyFile(
        _ path: String, expected: ExpectedContent, policy: Policy, chunkSize: Int?, isCancelled: () -> Bool
    ) throws -> VerifiedContent {
        var verifier = try ContentVerifier(expected: expected, name: path, policy: policy)
        try ChecksumFileReader.read(
            path: path, chunkSize: chunkSize ?? ChecksumFileReader.defaultChunkSize,
            isCancelled: isCancelled,
            prepare: { fileSize in
                if let size = expected.size, let fileSize, fileSize != size {
                    throw VerificationError(
                        .sizeMismatch, "\(path): size mismatch: expected \(size) bytes, actual \(fileSize)")
                }
            },
            // One byte more than the size allows, so that a longer file is noticed with the least reading.
            limit: { verifier.remainingBytes.map { $0 < Int.max ? $0 + 1 : $0 } },
            body: { chunk in try verifier.update(bufferPointer: chunk) })
        return try verifier.finish()
    }

    /// Verifies many files in parallel, at most `maximumConcurrency` at a time (default: one per online processor),
    /// and returns their results in the order given.
    ///
    /// A task group holds one child task per file being verified, never more than `maximumConcurrency`. Each child
    /// reads and hashes its file on a thread outside Swift's cooperative pool and awaits it, so the blocking reads
    /// never hold a pool thread.
    ///
    /// The first failure cancels the files still being read and is thrown: a ``VerificationError`` whose message
    /// names the file. If the calling task is cancelled, throws `CancellationError`.
    public static func verifyFiles(
        _ files: [(path: String, expected: ExpectedContent)], policy: Policy = .strongest,
        maximumConcurrency: Int? = nil
    ) async throws -> [VerifiedContent] {
        let results = try await verifyFiles(
            files, policy: policy, maximumConcurrency: maximumConcurrency, stopsAtFirstFailure: true)
        return try results.map { try $0.get() }
    }

    /// Verifies many files in parallel, as ``verifyFiles(_:policy:maximumConcurrency:)``, but verifies every one of
    /// them and returns each file's result, in the order given. Throws only `CancellationError`, when the calling task
    /// is cancelled.
    public static func verifyEachFile(
        _ files: [(path: String, expected: ExpectedContent)], policy: Policy = .strongest,
        maximumConcurrency: Int? = nil
    ) async throws -> [Result<VerifiedContent, VerificationError>] {
        try await verifyFiles(files, policy: policy, maximumConcurrency: maximumConcurrency, stopsAtFirstFailure: false)
    }

    /// Verifies one file on a thread outside Swift's cooperative pool and awaits it, so that the blocking reads never
    /// hold a pool thread (other tasks need them, and a caller may have blocked some). On Linux the pool is Dispatch's
    /// global queue, whose width is the processor count, so the work goes to a serial queue of its own, which
    /// Dispatch runs on its overcommitting pool. Cancelling the task stops the read at the next chunk.
    private static func verifyOffThePool(
        _ path: String, expected: ExpectedContent, policy: Policy, index: Int, worker: @escaping FileWorker
    ) async throws -> (Int, Result<VerifiedContent, VerificationError>) {
        let flag = ChecksumCancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue(label: "maas-images.verify-file").async {
                    do {
                        let verified = try worker(path, expected, policy) { flag.isSet }
                        continuation.resume(returning: (index, .success(verified)))
                    } catch let error as VerificationError {
                        continuation.resume(returning: (index, .failure(error)))
                    } catch {
                        continuation.resume(throwing: CancellationError())
                    }
                }
            }
        } onCancel: {
            flag.set()
        }
    }

    /// The number of processors online, at least 1.
    static var onlineProcessors: Int { max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1) }

    /// Verifies one file, on a thread of its own, stopping (by throwing) once `isCancelled()` is true.
    typealias FileWorker =
        @Sendable (
            _ path: String, _ expected: ExpectedContent, _ policy: Policy, _ isCancelled: () -> Bool
        ) throws -> VerifiedContent

    /// The worker of every public entry point: ``verifyFile(_:expected:policy:chunkSize:isCancelled:)``.
    static let fileWorker: FileWorker = { path, expected, policy, isCancelled in
        try verifyFile(path, expected: expected, policy: policy, chunkSize: nil, isCancelled: isCancelled)
    }

    /// Verifies `files` with `worker` (tests give one that counts the files started and reads until cancelled).
    static func verifyFiles(
        _ files: [(path: String, expected: ExpectedContent)], policy: Policy, maximumConcurrency: Int?,
        stopsAtFirstFailure: Bool, worker: @escaping FileWorker = fileWorker
    ) async throws -> [Result<VerifiedContent, VerificationError>] {
        let width = max(1, min(maximumConcurrency ?? onlineProcessors, files.count))
        var results = [Result<VerifiedContent, VerificationError>?](repeating: nil, count: files.count)
        try await withThrowingTaskGroup(of: (Int, Result<VerifiedContent, VerificationError>).self) { group in
            var next = 0
            func startNext() {
                guard next < files.count else { return }
                let index = next
                let (path, expected) = files[index]
                next += 1
                group.addTask {
                    try await verifyOffThePool(path, expected: expected, policy: policy, index: index, worker: worker)
                }
            }
            for _ in 0..<width { startNext() }
            while let (index, result) = try await group.next() {
                if stopsAtFirstFailure, case .failure(let error) = result {
                    group.cancelAll()
                    throw error
                }
                results[index] = result
                try Task.checkCancellation()
                startNext()
            }
        }
        return results.enumerated().map { index, result in
            result ?? .failure(VerificationError(.io, "\(files[index].path): not verified"))
        }
    }
}

extension Digest {
    /// The digest of a file, read in 256 KiB chunks into one reused buffer and hashed straight from it. Throws a
    /// ``VerificationError`` (`io`) naming the path when the file cannot be opened or read, or is not a regular file
    /// (a FIFO, a device or a directory is refused at once, without blocking).
    public static func compute(_ algorithm: DigestAlgorithm, ofFileAtPath path: String) throws -> Digest {
        var hasher = DigestHasher(algorithm)
        try ChecksumFileReader.read(
            path: path, prepare: { _ in }, limit: { nil }, body: { hasher.update(bufferPointer: $0) })
        return hasher.finalize()
    }
}
