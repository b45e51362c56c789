import Decompression
import Foundation
import TestSupport
import Testing

/// The native BCJ and delta filters in isolation, against liblzma 5.4.1's decoders of the same filters: an LZMA2
/// stream of arbitrary bytes decoded by liblzma with the chain `[filter, lzma2]` is liblzma's unfiltering of those
/// bytes, which the native filter must reproduce exactly (tails it cannot convert included). Streams made by the
/// `xz` command's raw encoder round-trip through the native filter. RISC-V, which liblzma 5.4 lacks, is checked
/// against known-answer vectors worked out by hand from the filter's description in xz 5.6.
@Suite("Native BCJ and delta filters against liblzma")
struct BranchFilterTests {
    /// The filters liblzma 5.4.1 has, with the `xz` option naming each.
    static let liblzmaFilters: [(filter: BranchFilter, option: String)] = [
        (.x86, "--x86"), (.powerPC, "--powerpc"), (.ia64, "--ia64"), (.arm, "--arm"), (.armThumb, "--armthumb"),
        (.sparc, "--sparc"), (.arm64, "--arm64"),
    ]

    /// Bytes drawn mostly from the opcode bytes the filters look for, so that conversions are dense and their
    /// interactions (x86's history of unconverted E8/E9 bytes, skips after conversions) are exercised.
    static func biased(_ count: Int, seed: UInt64) -> [UInt8] {
        let alphabet: [UInt8] = [
            0x00, 0xFF, 0xE8, 0xE9, 0xEB, 0x48, 0x4B, 0x49, 0x40, 0x7F, 0xC0, 0xF0, 0xF8, 0x94, 0x97, 0x90, 0x17,
            0xEF, 0x97, 0x10, 0x0A, 0x05, 0x03, 0xB1,
        ]
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let pick = generator.next()
            return pick % 4 == 0 ? UInt8(truncatingIfNeeded: pick >> 8) : alphabet[Int((pick >> 8) % 24)]
        }
    }

    /// Inputs: random bytes, biased bytes, an x86-64 executable, and every short length (the tails).
    static func samples() throws -> [(name: String, bytes: [UInt8])] {
        var generator = SeededGenerator(seed: 0xB0C)
        var result: [(String, [UInt8])] = [
            ("random", generator.bytes(100_000)), ("biased", biased(100_000, seed: 1)),
            ("bash", Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/bash")).prefix(600_000))),
            ("liblzma", Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/lib/x86_64-linux-gnu/liblzma.so.5")))),
        ]
        for length in 0...40 { result.append(("biased \(length)", biased(length, seed: UInt64(length) + 100))) }
        return result
    }

    /// Start offsets to try for `filter`: zero, small and large multiples of its alignment, and offsets where the
    /// positions wrap past 2^32.
    static func startOffsets(_ filter: BranchFilter) -> [UInt32] {
        let alignment = filter.alignment
        var offsets: [UInt32] = [0, alignment, alignment * 1000, 0x1000_0000, 0xFFFF_FFF0, UInt32(0) &- alignment &* 3]
        if filter == .x86 { offsets += [1, 0xFFFF_FFFB, 0xFFFF_FFFC, 0xFFFF_FFFF, 0xFFFF_FFFA, 3] }
        return offsets
    }

    /// The native filter's decoding of `bytes`.
    static func nativeDecode(_ bytes: [UInt8], _ filter: BranchFilter, start: UInt32) -> [UInt8] {
        var copy = bytes
        copy.withUnsafeMutableBytes { filter.decode($0, startOffset: start) }
        return copy
    }

    @Test(
        "each BCJ filter unfilters exactly as liblzma's, at every start offset", arguments: liblzmaFilters.map(\.filter)
    )
    func againstLiblzma(_ filter: BranchFilter) throws {
        let lzma2 = ReferenceDecoders.Filter.lzma2(preset: 0, dictionarySize: 1 << 20)
        for sample in try Self.samples() {
            let raw = try ReferenceDecoders.rawEncode(sample.bytes, filters: [lzma2])
            for start in Self.startOffsets(filter) {
                let expected = ReferenceDecoders.rawDecode(
                    raw, filters: [.branch(id: filter.rawValue, startOffset: start), lzma2],
                    capacity: sample.bytes.count)
                #expect(expected != nil, "liblzma refused \(filter) at \(start)")
                if sample.bytes.count > 1000 { #expect(expected != sample.bytes, "\(filter) converted nothing") }
                let native = Self.nativeDecode(sample.bytes, filter, start: start)
                #expect(native == expected, "\(filter) on \(sample.name) at start \(start)")
            }
        }
    }

    @Test("chains of filters unfilter as liblzma's (last filter first)")
    func chains() throws {
        let lzma2 = ReferenceDecoders.Filter.lzma2(preset: 0, dictionarySize: 1 << 20)
        let sample = Self.biased(50_000, seed: 77) + Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/ls")))
        let raw = try ReferenceDecoders.rawEncode(sample, filters: [lzma2])
        let chains: [[BranchFilter]] = [[.x86, .arm], [.arm64, .x86, .sparc], [.ia64, .armThumb, .powerPC]]
        for chain in chains {
            let expected = ReferenceDecoders.rawDecode(
                raw, filters: chain.map { .branch(id: $0.rawValue) } + [lzma2], capacity: sample.count)
            var native = sample
            for filter in chain.reversed() { native = Self.nativeDecode(native, filter, start: 0) }
            #expect(native == expected, "\(chain)")
        }
    }

    @Test("delta unfilters as liblzma's for every distance class")
    func delta() throws {
        let lzma2 = ReferenceDecoders.Filter.lzma2(preset: 0, dictionarySize: 1 << 20)
        var generator = SeededGenerator(seed: 3)
        for sample in [generator.bytes(70_000), Self.biased(3, seed: 9), [], Self.biased(300, seed: 10)] {
            let raw = try ReferenceDecoders.rawEncode(sample, filters: [lzma2])
            for distance in [1, 2, 3, 4, 7, 16, 255, 256] {
                let expected = ReferenceDecoders.rawDecode(
                    raw, filters: [.delta(distance: UInt32(distance)), lzma2], capacity: sample.count)
                var native = sample
                native.withUnsafeMutableBytes { DeltaFilter.decode($0, distance: distance) }
                #expect(native == expected, "delta distance \(distance), \(sample.count) bytes")
            }
        }
    }

    @Test(
        "streams from xz's raw encoder round-trip through the native filters", arguments: liblzmaFilters.map(\.option))
    func xzRawEncoder(_ option: String) async throws {
        guard let filter = Self.liblzmaFilters.first(where: { $0.option == option })?.filter else { return }
        let sample = Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/ls"))) + Self.biased(40_000, seed: 5)
        try await withTemporaryDirectory(prefix: "bcj") { directory in
            let path = directory.appending("sample")
            try Data(sample).write(to: URL(fileURLWithPath: path))
            for (start, lzma2) in [(UInt32(0), "preset=6"), (filter.alignment * 256, "preset=1,lc=0,lp=2,pb=2")] {
                let filterOption = start == 0 ? option : "\(option)=start=\(start)"
                let raw = try await ProcessRunner.run(
                    "xz", ["--format=raw", filterOption, "--lzma2=\(lzma2),dict=1MiB", "-c", path]
                ).standardOutput
                let filtered = ReferenceDecoders.rawDecode(
                    raw, filters: [.lzma2(dictionarySize: 1 << 20)], capacity: sample.count)
                let unfiltered = filtered.map { Self.nativeDecode($0, filter, start: start) }
                #expect(unfiltered == sample, "\(filterOption) \(lzma2)")
                #expect(filtered != sample || filter == .ia64, "\(filterOption) changed nothing")
            }
        }
    }

    // MARK: - RISC-V known answers

    /// Vectors worked out by hand from the RISC-V filter's description (xz 5.6, `simple/riscv.c`'s design notes):
    /// (encoded bytes, start offset, decoded bytes).
    static let riscVVectors: [(name: String, encoded: [UInt8], start: UInt32, decoded: [UInt8])] = [
        // jal ra, +0x800 at pc 0x1000: instruction 0x001000EF; the encoder stores target 0x1800's bits 20..1
        // most significant first: b1 high nibble 0, b2 = 0x1800 >> 9 = 0x0C, b3 = (0x1800 >> 1) & 0xFF = 0.
        ("jal ra forward", [0xEF, 0x00, 0x0C, 0x00, 0x13, 0, 0, 0], 0x1000, [0xEF, 0x00, 0x10, 0x00, 0x13, 0, 0, 0]),
        // jal t0, -4 at pc 0x10: instruction 0xFFDFF2EF (imm 0x1FFFFC); target 0xC: b1 = 0x02 (rd bits), b2 = 0,
        // b3 = 6.
        ("jal t0 backward", [0xEF, 0x02, 0x00, 0x06, 0x13, 0, 0, 0], 0x10, [0xEF, 0xF2, 0xDF, 0xFF, 0x13, 0, 0, 0]),
        // auipc ra, 0x12345 + jalr ra, -42(ra) at pc 0x2000 (0x12345097, 0xFD6080E7): target 0x12346FD6. The
        // encoder writes auipc x2 carrying jalr's low 20 bits (0x080E7117), then the target big endian.
        (
            "auipc+jalr", [0x17, 0x71, 0x0E, 0x08, 0x12, 0x34, 0x6F, 0xD6], 0x2000,
            [0x97, 0x50, 0x34, 0x12, 0xE7, 0x80, 0x60, 0xFD]
        ),
        // The encoder's input was already in the special form (auipc x2 with packed rs1 = x1, bits 12-13 set:
        // 0x08003117, then 0xAABBCCDD); it stored the "fake" pair auipc x1 (0xAABBC097) + 0xCDD08003. Decoding
        // restores the input, whatever the position.
        (
            "fake pair", [0x97, 0xC0, 0xBB, 0xAA, 0x03, 0x80, 0xD0, 0xCD], 0x1234_5678,
            [0x17, 0x31, 0x00, 0x08, 0xDD, 0xCC, 0xBB, 0xAA]
        ),
        // auipc x1 followed by an instruction whose rs1 is x24: not a pair; the scan resumes six bytes on, so the
        // jal-looking bytes at offset 4 are not converted.
        (
            "auipc without pair skips six", [0x97, 0, 0, 0, 0xEF, 0x00, 0x0C, 0x00, 0x13, 0, 0, 0, 0x13, 0, 0, 0], 0,
            [0x97, 0, 0, 0, 0xEF, 0x00, 0x0C, 0x00, 0x13, 0, 0, 0, 0x13, 0, 0, 0]
        ),
        // auipc x2 with packed rs1 = x0: not the special form, left alone (x0 and x2 never pair).
        ("special form with rs1 x0", [0x17, 0x31, 0, 0, 1, 2, 3, 4], 0, [0x17, 0x31, 0, 0, 1, 2, 3, 4]),
        // auipc x0 (a landing pad): never converted.
        (
            "auipc x0", [0x17, 0x30, 0, 0x08, 0x12, 0x34, 0x6F, 0xD6], 0x2000,
            [0x17, 0x30, 0, 0x08, 0x12, 0x34, 0x6F, 0xD6]
        ),
        // jal x3 (b1 & 0x0D != 0) and jal x0 (opcode byte 0x6F): not converted.
        (
            "jal x3 and x0", [0xEF, 0x01, 0x0C, 0x00, 0x6F, 0x00, 0x0C, 0x00, 0, 0], 0,
            [0xEF, 0x01, 0x0C, 0x00, 0x6F, 0x00, 0x0C, 0x00, 0, 0]
        ),
        // A jal in the last seven bytes is past the eight-byte lookahead: left alone.
        ("jal in the tail", [0x13, 0, 0xEF, 0x00, 0x0C, 0x00, 0, 0], 0, [0x13, 0, 0xEF, 0x00, 0x0C, 0x00, 0, 0]),
        // Shorter than eight bytes: nothing is converted.
        ("short", [0xEF, 0x00, 0x0C, 0x00, 0, 0, 0], 0x1000, [0xEF, 0x00, 0x0C, 0x00, 0, 0, 0]),
        // Two conversions in a row: the jal above, then at offset 4 (pc 0x1004) the pair above, whose target
        // 0x12346FD6 is now pc + 0x12346000 - 46: auipc ra, 0x12346 (0x12346097) + jalr ra, -46(ra) (0xFD2080E7).
        (
            "jal then auipc pair", [0xEF, 0x00, 0x0C, 0x00, 0x17, 0x71, 0x0E, 0x08, 0x12, 0x34, 0x6F, 0xD6], 0x1000,
            [0xEF, 0x00, 0x10, 0x00, 0x97, 0x60, 0x34, 0x12, 0xE7, 0x80, 0x20, 0xFD]
        ),
    ]

    @Test("RISC-V: known answers worked out from the filter's description")
    func riscVKnownAnswers() {
        for vector in Self.riscVVectors {
            #expect(
                Self.nativeDecode(vector.encoded, .riscV, start: vector.start) == vector.decoded, "\(vector.name)")
        }
    }

    @Test("every filter leaves buffers too short for one instruction unchanged, and never reads past the end")
    func shortBuffers() {
        for filter in BranchFilter.allCases {
            for length in 0..<16 {
                let bytes = Self.biased(length, seed: UInt64(length))
                let decoded = Self.nativeDecode(bytes, filter, start: 0)
                #expect(decoded.count == length)
                if length < 4 { #expect(decoded == bytes, "\(filter) changed \(length) bytes") }
            }
        }
    }
}
