import Synchronization
internal import SystemLayer

/// Decodes a run of data blocks into consecutive stretches of one buffer, on several threads: the tar writer's
/// output stays strictly ordered while the blocks it is about to write are decompressed in parallel.
struct ParallelBlockDecoder {
    /// One data block to decode into `size` bytes at `offset` of the target.
    struct Job {
        var block: Int
        var position: UInt64
        var sizeWord: UInt32
        var offset: Int
        var size: Int
    }

    /// The target buffer, shared by the threads of one run (each writes its own stretches).
    private struct Target: @unchecked Sendable {
        var buffer: UnsafeMutableRawBufferPointer
    }

    /// The shared state of one run: the next job to take, and the first failure.
    private final class RunState: Sendable {
        let next = Atomic<Int>(0)
        let failure = Mutex<SquashFSError?>(nil)
    }

    private let image: SquashFSImage
    private let threads: Int

    init(image: SquashFSImage, threads: Int) {
        self.image = image
        self.threads = max(1, threads)
    }

    /// Decodes every job into `target`; throws the first failure.
    func decode(_ jobs: [Job], into target: UnsafeMutableRawBufferPointer, inode: Inode) throws(SquashFSError) {
        let workers = min(threads, jobs.count)
        if workers <= 1 {
            for job in jobs { try decode(job, into: target, inode: inode) }
            return
        }
        let state = RunState()
        let shared = Target(buffer: target)
        let image = self.image
        onDedicatedThreadsWaiting(workers) { _ in
            while state.failure.withLock({ $0 == nil }) {
                let index = state.next.add(1, ordering: .relaxed).oldValue
                guard index < jobs.count else { return }
                do throws(SquashFSError) {
                    try Self.decode(jobs[index], image: image, into: shared.buffer, inode: inode)
                } catch {
                    state.failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = state.failure.withLock({ $0 }) { throw error }
    }

    private func decode(_ job: Job, into target: UnsafeMutableRawBufferPointer, inode: Inode) throws(SquashFSError) {
        try Self.decode(job, image: image, into: target, inode: inode)
    }

    private static func decode(
        _ job: Job, image: SquashFSImage, into target: UnsafeMutableRawBufferPointer, inode: Inode
    )
        throws(SquashFSError)
    {
        do {
            _ = try image.reader.readDataBlock(
                at: job.position, sizeWord: job.sizeWord,
                into: UnsafeMutableRawBufferPointer(rebasing: target[job.offset..<(job.offset + job.size)]),
                exact: true, dataEnd: image.superblock.inodeTableStart)
        } catch {
            throw SquashFSError(
                error.code, "\(image.name): inode #\(inode.number) block \(job.block): \(error.message)",
                underlyingError: error.underlyingError)
        }
    }
}
