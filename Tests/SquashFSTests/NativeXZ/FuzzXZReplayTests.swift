import Decompression
import Foundation
import Testing

/// Replays the `FuzzXZ` seed corpus (`Fuzz/CorpusXZ`) and its recorded findings (`Fuzz/Regressions/fuzzxz-*`) as
/// the fuzz target does, without the fuzzer: the first byte selects the container and the output cap, the native
/// decoder and liblzma decode the rest, and they must give the same verdict and, on success, the same bytes (RISC-V,
/// filter 0x0B, which liblzma 5.4 refuses, excepted: those seeds are named `*riscv*`, and the native decoder must
/// decode them). Findings are stored with their CRC32s already repaired and the repair bit (bit 7) cleared.
@Suite("FuzzXZ corpus and regression replay")
struct FuzzXZReplayTests {
    /// The repository's `Fuzz` folder, found from this source file's location.
    private static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// The output caps of the selector's bits 1-3 (as in `Fuzz/Sources/FuzzXZ/FuzzXZ.swift`).
    private static let caps = [4 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 1 << 20]

    /// The seeds and the recorded FuzzXZ findings.
    private static func inputs() -> [URL] {
        var inputs: [URL] = []
        for (folder, prefix) in [("CorpusXZ", ""), ("Regressions", "fuzzxz-")] {
            let directory = fuzzDirectory.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            inputs += names.filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".md") }.sorted()
                .map { directory.appendingPathComponent($0) }
        }
        return inputs
    }

    /// The bytes a decoder produces, or `nil` when it refuses the stream.
    private static func decode(_ decoder: any BlockDecompressor, _ stream: [UInt8], cap: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: cap)
        let count: Int? = stream.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { try? decoder.decompress(source, into: $0) }
        }
        return count.map { Array(output.prefix($0)) }
    }

    @Test("native and liblzma agree on every seed and finding")
    func replay() throws {
        let inputs = Self.inputs()
        #expect(inputs.count >= 50, "the FuzzXZ corpus is missing from \(Self.fuzzDirectory.path)")
        let natives: [any BlockDecompressor] = [NativeXZDecompressor(), NativeLZMAAloneDecompressor()]
        let references: [any BlockDecompressor] = [XZDecompressor(format: .xz), XZDecompressor(format: .lzmaAlone)]
        for input in inputs {
            let bytes = Array(try Data(contentsOf: input))
            guard let selector = bytes.first else { continue }
            let container = Int(selector & 1)
            let cap = Self.caps[Int(selector >> 1) & 7] - (Int(selector >> 4) & 7)
            let stream = Array(bytes.dropFirst())
            let native = Self.decode(natives[container], stream, cap: cap)
            let reference = Self.decode(references[container], stream, cap: cap)
            if input.lastPathComponent.contains("riscv") {
                #expect(native != nil && reference == nil, "\(input.lastPathComponent)")
            } else {
                #expect(native == reference, "\(input.lastPathComponent): native and liblzma differ")
            }
        }
    }
}
