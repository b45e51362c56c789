import Foundation
import Testing

/// Replays the fuzzer's seed corpus and every recorded crash input (`Fuzz/Corpus`, `Fuzz/Regressions`) through the
/// full exercise of ``ImageExerciser``: each must give results or `SquashFSError`s, never another error or a crash.
@Suite("Fuzz corpus and regression replay", .timeLimit(.minutes(2)))
struct FuzzReplayTests {
    /// The repository's `Fuzz` folder, found from this source file's location.
    private static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    @Test("every corpus and regression input is handled")
    func replay() async throws {
        var inputs: [URL] = []
        for folder in ["Corpus", "Regressions"] {
            let directory = Self.fuzzDirectory.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            inputs += names.filter { !$0.hasSuffix(".md") }.sorted().map { directory.appendingPathComponent($0) }
        }
        #expect(inputs.count >= 3, "the seed corpus is missing from \(Self.fuzzDirectory.path)")
        try await withTemporaryDirectory { directory in
            let scratch = try ScratchImageFile(path: directory.appending("replay.sqfs"))
            for input in inputs {
                let outcome = try scratch.exercise(Array(try Data(contentsOf: input)))
                #expect(outcome.foreignErrors.isEmpty, "\(input.lastPathComponent): \(outcome.foreignErrors)")
            }
        }
    }
}
