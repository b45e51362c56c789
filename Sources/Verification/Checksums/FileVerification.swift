internal import Synchronization
internal import SystemLayer
public import SystemPackage

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
    ///
    /// - Throws: ``VerificationError/Code/cancelled`` once `isCancelled()` is true (checked before every chunk),
    ///   ``VerificationError/Code/io`` with the ``FileSystemError`` as the underlying error, or what `prepare` and
    ///   `body` throw.
    static func read(
        path: String, chunkSize: Int = defaultChunkSize, isCancelled: () -> Bool = { false },
        prepare: (_ regularFileSize: Int?) throws(VerificationError) -> Void, limit: () -> Int?,
        body: (UnsafeRawBufferPointer) throws(VerificationError) -> Void
    ) throws(VerificationError) {
        let opened: (file: FileDescriptor, size: Int64)
        do {
            opened = try FileIO.openForSequentialRead(atPath: path)
        } catch {
            throw VerificationError(error, reading: "", path)
        }
        defer { try? opened.file.close() }
        try prepare(Int(exactly: opened.size))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 64)
        defer { buffer.deallocate() }
        while true {
            if isCancelled() { throw VerificationError(.cancelled, "\(path): verification cancelled") }
            let wanted = min(buffer.count, limit().map { max($0, 0) } ?? buffer.count)
            let count: Int
            do {
                count = try FileIO.read(
                    opened.file, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), path)
            } catch {
                throw VerificationError(.io, "\(path): cannot read", underlyingError: error)
            }
            if count == 0 && wanted > 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            if wanted == 0 { return }
        }
    }
}

/// A file to verify and what it must contain: one input of ``ContentVerifier/verifyFiles(_:policy:maximumConcurrency:)``
/// and ``ContentVerifier/verifyEachFile(_:policy:maximumConcurrency:)``.
public struct FileToVerify: Hashable, Sendable {
    /// The file's path.
    public var path: FilePath
    /// The size and digests it must have.
    public var expected: ExpectedContent

    /// Creates a value.
    public init(path: FilePath, expected: ExpectedContent) {
        self.path = path
        self.expected = expected
    }

