import Decompression
import Foundation
import TestSupport
import Testing

/// The native .xz decoder (`NativeXZDecompressor`) against liblzma 5.4.1 (`XZDecompressor(format: .xz)`): on
/// streams made by the `xz` command, python3's `lzma` module and liblzma's encoder (every filter, check, several
/// presets and lc/lp/pb/dictionaries, one and many blocks), and on damaged and crafted streams (every truncation,
/// bit flips, bad CRCs, padding, sizes, index, footer, trailing bytes, unsupported filters and checks), both give
/// the same verdict and, when they decode, the same bytes. The one allowed difference: RISC-V (filter 0x0B), which
/// liblzma 5.4 refuses and the native decoder decodes.
@Suite("Native xz container against liblzma")
struct XZContainerTests {
    /// A decoder's verdict on one input.
    enum Verdict: Equatable, CustomStringConvertible {
        case decoded([UInt8])
        case refused

        var description: String {
            switch self {
            case .decoded(let bytes): "decoded \(bytes.count) bytes"
            case .refused: "refused"
            }
        }
    }

    /// The two decoders, reused across inputs (as the reader's pool reuses them).
    final class Pair {
        let native = NativeXZDecompressor()
        let liblzma = XZDecompressor(format: .xz)

        static func verdict(_ decoder: any BlockDecompressor, _ input: [UInt8], capacity: Int) -> Verdict {
            var output = [UInt8](repeating: 0, count: capacity)
            do {
                let count = try input.withUnsafeBytes { source in
                    try output.withUnsafeMutableBytes { try decoder.decompress(source, into: $0) }
                }
                return .decoded(Array(output.prefix(count)))
            } catch {
                return .refused
            }
        }

