import Foundation
import Glibc
import Synchronization
import SystemPackage
import Testing

@testable import Verification

/// `ContentVerifier.verifyFiles` and `ContentVerifier.verifyEachFile`: many files at once, results in order.
@Suite("Checksum parallel verification")
struct ChecksumParallelTests {
    /// Eight files of different sizes, with their expectations; the one at `badIndex` (if any) gets a wrong digest.
    static func files(in scratch: ChecksumScratch, badIndex: Int?) throws -> [FileToVerify] {
        try (0..<8).map { index in
            let bytes = ChecksumTools.pseudoRandom(count: 300_000 * index + 17, seed: UInt64(index))
            let path = try scratch.write("file-\(index)", bytes)
            let digest =
                index == badIndex
                ? ContentDigest.compute(.sha256, of: bytes + [0]) : ContentDigest.compute(.sha256, of: bytes)
            return FileToVerify(path: path, expected: try ExpectedContent(size: bytes.count, sha256: digest.hex))
        }
    }

    @Test("eight good files verify, results in the order given", arguments: [nil, 1, 3, 16])
    func allGood(concurrency: Int?) async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let files = try Self.files(in: scratch, badIndex: nil)
        let results = try await ContentVerifier.verifyFiles(files, maximumConcurrency: concurrency)
        #expect(results.map(\.name) == files.map(\.path.string))
        #expect(results.map(\.size) == files.map { $0.expected.size ?? -1 })
        #expect(results.map { $0.digests.first } == files.map(\.expected.sha256))
    }

    @Test("one bad file among eight: the error names it, its digest, expected and actual")
    func oneBad() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let files = try Self.files(in: scratch, badIndex: 5)
        let bad = files[5]
        let actual = try ContentDigest.compute(.sha256, ofFileAtPath: bad.path)
        await #expect {
            _ = try await ContentVerifier.verifyFiles(files)
        } throws: { error in
            (error as? VerificationError)?.message
                == "\(bad.path): SHA-256 mismatch: expected \(bad.expected.sha256?.hex ?? "?"), actual \(actual.hex)"
        }
        let each = try await ContentVerifier.verifyEachFile(files)
        #expect(each.count == 8)
        for (index, result) in each.enumerated() {
            switch result {
            case .success(let verified): #expect(index != 5 && verified.name == files[index].path.string)
            case .failure(let error): #expect(index == 5 && error.code == .digestMismatch)
            }
        }
    }

    @Test("a missing file and a short file are reported per file")
    func missingAndShort() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        var files = try Self.files(in: scratch, badIndex: nil)
        files[2].path = FilePath(scratch.path + "/missing")
        files[6].expected.size = (files[6].expected.size ?? 0) + 1
        let each = try await ContentVerifier.verifyEachFile(files)
        let codes = each.map { result -> String in
            switch result {
            case .success: "ok"
            case .failure(let error): "\(error.code)"
            }
        }
        #expect(codes == ["ok", "ok", "io", "ok", "ok", "ok", "size-mismatch", "ok"])
        #expect(try await ContentVerifier.verifyFiles([]).isEmpty)
    }

    /// Issue 16: this test had a one-minute time limit and read `/dev/zero` until cancelled, so it failed on a loaded
    /// machine. It now proves the behaviour without the clock: the endless file is a worker that reads (counts)
    /// chunks until it is told it is cancelled, so the run ends only because the failure cancels it, however slow the
    /// machine.
    @Test("the first failure stops the files still being read")
    func firstFailureCancelsOthers() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let bad = try scratch.write("bad", [1, 2, 3])
        let sha256 = ContentDigest.compute(.sha256, of: [1, 2, 3, 4]).hex
        let endless = FileToVerify(path: "endless", expected: try ExpectedContent(size: 1 << 50, sha256: sha256))
        let files = [endless, FileToVerify(path: bad, expected: try ExpectedContent(size: 4, sha256: sha256))]
        let reads = EndlessReads()
        await #expect {
            _ = try await ContentVerifier.verifyFiles(
                files, policy: .strongest, maximumConcurrency: nil, stopsAtFirstFailure: true,
                worker: reads.worker(endless: ["endless"]))
        } throws: { error in
            (error as? VerificationError)?.message == "\(bad): size mismatch: expected 4 bytes, actual 3"
        }
        #expect(Set(reads.started) == ["endless", bad])
        #expect(reads.stoppedByCancellation == ["endless"])
    }

    /// Files not yet started when one fails are never opened: with one file at a time, a failure of the first leaves
    /// the other seven unread.
    @Test("after the first failure no further file is opened")
    func firstFailureOpensNoMore() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        var files = try Self.files(in: scratch, badIndex: nil)
        files[0].expected.size = (files[0].expected.size ?? 0) + 1
        let reads = EndlessReads()
        await #expect {
            _ = try await ContentVerifier.verifyFiles(
                files, policy: .strongest, maximumConcurrency: 1, stopsAtFirstFailure: true,
                worker: reads.worker(endless: []))
        } throws: { error in
            (error as? VerificationError)?.code == .sizeMismatch
        }
        #expect(reads.started == [files[0].path.string])
    }

    /// Issue 16: this test had a one-minute time limit and a 200 ms sleep before cancelling. It now waits until the
    /// four endless reads have started (however long that takes), cancels, and checks that each of them stopped
    /// because of the cancellation and that the fifth file was never started. Four endless reads at once are more
    /// than this machine's cores: were they on the cooperative pool, the task that cancels them could not run.
    @Test("cancelling the caller stops the reads")
    func cancellation() async throws {
        let sha256 = ContentDigest.compute(.sha256, of: []).hex
        let files = try (0..<5).map {
            FileToVerify(path: "endless-\($0)", expected: try ExpectedContent(size: 1 << 50, sha256: sha256))
        }
        let reads = EndlessReads()
        let worker = reads.worker(endless: Set(files.map(\.path.string)))
        let task = Task {
            try await ContentVerifier.verifyFiles(
                files, policy: .strongest, maximumConcurrency: 4, stopsAtFirstFailure: false, worker: worker)
        }
        await reads.waitUntilStarted(4)
        task.cancel()
        await #expect {
            _ = try await task.value
        } throws: { error in
            (error as? VerificationError)?.code == .cancelled
        }
        #expect(reads.started.count == 4)
        #expect(reads.stoppedByCancellation.count == 4)
        #expect(!reads.started.contains("endless-4"))
    }

    /// The real file reader stops at the next chunk once it is cancelled: a 1 MiB file read in 4 KiB chunks, cancelled
    /// after three of them, is read no further.
    @Test("the file reader checks for cancellation before every chunk")
    func readerStopsAtNextChunk() throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let bytes = ChecksumTools.pseudoRandom(count: 1 << 20, seed: 3)
        let path = try scratch.write("big", bytes)
        let expected = try ExpectedContent(size: bytes.count, sha256: ContentDigest.compute(.sha256, of: bytes).hex)
        let checks = ProducedCounter()
        #expect {
            _ = try ContentVerifier.verifyFile(
                path, expected: expected, policy: .strongest, chunkSize: 4096,
                isCancelled: {
                    checks.increment()
                    return checks.value > 3
                })
        } throws: { error in
            (error as? VerificationError)?.code == .cancelled
        }
        #expect(checks.value == 4)
    }
}