    /// Creates a value from a path given as a string.
    public init(path: String, expected: ExpectedContent) {
        self.init(path: FilePath(path), expected: expected)
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
    /// - Throws: ``VerificationError``: `io` (the file cannot be opened or read), `sizeMismatch`, `digestMismatch`,
    ///   `noDigest`; the message names the path.
    public static func verify(
        fileAtPath path: FilePath, expected: ExpectedContent, policy: Policy = .strongest, chunkSize: Int? = nil
    ) throws(VerificationError) -> VerifiedContent {
        try verifyFile(path.string, expected: expected, policy: policy, chunkSize: chunkSize, isCancelled: { false })
    }

    /// Verifies the file at `path`, given as a string; see ``verify(fileAtPath:expected:policy:chunkSize:)-(FilePath,_,_,_)``.
    public static func verify(
        fileAtPath path: String, expected: ExpectedContent, policy: Policy = .strongest, chunkSize: Int? = nil
    ) throws(VerificationError) -> VerifiedContent {
        try verifyFile(path, expected: expected, policy: policy, chunkSize: chunkSize, isCancelled: { false })
    }

    static func verifyFile(
        _ path: String, expected: ExpectedContent, policy: Policy, chunkSize: Int?, isCancelled: () -> Bool
    ) throws(VerificationError) -> VerifiedContent {
        var verifier = try ContentVerifier(expected: expected, name: path, policy: policy)
        try ChecksumFileReader.read(
            path: path, chunkSize: chunkSize ?? ChecksumFileReader.defaultChunkSize,
            isCancelled: isCancelled,
            prepare: { fileSize throws(VerificationError) in
                if let size = expected.size, let fileSize, fileSize != size {
                    throw VerificationError(
                        .sizeMismatch, "\(path): size mismatch: expected \(size) bytes, actual \(fileSize)")
                }
            },
            // One byte more than the size allows, so that a longer file is noticed with the least reading.
            limit: { verifier.remainingBytes.map { $0 < Int.max ? $0 + 1 : $0 } },
            body: { chunk throws(VerificationError) in try verifier.update(bufferPointer: chunk) })
        return try verifier.finish()
    }

    /// Verifies many files in parallel, at most `maximumConcurrency` at a time (default: one per online processor),
    /// and returns their results in the order given.
    ///
    /// A task group holds one child task per file being verified, never more than `maximumConcurrency`. Each child
    /// reads and hashes its file on a thread of its own, outside Swift's cooperative pool, and awaits it, so the
    /// blocking reads never hold a pool thread.
    ///
    /// - Throws: The first failure, after cancelling the files still being read: a ``VerificationError`` whose
    ///   message names the file. ``VerificationError/Code/cancelled`` when the calling task is cancelled.
    public static func verifyFiles(
        _ files: [FileToVerify], policy: Policy = .strongest, maximumConcurrency: Int? = nil
    ) async throws(VerificationError) -> [VerifiedContent] {
        let results = try await verifyFiles(
            files, policy: policy, maximumConcurrency: maximumConcurrency, stopsAtFirstFailure: true)
        return try results.map { result throws(VerificationError) in try result.get() }
    }

    /// Verifies many files in parallel, as ``verifyFiles(_:policy:maximumConcurrency:)``, but verifies every one of
    /// them and returns each file's result, in the order given.
    ///
    /// - Throws: Only ``VerificationError/Code/cancelled``, when the calling task is cancelled.
    public static func verifyEachFile(
        _ files: [FileToVerify], policy: Policy = .strongest, maximumConcurrency: Int? = nil
    ) async throws(VerificationError) -> [Result<VerifiedContent, VerificationError>] {
        try await verifyFiles(files, policy: policy, maximumConcurrency: maximumConcurrency, stopsAtFirstFailure: false)
    }

    /// Verifies one file on a thread of its own (SystemLayer's one mechanism for blocking work) and awaits it, so that
    /// the blocking reads never hold a thread of the cooperative pool (other tasks need them, and a caller may have
    /// blocked some). Cancelling the task stops the read at the next chunk, with ``VerificationError/Code/cancelled``.
    private static func verifyOffThePool(
        _ file: FileToVerify, policy: Policy, index: Int, worker: @escaping FileWorker
    ) async -> (Int, Result<VerifiedContent, VerificationError>) {
        let flag = ChecksumCancellationFlag()
        let path = file.path.string
        let expected = file.expected
        let result = await withTaskCancellationHandler {
            await onDedicatedThread { () -> Result<VerifiedContent, VerificationError> in
                do throws(VerificationError) {
                    return .success(try worker(path, expected, policy) { flag.isSet })
                } catch {
                    return .failure(error)
                }
            }
        } onCancel: {
            flag.set()
        }
        return (index, result)
    }

    /// Verifies one file, on a thread of its own, stopping (with ``VerificationError/Code/cancelled``) once
    /// `isCancelled()` is true.
    typealias FileWorker =
        @Sendable (
            _ path: String, _ expected: ExpectedContent, _ policy: Policy, _ isCancelled: () -> Bool
        ) throws(VerificationError) -> VerifiedContent

    /// The worker of every public entry point: ``verifyFile(_:expected:policy:chunkSize:isCancelled:)``.
    static let fileWorker: FileWorker = { path, expected, policy, isCancelled throws(VerificationError) in
        try verifyFile(path, expected: expected, policy: policy, chunkSize: nil, isCancelled: isCancelled)
    }

    /// Verifies `files` with `worker` (tests give one that counts the files started and reads until cancelled).
    static func verifyFiles(
        _ files: [FileToVerify], policy: Policy, maximumConcurrency: Int?, stopsAtFirstFailure: Bool,
        worker: @escaping FileWorker = fileWorker
    ) async throws(VerificationError) -> [Result<VerifiedContent, VerificationError>] {
        let width = max(1, min(maximumConcurrency ?? Processes.onlineProcessorCount, files.count))
        let outcome = await withTaskGroup(
            of: (Int, Result<VerifiedContent, VerificationError>).self,
            returning: Result<[Result<VerifiedContent, VerificationError>?], VerificationError>.self
        ) { group in
            var results = [Result<VerifiedContent, VerificationError>?](repeating: nil, count: files.count)
            var next = 0
            func startNext() {
                guard next < files.count else { return }
                let index = next
                let file = files[index]
                next += 1
                group.addTask {
                    await verifyOffThePool(file, policy: policy, index: index, worker: worker)
                }
            }
            for _ in 0..<width { startNext() }
            while let (index, result) = await group.next() {
                if case .failure(let error) = result, stopsAtFirstFailure || error.code == .cancelled {
                    group.cancelAll()
                    return .failure(error)
                }
                results[index] = result
                if Task.isCancelled {
                    group.cancelAll()
                    return .failure(
                        VerificationError(.cancelled, "the verification of \(files.count) files was cancelled"))
                }
                startNext()
            }
            return .success(results)
        }
        return try outcome.get().enumerated().map { index, result in
            result ?? .failure(VerificationError(.io, "\(files[index].path): not verified"))
        }
    }
}

extension ContentDigest {
    /// The digest of a file, read in 256 KiB chunks into one reused buffer and hashed straight from it.
    ///
    /// - Throws: ``VerificationError/Code/io`` naming the path when the file cannot be opened or read, or is not a
    ///   regular file (a FIFO, a device or a directory is refused at once, without blocking).
    public static func compute(_ algorithm: DigestAlgorithm, ofFileAtPath path: FilePath) throws(VerificationError)
        -> ContentDigest
    {
        var hasher = DigestHasher(algorithm)
        try ChecksumFileReader.read(
            path: path.string, prepare: { _ in }, limit: { nil }, body: { hasher.update(bufferPointer: $0) })
        return hasher.finalize()
    }

    /// The digest of the file at `path`, given as a string; see ``compute(_:ofFileAtPath:)-(_,FilePath)``.
    public static func compute(_ algorithm: DigestAlgorithm, ofFileAtPath path: String) throws(VerificationError)
        -> ContentDigest
    {
        try compute(algorithm, ofFileAtPath: FilePath(path))
    }
}
