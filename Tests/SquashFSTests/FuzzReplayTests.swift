import Foundation
import SquashFS
import Testing

/// Replays the fuzzer's seed corpus and every recorded crash input (`Fuzz/Corpus`, `Fuzz/Regressions`) through the
/// full exercise of ``ImageExerciser``: each must give results or `SquashFSError`s, never another error or a crash.
@Suite("Fuzz corpus and regression replay")
struct FuzzReplayTests {
    /// The repository's `Fuzz` folder, found from this source file's location.
    private static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The corpus and regression inputs.
    private static func inputs() -> [URL] {
        var inputs: [URL] = []
        for folder in ["Corpus", "Regressions"] {
            let directory = fuzzDirectory.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            inputs += names.filter { !$0.hasSuffix(".md") }.sorted().map { directory.appendingPathComponent($0) }
        }
        return inputs
    }

    @Test("every corpus and regression input is handled")
    func replay() async throws {
        let inputs = Self.inputs()
        #expect(inputs.count >= 3, "the seed corpus is missing from \(Self.fuzzDirectory.path)")
        try await withTemporaryDirectory { directory in
            let scratch = try ScratchImageFile(path: directory.appending("replay.sqfs"))
            for input in inputs {
                let outcome = try scratch.exercise(Array(try Data(contentsOf: input)))
                #expect(outcome.foreignErrors.isEmpty, "\(input.lastPathComponent): \(outcome.foreignErrors)")
            }
        }
    }

    /// As the `FuzzExtract` target does: extraction succeeds or throws a `SquashFSError`, and writes nothing next to
    /// its destination.
    @Test("every corpus and regression input extracts inside its destination")
    func replayExtraction() async throws {
        for input in Self.inputs() {
            try await withTemporaryDirectory { directory in
                guard let image = try? SquashFSImage(path: input.path) else { return }
                var options = ExtractionOptions()
                options.maximumTotalBytes = 16 << 20
                options.maximumEntries = 10_000
                do {
                    _ = try await image.extract(to: directory.appending("dest"), options: options)
                } catch {
                    #expect(error is SquashFSError, "\(input.lastPathComponent): \(error)")
                }
                // An image refused before anything is written may leave no destination at all (the hostile seeds).
                let names = try POSIX.directoryNames(Array(directory.path.utf8))
                #expect(names.isEmpty || names == [Array("dest".utf8)], "\(input.lastPathComponent) wrote \(names)")
            }
        }
    }
}