/// A file worker for ``ContentVerifier/verifyFiles(_:policy:maximumConcurrency:stopsAtFirstFailure:worker:)`` that
/// records the files started, verifies real files as the library does, and "reads" the endless ones chunk by chunk
/// until it is told it is cancelled: they end only through cancellation, never by the clock.
final class EndlessReads: Sendable {
    private struct State {
        var started: [String] = []
        var stoppedByCancellation: [String] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    /// The paths started, in order.
    var started: [String] { state.withLock { $0.started } }
    /// The endless paths that stopped because they were cancelled.
    var stoppedByCancellation: [String] { state.withLock { $0.stoppedByCancellation } }

    /// Returns once `count` files have started.
    func waitUntilStarted(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.started.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func worker(endless: Set<String>) -> ContentVerifier.FileWorker {
        { path, expected, policy, isCancelled throws(VerificationError) in
            let ready = self.state.withLock { state in
                state.started.append(path)
                let ready = state.waiters.filter { $0.count <= state.started.count }
                state.waiters.removeAll { $0.count <= state.started.count }
                return ready.map(\.continuation)
            }
            for continuation in ready { continuation.resume() }
            guard endless.contains(path) else {
                return try ContentVerifier.fileWorker(path, expected, policy, isCancelled)
            }
            var verifier = try ContentVerifier(expected: expected, name: path, policy: policy)
            let chunk = [UInt8](repeating: 0, count: 4096)
            while !isCancelled() {
                try verifier.update(chunk)
                sched_yield()
            }
            self.state.withLock { $0.stoppedByCancellation.append(path) }
            throw VerificationError(.cancelled, "\(path): cancelled")
        }
    }
}