        /// Both verdicts, which must be equal; returns liblzma's.
        @discardableResult
        func compare(
            _ input: [UInt8], capacity: Int, _ what: @autoclosure () -> String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) -> Verdict {
            let reference = Self.verdict(liblzma, input, capacity: capacity)
            let native = Self.verdict(native, input, capacity: capacity)
            if native != reference, reference == .refused, let riscV = riscVEquivalent(input) {
                // The allowed difference: the stream uses RISC-V, which liblzma 5.4 lacks. On data without RISC-V
                // instructions the filter changes nothing, so the stream with x86 instead must decode the same.
                let substitute = Self.verdict(liblzma, riscV, capacity: capacity)
                #expect(native == substitute, "\(what()): RISC-V stream", sourceLocation: sourceLocation)
                return reference
            }
            #expect(
                native == reference, "\(what()): native \(native), liblzma \(reference)", sourceLocation: sourceLocation
            )
            return reference
        }
    }

    // MARK: - Inputs

    /// Data that compresses in every way: text, random, zeros, executable code.
    static func samples() throws -> [(name: String, bytes: [UInt8])] {
        var generator = SeededGenerator(seed: 0x7A)
        var text: [UInt8] = []
        while text.count < 120_000 { text += Array("xz block \(generator.next() % 5000) of an image; ".utf8) }
        let executable = Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/bash")).prefix(300_000))
        return [
            ("empty", []), ("one byte", [7]), ("text", text), ("random", generator.bytes(50_000)),
            ("zeros", [UInt8](repeating: 0, count: 70_000)), ("executable", executable),
            ("biased", BranchFilterTests.biased(60_000, seed: 11)),
        ]
    }

    /// `input` with its first block's RISC-V filter ID (0x0B right after a filter flags boundary) replaced by
    /// x86's (0x04) and the header CRC32 re-sealed, or nil when the first block header names no RISC-V filter.
    static func riscVEquivalent(_ input: [UInt8]) -> [UInt8]? {
        guard input.count > 13, input[12] != 0 else { return nil }
        let size = (Int(input[12]) + 1) * 4
        guard input.count >= 12 + size else { return nil }
        var position = 14
        let flags = input[13]
        func skipInteger() {
            while position < 12 + size - 4 && input[position] & 0x80 != 0 { position += 1 }
            position += 1
        }
        if flags & 0x40 != 0 { skipInteger() }
        if flags & 0x80 != 0 { skipInteger() }
        var result = input
        var found = false
        for _ in 0...Int(flags & 3) {
            guard position + 1 < 12 + size - 4 else { return nil }
            if input[position] == 0x0B {
                result[position] = 0x04
                found = true
            }
            let propertiesSize = Int(input[position + 1])
            position += 2 + propertiesSize
        }
        guard found else { return nil }
        XZCraft.resealBlockHeader(&result, at: 12)
        return result
    }

    /// Decodes `stream` with both decoders into buffers of the exact size, one byte less and larger.
    static func compareCapacities(_ pair: Pair, _ stream: [UInt8], original: [UInt8], _ what: String) {
        let exact = pair.compare(stream, capacity: max(original.count, 1), "\(what), exact buffer")
        #expect(exact == .decoded(original), "\(what): liblzma did not decode the original")
        pair.compare(stream, capacity: original.count + 1000, "\(what), larger buffer")
        if original.count > 1 { pair.compare(stream, capacity: original.count - 1, "\(what), short buffer") }
    }

    /// Runs `tool` with `arguments` plus the sample's path and returns its standard output.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8]) async throws -> [UInt8] {
        try await withTemporaryDirectory(prefix: "xz-container") { directory in
            let path = directory.appending("input")
            try Data(input).write(to: URL(fileURLWithPath: path))
            return try await ProcessRunner.run(tool, arguments + [path]).standardOutput
        }
    }

    // MARK: - Streams from the encoders

    /// `xz` command lines: filters, checks, presets, lc/lp/pb, dictionaries, block sizes.
    static let xzOptions: [[String]] = [
        ["-6"], ["-0", "--check=none"], ["-8e", "--check=sha256"], ["-1", "--check=crc64"],
        ["--check=crc32", "--lzma2=preset=3,lc=0,lp=0,pb=0,dict=64KiB"],
        ["--check=crc64", "--lzma2=preset=6,lc=4,lp=0,pb=4,dict=4KiB"],
        ["--check=none", "--lzma2=preset=2,lc=1,lp=3,pb=1,dict=1MiB,mode=fast"],
        ["--x86", "--lzma2=preset=6"], ["--powerpc", "--lzma2=preset=1"], ["--ia64", "--lzma2=preset=1"],
        ["--arm", "--lzma2=preset=1", "--check=sha256"], ["--armthumb", "--lzma2=preset=1", "--check=none"],
        ["--sparc", "--lzma2=preset=1"], ["--arm64", "--lzma2=preset=6", "--check=crc64"],
        ["--arm64=start=4096", "--lzma2=preset=1"], ["--x86=start=123", "--lzma2=preset=1"],
        ["--delta=dist=1", "--lzma2=preset=1"], ["--delta=dist=4", "--x86", "--lzma2=preset=1"],
        ["--delta=dist=256", "--arm", "--sparc", "--lzma2=preset=1"],
        ["-6", "--block-size=10000"], ["--x86", "--lzma2=preset=1", "--block-size=65536", "--check=sha256"],
        ["-1", "--block-size=4096", "--check=crc64"], ["-T2", "-3", "--block-size=30000"],
    ]

    @Test("streams from the xz command: same bytes as liblzma", arguments: xzOptions)
    func xzCommand(_ options: [String]) async throws {
        let pair = Pair()
        for sample in try Self.samples() {
            let stream = try await Self.run("xz", options + ["-c", "-q"], input: sample.bytes)
            Self.compareCapacities(pair, stream, original: sample.bytes, "xz \(options) on \(sample.name)")
        }
    }

    @Test("streams from python3's lzma module (filter chains and checks)")
    func pythonLZMA() async throws {
        let script = """
            import lzma, sys
            data = open(sys.argv[1], 'rb').read()
            check = int(sys.argv[2])
            chains = {
                'plain': [{'id': lzma.FILTER_LZMA2, 'preset': 6}],
                'delta-x86': [{'id': lzma.FILTER_DELTA, 'dist': 2}, {'id': lzma.FILTER_X86},
                              {'id': lzma.FILTER_LZMA2, 'preset': 1, 'lc': 2, 'lp': 1, 'pb': 3}],
                'four': [{'id': lzma.FILTER_ARM}, {'id': lzma.FILTER_X86, 'start_offset': 7},
                         {'id': lzma.FILTER_DELTA, 'dist': 9}, {'id': lzma.FILTER_LZMA2, 'dict_size': 65536}],
                'ia64-ppc': [{'id': lzma.FILTER_IA64, 'start_offset': 32}, {'id': lzma.FILTER_POWERPC},
                             {'id': lzma.FILTER_LZMA2, 'preset': 0}],
            }
            sys.stdout.buffer.write(lzma.compress(data, format=lzma.FORMAT_XZ, check=check,
                                                  filters=chains[sys.argv[3]]))
            """
        let pair = Pair()
        for sample in try Self.samples() where ["one byte", "random", "biased"].contains(sample.name) {
            for check in [0, 1, 4, 10] {
                for chain in ["plain", "delta-x86", "four", "ia64-ppc"] {
                    let stream = try await withTemporaryDirectory(prefix: "xz-python") { directory in
                        let path = directory.appending("input")
                        try Data(sample.bytes).write(to: URL(fileURLWithPath: path))
                        return try await ProcessRunner.run(
                            "python3", ["-c", script, path, "\(check)", chain]
                        ).standardOutput
                    }
                    Self.compareCapacities(pair, stream, original: sample.bytes, "python \(chain) check \(check)")
                }
            }
        }
    }

    @Test("liblzma's encoder: every BCJ with start offsets, chains of four, every check")
    func liblzmaEncoder() throws {
        let pair = Pair()
        let sample = BranchFilterTests.biased(40_000, seed: 3) + Array(text: "tail")
        let lzma2 = ReferenceDecoders.Filter.lzma2(preset: 1, dictionarySize: 1 << 16, lc: 1, lp: 2, pb: 2)
        var chains: [[ReferenceDecoders.Filter]] = [[lzma2]]
        for filter in BranchFilter.allCases where filter != .riscV {
            chains.append([.branch(id: filter.rawValue), lzma2])
            chains.append([.branch(id: filter.rawValue, startOffset: filter.alignment * 16), lzma2])
        }
        chains.append([.delta(distance: 3), .branch(id: 0x04), .branch(id: 0x0A), lzma2])
        for (number, chain) in chains.enumerated() {
            // Every check with the first and last chains, CRC64 with the others.
            for check: UInt32 in number == 0 || number == chains.count - 1 ? [0, 1, 4, 10] : [4] {
                let stream = try ReferenceDecoders.xzEncode(sample, filters: chain, checkID: check)
                Self.compareCapacities(pair, stream, original: sample, "\(chain) check \(check)")
            }
        }
    }

    // MARK: - Damaged streams

    @Test("every truncation and every single-bit flip of small streams: same verdict")
    func truncationsAndBitFlips() throws {
        let pair = Pair()
        let sample = Array(text: "a small block, a small block, a small block of an image")
        for (chain, check) in [
            ([ReferenceDecoders.Filter.lzma2(preset: 1)], UInt32(1)),
            ([.branch(id: 0x04), .lzma2(preset: 1)], UInt32(4)),
            ([.delta(distance: 2), .lzma2(preset: 1)], UInt32(10)),
            ([.lzma2(preset: 1)], UInt32(0)),
        ] {
            let stream = try ReferenceDecoders.xzEncode(sample, filters: chain, checkID: check)
            for length in 0..<stream.count {
                pair.compare(Array(stream.prefix(length)), capacity: 200, "\(chain) cut to \(length)")
            }
            for index in 0..<stream.count {
                for bit in 0..<8 {
                    var damaged = stream
                    damaged[index] ^= 1 << bit
                    pair.compare(damaged, capacity: 200, "\(chain) bit \(bit) of byte \(index)")
                }
            }
            for garbage: [UInt8] in [[0], [0, 0, 0, 0], [1], stream] {
                pair.compare(stream + garbage, capacity: 400, "\(chain) with \(garbage.count) bytes after")
            }
        }
    }

    @Test("bytes changed in the first block header with its CRC32 re-sealed: same verdict")
    func resealedHeaderMutations() throws {
        let pair = Pair()
        let sample = Array(text: "header mutations reach the field parsers when the CRC32 is right")
        let stream = try ReferenceDecoders.xzEncode(
            sample, filters: [.branch(id: 0x07), .lzma2(preset: 1)], checkID: 1)
        let headerSize = (Int(stream[12]) + 1) * 4
        var decoded = 0
        for index in 13..<(12 + headerSize - 4) {
            for value: UInt8 in [0x00, 0x01, 0x03, 0x04, 0x0B, 0x21, 0x28, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xFF] {
                var damaged = stream
                damaged[index] = value
                XZCraft.resealBlockHeader(&damaged, at: 12)
                if case .decoded = pair.compare(damaged, capacity: 500, "header byte \(index) = \(value)") {
                    decoded += 1
                }
            }
        }
        #expect(decoded > 0)
    }

    // MARK: - Crafted streams

    /// One crafted stream and what liblzma must say about it (nil: either is fine, only agreement matters).
    struct Case {
        var name: String
        var stream: [UInt8]
        var liblzmaDecodes: Bool?
        var capacity = 4096
    }

    static func craftedCases() throws -> [Case] {
        let data = Array(text: "crafted xz streams: \(String(repeating: "abc", count: 40))")
        let lzma2 = try ReferenceDecoders.rawEncode(data, filters: [.lzma2(preset: 1, dictionarySize: 1 << 16)])
        let crc = XZCraft.crc32(data)
        let dictionary: [UInt8] = [0x21, 0x01, 0x08]  // LZMA2, 1 property byte, 64 KiB... (2 | 0) << 15
        func block(
            _ filters: [[UInt8]] = [dictionary], compressed: UInt64? = nil, uncompressed: UInt64? = nil,
            flags: UInt8 = 0, padding: [UInt8] = [], payload: [UInt8]? = nil, blockPadding: [UInt8]? = nil,
            check: [UInt8]? = nil
        ) -> XZCraft.Block {
            XZCraft.Block(
                filters: filters, compressedSize: compressed, uncompressedSize: uncompressed, extraFlags: flags,
                headerPadding: padding, payload: payload ?? lzma2, blockPadding: blockPadding, check: check ?? crc,
                uncompressedCount: data.count)
        }
        func stream(_ blocks: [XZCraft.Block], check: UInt8 = 1, tweak: (inout XZCraft.Stream) -> Void = { _ in })
            -> [UInt8]
        {
            var description = XZCraft.Stream(checkID: check, blocks: blocks)
            tweak(&description)
            return description.bytes()
        }
        let size = UInt64(lzma2.count)
        let count = UInt64(data.count)
        let otherPayload = try ReferenceDecoders.rawEncode(data, filters: [.lzma2(preset: 9)])
        var cases: [Case] = [
            Case(name: "plain", stream: stream([block()]), liblzmaDecodes: true),
            Case(name: "two blocks", stream: stream([block(), block()]), liblzmaDecodes: true, capacity: 8192),
            Case(name: "no blocks", stream: stream([]), liblzmaDecodes: true),
            Case(
                name: "both sizes declared", stream: stream([block(compressed: size, uncompressed: count)]),
                liblzmaDecodes: true),
            Case(
                name: "compressed size one less", stream: stream([block(compressed: size - 1)]), liblzmaDecodes: false),
            Case(
                name: "compressed size one more", stream: stream([block(compressed: size + 1)]), liblzmaDecodes: false),
            Case(name: "compressed size zero", stream: stream([block(compressed: 0)]), liblzmaDecodes: false),
            Case(
                name: "compressed size huge", stream: stream([block(compressed: UInt64.max >> 1)]),
                liblzmaDecodes: false),
            Case(
                name: "uncompressed size one less", stream: stream([block(uncompressed: count - 1)]),
                liblzmaDecodes: false),
            Case(
                name: "uncompressed size one more", stream: stream([block(uncompressed: count + 1)]),
                liblzmaDecodes: false),
            Case(
                name: "uncompressed size over the buffer",
                stream: stream([block(uncompressed: count)]), liblzmaDecodes: false, capacity: data.count - 1),
            Case(name: "reserved block flag", stream: stream([block(flags: 0x04)]), liblzmaDecodes: false),
            Case(name: "reserved block flag 0x20", stream: stream([block(flags: 0x20)]), liblzmaDecodes: false),
            Case(name: "header padding", stream: stream([block(padding: [0, 0, 0, 0])]), liblzmaDecodes: true),
            Case(
                name: "non-zero header padding", stream: stream([block(padding: [0, 1, 0, 0])]), liblzmaDecodes: false),
            Case(
                name: "non-zero block padding", stream: stream([block(blockPadding: [1, 0, 0, 0])]), liblzmaDecodes: nil
            ),
            Case(name: "bad check", stream: stream([block(check: [0, 0, 0, 0])]), liblzmaDecodes: false),
            Case(name: "check none", stream: stream([block(check: [])], check: 0), liblzmaDecodes: true),
            Case(name: "LZMA2 not last", stream: stream([block([dictionary, [0x04, 0x00]])]), liblzmaDecodes: false),
            Case(name: "two LZMA2", stream: stream([block([dictionary, dictionary])]), liblzmaDecodes: false),
            Case(name: "BCJ last", stream: stream([block([[0x04, 0x00]])]), liblzmaDecodes: false),
            // Delta changes the data, so the CRC32 of the unfiltered data cannot match; check None decodes.
            Case(
                name: "four filters",
                stream: stream([block([[0x04, 0x00], [0x07, 0x00], [0x03, 0x01, 0x00], dictionary])]),
                liblzmaDecodes: false),
            Case(
                name: "four filters, check None",
                stream: stream(
                    [block([[0x04, 0x00], [0x07, 0x00], [0x03, 0x01, 0x00], dictionary], check: [])], check: 0),
                liblzmaDecodes: true),
            Case(
                name: "unknown filter 0x02", stream: stream([block([[0x02, 0x00], dictionary])]), liblzmaDecodes: false),
            Case(
                name: "unknown filter 0x0C", stream: stream([block([[0x0C, 0x00], dictionary])]), liblzmaDecodes: false),
            Case(
                name: "reserved filter ID 2^62",
                stream: stream([block([XZCraft.vli(1 << 62) + [0x00], dictionary])]), liblzmaDecodes: false),
            Case(
                name: "x86 start offset 5", stream: stream([block([[0x04, 0x04, 5, 0, 0, 0], dictionary])]),
                liblzmaDecodes: true),
            Case(
                name: "arm start offset 6", stream: stream([block([[0x07, 0x04, 6, 0, 0, 0], dictionary])]),
                liblzmaDecodes: false),
            Case(
                name: "arm start offset 8", stream: stream([block([[0x07, 0x04, 8, 0, 0, 0], dictionary])]),
                liblzmaDecodes: true),
            Case(
                name: "ia64 start offset 8", stream: stream([block([[0x06, 0x04, 8, 0, 0, 0], dictionary])]),
                liblzmaDecodes: false),
            Case(
                name: "thumb start offset 2", stream: stream([block([[0x08, 0x04, 2, 0, 0, 0], dictionary])]),
                liblzmaDecodes: true),
            Case(
                name: "BCJ two property bytes", stream: stream([block([[0x04, 0x02, 0, 0], dictionary])]),
                liblzmaDecodes: false),
            Case(
                name: "delta no property", stream: stream([block([[0x03, 0x00], dictionary])]), liblzmaDecodes: false),
            Case(name: "delta 256", stream: stream([block([[0x03, 0x01, 0xFF], dictionary])]), liblzmaDecodes: true),
            Case(
                name: "LZMA2 two property bytes", stream: stream([block([[0x21, 0x02, 0x08, 0x00]])]),
                liblzmaDecodes: false),
            Case(name: "LZMA2 dictionary 41", stream: stream([block([[0x21, 0x01, 41]])]), liblzmaDecodes: false),
            Case(name: "LZMA2 dictionary 0x48", stream: stream([block([[0x21, 0x01, 0x48]])]), liblzmaDecodes: false),
            Case(name: "LZMA2 dictionary 40", stream: stream([block([[0x21, 0x01, 40]])]), liblzmaDecodes: false),
            Case(name: "LZMA2 dictionary 64 MiB", stream: stream([block([[0x21, 0x01, 28]])]), liblzmaDecodes: false),
            Case(name: "LZMA2 dictionary 48 MiB", stream: stream([block([[0x21, 0x01, 27]])]), liblzmaDecodes: true),
            Case(name: "LZMA2 dictionary 4 KiB", stream: stream([block([[0x21, 0x01, 0]])]), liblzmaDecodes: nil),
            Case(
                name: "filter ID with a redundant zero byte", stream: stream([block([[0xA1, 0x00, 0x01, 0x08]])]),
                liblzmaDecodes: false),
            Case(
                name: "properties size with a redundant zero byte",
                stream: stream([block([[0x21, 0x81, 0x00, 0x08]])]),
                liblzmaDecodes: false),
            Case(
                name: "filter ID in two bytes without a redundant zero",
                stream: stream([block([[0xA1, 0x80, 0x01, 0x08]])]),
                liblzmaDecodes: false),
            Case(
                name: "RISC-V (liblzma 5.4 refuses)", stream: stream([block([[0x0B, 0x00], dictionary])]),
                liblzmaDecodes: false),
            Case(name: "trailing zero bytes", stream: stream([block()]) + [0, 0, 0, 0], liblzmaDecodes: false),
            Case(
                name: "second stream after", stream: stream([block()]) + stream([block()]), liblzmaDecodes: false,
                capacity: 8192),
        ]
        for check in UInt8(0)...15 {
            let field = [UInt8](
                repeating: 0xA5, count: [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64][Int(check)])
            let verified = check == 0 || check == 1 || check == 4 || check == 10
            cases.append(
                Case(
                    name: "check ID \(check)", stream: stream([block(check: field)], check: check),
                    liblzmaDecodes: verified ? (check == 0) : true))
        }
        cases += [
            Case(
                name: "reserved stream flag", stream: stream([block()]) { $0.headerFlags = [0x00, 0x11] },
                liblzmaDecodes: false),
            Case(
                name: "stream flags first byte", stream: stream([block()]) { $0.headerFlags = [0x01, 0x01] },
                liblzmaDecodes: false),
            Case(
                name: "footer flags differ", stream: stream([block()]) { $0.footerFlags = [0x00, 0x04] },
                liblzmaDecodes: false),
            Case(
                name: "backward size off", stream: stream([block()]) { $0.backwardSizeDelta = 1 }, liblzmaDecodes: false
            ),
            Case(
                name: "footer magic", stream: stream([block()]) { $0.footerMagic = [0x59, 0x5B] }, liblzmaDecodes: false
            ),
            Case(
                name: "index count too high", stream: stream([block()]) { $0.indexCountDelta = 1 },
                liblzmaDecodes: false),
            Case(
                name: "index record off", stream: stream([block()]) { $0.recordDelta = (0, 1) }, liblzmaDecodes: false),
            Case(
                name: "index unpadded off by 4", stream: stream([block()]) { $0.recordDelta = (4, 0) },
                liblzmaDecodes: false),
            Case(
                name: "index records swapped",
                stream: stream([block(), block(payload: otherPayload)]) {
                    $0.swapRecords = true
                }, liblzmaDecodes: nil, capacity: 8192),
            Case(
                name: "index padding non-zero", stream: stream([block()]) { $0.indexPadding = 1 }, liblzmaDecodes: false
            ),
            Case(name: "index CRC", stream: stream([block()]) { $0.indexCRCDelta = 1 }, liblzmaDecodes: false),
            Case(
                name: "index with a redundant zero", stream: stream([block()]) { $0.redundantCount = true },
                liblzmaDecodes: false),
        ]
        return cases
    }

    @Test("crafted streams (sizes, flags, padding, filters, properties, checks, index, footer): same verdict")
    func craftedStreams() throws {
        let pair = Pair()
        for item in try Self.craftedCases() {
            let reference = pair.compare(item.stream, capacity: item.capacity, item.name)
            if let expected = item.liblzmaDecodes {
                #expect((reference != .refused) == expected, "\(item.name): liblzma \(reference)")
            }
            if item.name.hasPrefix("RISC-V") {
                let native = Pair.verdict(pair.native, item.stream, capacity: item.capacity)
                #expect(native != .refused, "\(item.name): native \(native)")
            }
        }
    }

    @Test("RISC-V: the native decoder decodes a stream liblzma 5.4 refuses, to the known answer")
    func riscVStream() throws {
        for vector in BranchFilterTests.riscVVectors where vector.start % 2 == 0 {
            let lzma2 = try ReferenceDecoders.rawEncode(vector.encoded, filters: [.lzma2(preset: 0)])
            var startProperty: [UInt8] = []
            if vector.start != 0 {
                startProperty = (0..<4).map { UInt8(truncatingIfNeeded: vector.start >> (8 * $0)) }
            }
            let blocks = [
                XZCraft.Block(
                    filters: [[0x0B, UInt8(startProperty.count)] + startProperty, [0x21, 0x01, 0x00]],
                    compressedSize: nil, uncompressedSize: nil, extraFlags: 0, headerPadding: [], payload: lzma2,
                    blockPadding: nil, check: XZCraft.crc32(vector.decoded), uncompressedCount: vector.decoded.count)
            ]
            let stream = XZCraft.Stream(checkID: 1, blocks: blocks).bytes()
            #expect(
                Pair.verdict(NativeXZDecompressor(), stream, capacity: 64) == .decoded(vector.decoded), "\(vector.name)"
            )
            #expect(Pair.verdict(XZDecompressor(format: .xz), stream, capacity: 64) == .refused)
        }
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`.
    init(text: String) { self = Array(text.utf8) }
}

/// Builds .xz streams field by field (file format spec 1.x), so that each field can be set to a wrong value.
enum XZCraft {
    /// zlib's CRC32 of `bytes`, little endian.
    static func crc32(_ bytes: [UInt8]) -> [UInt8] {
        let value = ReferenceEncoders.crc32(bytes)
        return (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// The shortest multibyte encoding of `value`.
    static func vli(_ value: UInt64) -> [UInt8] {
        var result: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            result.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        result.append(UInt8(rest))
        return result
    }

    /// Recomputes the CRC32 of the block header at `offset`.
    static func resealBlockHeader(_ stream: inout [UInt8], at offset: Int) {
        let size = (Int(stream[offset]) + 1) * 4
        let crc = crc32(Array(stream[offset..<offset + size - 4]))
        stream.replaceSubrange(offset + size - 4..<offset + size, with: crc)
    }

    /// One block: its header fields, LZMA2 data and check.
    struct Block {
        /// Filter flags fields (ID, properties size, properties), in chain order.
        var filters: [[UInt8]]
        var compressedSize: UInt64?
        var uncompressedSize: UInt64?
        /// Bits or-ed into the block flags.
        var extraFlags: UInt8
        /// Extra header padding (beyond the rounding to four).
        var headerPadding: [UInt8]
        var payload: [UInt8]
        /// Replaces the block padding (zeros to a multiple of four) when set.
        var blockPadding: [UInt8]?
        var check: [UInt8]
        var uncompressedCount: Int

        func header() -> [UInt8] {
            var fields: [UInt8] = [UInt8(filters.count - 1) | extraFlags]
            if let compressedSize {
                fields[0] |= 0x40
                fields += vli(compressedSize)
            }
            if let uncompressedSize {
                fields[0] |= 0x80
                fields += vli(uncompressedSize)
            }
            for filter in filters { fields += filter }
            fields += headerPadding
            while (fields.count + 1 + 4) % 4 != 0 { fields.append(0) }
            let size = fields.count + 1 + 4
            let body = [UInt8(size / 4 - 1)] + fields
            return body + crc32(body)
        }

        func bytes() -> [UInt8] {
            var result = header() + payload
            if let blockPadding {
                result += blockPadding.prefix((4 - payload.count % 4) % 4)
                if payload.count % 4 == 0 { result += blockPadding }
            } else {
                while result.count % 4 != 0 { result.append(0) }
            }
            return result + check
        }

        var unpaddedSize: UInt64 { UInt64(header().count + payload.count + check.count) }
    }

    /// A stream and the ways to get its index and footer wrong.
    struct Stream {
        var checkID: UInt8
        var blocks: [Block]
        var headerFlags: [UInt8]?
        var footerFlags: [UInt8]?
        var footerMagic: [UInt8] = [0x59, 0x5A]
        var backwardSizeDelta = 0
        var indexCountDelta: UInt64 = 0
        var recordDelta: (unpadded: UInt64, uncompressed: UInt64) = (0, 0)
        var swapRecords = false
        var indexPadding: UInt8 = 0
        var indexCRCDelta: UInt8 = 0
        var redundantCount = false

        func bytes() -> [UInt8] {
            let flags = headerFlags ?? [0, checkID]
            var result = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] + flags + crc32(flags)
            for block in blocks { result += block.bytes() }
            var records = blocks.map { (UInt64($0.unpaddedSize), UInt64($0.uncompressedCount)) }
            if let first = records.first {
                records[0] = (first.0 + recordDelta.unpadded, first.1 + recordDelta.uncompressed)
            }
            if swapRecords && records.count >= 2 { records.swapAt(0, 1) }
            var index: [UInt8] = [0x00]
            index +=
                redundantCount ? [UInt8(records.count) | 0x80, 0x00] : vli(UInt64(records.count) + indexCountDelta)
            for record in records { index += vli(record.0) + vli(record.1) }
            var padded = false
            while index.count % 4 != 0 {
                index.append(padded ? 0 : indexPadding)
                padded = true
            }
            if !padded && indexPadding != 0 { index += [indexPadding, 0, 0, 0] }
            var crc = crc32(index)
            crc[0] &+= indexCRCDelta
            index += crc
            result += index
            let backward = UInt32(index.count / 4 - 1 + backwardSizeDelta)
            let tail = (0..<4).map { UInt8(truncatingIfNeeded: backward >> (8 * $0)) } + (footerFlags ?? flags)
            result += crc32(tail) + tail + footerMagic
            return result
        }
    }
}
