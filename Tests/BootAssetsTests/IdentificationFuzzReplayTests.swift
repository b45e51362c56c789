import BootAssets
import Foundation
import Testing

/// Replays the FuzzIdentify seeds (Fuzz/CorpusIdentify) and every input it ever crashed on
/// (Fuzz/Regressions/identify-*) through both identification paths, which must agree.
@Suite("Identification fuzz replay")
struct IdentificationFuzzReplayTests {
    /// The package's Fuzz directory, found from this source file.
    static let fuzzDirectory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fuzz").path
    }()

    static func inputs() -> [String] {
        let corpus = fuzzDirectory + "/CorpusIdentify"
        let regressions = fuzzDirectory + "/Regressions"
        let seeds = ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).map { corpus + "/" + $0 }
        let crashes = ((try? FileManager.default.contentsOfDirectory(atPath: regressions)) ?? [])
            .filter { $0.hasPrefix("identify-") }.map { regressions + "/" + $0 }
        return (seeds + crashes).sorted()
    }

    @Test("seeds and regressions identify the same from a file and from memory")
    func replay() throws {
        let inputs = Self.inputs()
        #expect(inputs.count >= 5)
        for path in inputs {
            let fromFile = try ContentIdentification(contentsOf: path)
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(ContentIdentification(bytes: bytes) == fromFile, "\(path)")
            for type in BootFileType.maasTypes + BootFileType.streamOnlyTypes {
                _ = fromFile.isConsistent(with: type)
            }
            if !path.contains("/Regressions/") { #expect(fromFile.kind != .unknown, "\(path)") }
        }
    }
}
