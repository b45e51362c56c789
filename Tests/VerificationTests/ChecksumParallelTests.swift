import Foundation
import Testing
import Verification

/// `ContentVerifier.verifyFiles` and `ContentVerifier.verifyEachFile`: many files at once, results in order.
@Suite("Checksum parallel verification")
struct ChecksumParallelTests {
    /// Eight files of different sizes, with their expectations; the one at `badIndex` (if any) gets a wrong digest.
    static func files(in scratch: ChecksumScratch, badIndex: Int?) throws -> [(path: String, expected: ExpectedContent)]
    {
        try (0..<8).map { index in
            let bytes = ChecksumTools.pseudoRandom(count: 300_000 * index + 17, seed: UInt64(index))
            let path = try scratch.write("file-\(index)", bytes)
            let digest =
                index == badIndex ? Digest.compute(.sha256, of: bytes + [0]) : Digest.compute(.sha256, of: bytes)
            return (path, try ExpectedContent(size: bytes.count, sha256: digest.hex))
        }
    }

    @Test("eight good files verify, results in the order given", arguments: [nil, 1, 3, 16])
    func allGood(concurrency: Int?) async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let files = try Self.files(in: scratch, badIndex: nil)
        let results = try await ContentVerifier.verifyFiles(files, maximumConcurrency: concurrency)
        #expect(results.map(\.name) == files.map(\.path))
        #expect(results.map(\.size) == files.map { $0.expected.size ?? -1 })
        #expect(results.map { $0.digests.first } == files.map(\.expected.sha256))
    }

    @Test("one bad file among eight: the error names it, its digest, expected and actual")
    func oneBad() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let files = try Self.files(in: scratch, badIndex: 5)
        let bad = files[5]
        let actual = try Digest.compute(.sha256, ofFileAtPath: bad.path)
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
            case .success(let verified): #expect(index != 5 && verified.name == files[index].path)
            case .failure(let error): #expect(index == 5 && error.code == .digestMismatch)
            }
        }
    }

    @Test("a missing file and a short file are reported per file")
    func missingAndShort() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        var files = try Self.files(in: scratch, badIndex: nil)
        files[2].path = scratch.path + "/missing"
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

    @Test("the first failure stops the files still being read", .timeLimit(.minutes(1)))
    func firstFailureCancelsOthers() async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let bad = try scratch.write("bad", [1, 2, 3])
        // /dev/zero with a size of 1 PiB would take days; it ends only because the bad file's failure cancels it.
        let endless = (path: "/dev/zero", expected: try ExpectedContent(size: 1 << 50))
        let files = [endless, (path: bad, expected: try ExpectedContent(size: 4))]
        await #expect {
            _ = try await ContentVerifier.verifyFiles(files)
        } throws: { error in
            (error as? VerificationError)?.message == "\(bad): size mismatch: expected 4 bytes, actual 3"
        }
    }

    /// Four endless reads at once, more than this machine's cores: were they on the cooperative pool, the task that
    /// cancels them could not run.
    @Test("cancelling the caller stops the reads", .timeLimit(.minutes(1)))
    func cancellation() async throws {
        let endless = (path: "/dev/zero", expected: try ExpectedContent(size: 1 << 50))
        let task = Task {
            try await ContentVerifier.verifyEachFile(Array(repeating: endless, count: 5), maximumConcurrency: 4)
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }
}
