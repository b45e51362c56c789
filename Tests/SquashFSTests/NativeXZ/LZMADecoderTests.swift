import Decompression
import Foundation
import TestSupport
import Testing

/// The native LZMA and LZMA2 decoders against liblzma: streams made by liblzma's encoders (python3's `lzma` module
/// and the `xz` command) decode to the original bytes, and on damaged streams (every truncation, bit flips, changed
/// control bytes and headers) both decoders give the same verdict and, when they succeed, the same bytes.
@Suite("Native LZMA decoder against liblzma")
struct LZMADecoderTests {
    /// One encoder setting for python3's `lzma.compress`.
    struct Setting: Encodable {
        var dict: UInt32
        var lc = 3
        var lp = 0
        var pb = 2
        var fast = false
        var nice = 64
        var alone = false
    }

    /// A verdict: the consumed input and the decoded bytes, or a refusal.
    struct Verdict: Equatable, CustomStringConvertible {
        var consumed: Int
        var bytes: [UInt8]

        var description: String { "consumed \(consumed), produced \(bytes.count)" }
    }

    // MARK: - Inputs

    /// Test data: text, random, zeros, repetitive, executable code, mixed and tiny inputs.
    static func samples() throws -> [(name: String, bytes: [UInt8])] {
        var generator = SeededGenerator(seed: 21)
        let words = ["squashfs", "block", "the", "of", "image", "LZMA", "dictionary", "range", "coder", "match", "a"]
        var text: [UInt8] = []
        while text.count < 300_000 {
            let word = words[Int(generator.next() % UInt64(words.count))]
            text += Array(word.utf8) + [generator.next() % 7 == 0 ? 10 : 32]
        }
        var repetitive: [UInt8] = []
        let pattern = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        while repetitive.count < 200_000 {
            repetitive += pattern[0..<(Int(generator.next() % 36) + 1)]
            if generator.next() % 50 == 0 { repetitive += generator.bytes(3) }
        }
        let executable = Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/bash")).prefix(400_000))
        var mixed = Array(text[0..<40_000]) + generator.bytes(70_000) + [UInt8](repeating: 0, count: 30_000)
        mixed += Array(executable[0..<60_000]) + generator.bytes(5000) + Array(text[0..<9000])
        return [
            ("empty", []), ("one byte", [42]), ("short", Array("abracadabra abracadabra".utf8)),
            ("text", text), ("random", generator.bytes(100_000)), ("zeros", [UInt8](repeating: 0, count: 200_000)),
            ("repetitive", repetitive), ("executable", executable), ("mixed", mixed),
        ]
    }

    static let lzma2Settings: [Setting] = [
        Setting(dict: 1 << 20),
        Setting(dict: 4096, fast: true),
        Setting(dict: 65536, lc: 0, lp: 0, pb: 0, fast: true, nice: 8),
        Setting(dict: 131_072, lc: 4, lp: 0, pb: 4, nice: 273),
        Setting(dict: 131_072, lc: 0, lp: 4, pb: 1),
        Setting(dict: 3 << 20, lc: 1, lp: 3, pb: 3, fast: true, nice: 32),
        Setting(dict: 8 << 20, lc: 2, lp: 2, pb: 0, nice: 128),
    ]

    /// Compresses `data` with each setting through python3's `lzma` module (liblzma's encoders): raw LZMA2, or
    /// "lzma alone" (which always ends with an end marker and an unknown size).
    static func compress(_ data: [UInt8], _ settings: [Setting]) async throws -> [[UInt8]] {
        let scratch = try ScratchDirectory(prefix: "native-lzma")
        defer { scratch.remove() }
        let path = try scratch.write(data, to: "input")
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let script = """
            import json, lzma, sys
            data = open(sys.argv[1], 'rb').read()
            for c in json.loads(sys.argv[2]):
                f = {'id': lzma.FILTER_LZMA1 if c['alone'] else lzma.FILTER_LZMA2, 'dict_size': c['dict'],
                     'lc': c['lc'], 'lp': c['lp'], 'pb': c['pb'], 'nice_len': c['nice'],
                     'mode': lzma.MODE_FAST if c['fast'] else lzma.MODE_NORMAL}
                b = lzma.compress(data, format=lzma.FORMAT_ALONE if c['alone'] else lzma.FORMAT_RAW, filters=[f])
                sys.stdout.buffer.write(len(b).to_bytes(4, 'little') + b)
            """
        let result = try await Tool.run("python3", ["-c", script, path, json], check: true)
        var streams: [[UInt8]] = []
        var bytes = result.standardOutput[...]
        while bytes.count >= 4 {
            let count = bytes.prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            streams.append(Array(bytes.dropFirst(4).prefix(count)))
            bytes = bytes.dropFirst(4 + count)
        }
        #expect(streams.count == settings.count)
        return streams
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: 5)
        return generator.bytes(count)
    }

    // MARK: - Decoding both ways

    static func native(_ stream: [UInt8], capacity: Int, dictionarySize: UInt32) -> Verdict? {
        var output = [UInt8](repeating: 0, count: capacity)
        let decoder = LZMA2Decoder()
        let result = stream.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { target in
                try? decoder.decode(input, into: target, dictionarySize: dictionarySize)
            }
        }
        guard let result else { return nil }
        return Verdict(consumed: result.consumed, bytes: Array(output[0..<result.produced]))
    }

    static func reference(_ stream: [UInt8], capacity: Int, dictionarySize: UInt32) -> Verdict? {
        referenceLZMA2Decode(stream, outputCapacity: capacity, dictionarySize: dictionarySize).map {
            Verdict(consumed: $0.consumed, bytes: $0.output)
        }
    }

    static func nativeAlone(_ stream: [UInt8], capacity: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: capacity)
        let decoder = NativeLZMAAloneDecompressor()
        let produced = stream.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { target in try? decoder.decompress(input, into: target) }
        }
        return produced.map { Array(output[0..<$0]) }
    }

    /// Checks that both LZMA2 decoders give the same verdict; returns the native one.
    @discardableResult
    static func agreeLZMA2(
        _ stream: [UInt8], capacity: Int, dictionarySize: UInt32, _ label: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Verdict? {
        let native = native(stream, capacity: capacity, dictionarySize: dictionarySize)
        let reference = reference(stream, capacity: capacity, dictionarySize: dictionarySize)
        #expect(
            native == reference,
            "\(label()): native \(native.map(\.description) ?? "refused"), liblzma \(reference.map(\.description) ?? "refused")",
            sourceLocation: sourceLocation)
        return native
    }

    /// Checks that both "lzma alone" decoders give the same verdict; returns the native one.
    @discardableResult
    static func agreeAlone(
        _ stream: [UInt8], capacity: Int, _ label: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [UInt8]? {
        let native = nativeAlone(stream, capacity: capacity)
        let reference = referenceLZMAAloneDecode(stream, outputCapacity: capacity)
        #expect(
            native == reference,
            "\(label()): native \(native?.count ?? -1) bytes, liblzma \(reference?.count ?? -1) bytes (-1: refused)",
            sourceLocation: sourceLocation)
        return native
    }

    /// The chunks of a well-formed LZMA2 stream: (offset, length) of each, the end byte excluded.
    static func chunks(_ stream: [UInt8]) -> [(offset: Int, count: Int)] {
        var result: [(Int, Int)] = []
        var index = 0
        while index < stream.count, stream[index] != 0 {
            let control = Int(stream[index])
            let count: Int
            if control < 0x80 {
                count = 3 + (Int(stream[index + 1]) << 8 | Int(stream[index + 2])) + 1
            } else {
                count = (control >= 0xC0 ? 6 : 5) + (Int(stream[index + 3]) << 8 | Int(stream[index + 4])) + 1
            }
            result.append((index, count))
            index += count
        }
        return result
    }

    // MARK: - Well-formed streams

    @Test("Raw LZMA2 from liblzma decodes to the original bytes", arguments: 0..<9)
    func rawLZMA2(sample: Int) async throws {
        let (name, data) = try Self.samples()[sample]
        let streams = try await Self.compress(data, Self.lzma2Settings)
        for (setting, stream) in zip(Self.lzma2Settings, streams) {
            let label = "\(name) dict \(setting.dict) lc \(setting.lc) lp \(setting.lp) pb \(setting.pb)"
            let decoded = Self.agreeLZMA2(stream, capacity: data.count, dictionarySize: setting.dict, label)
            #expect(decoded == Verdict(consumed: stream.count, bytes: data), "\(label)")
            Self.agreeLZMA2(stream + [1, 2, 3], capacity: data.count + 100, dictionarySize: setting.dict, label)
            if !data.isEmpty {
                Self.agreeLZMA2(stream, capacity: data.count - 1, dictionarySize: setting.dict, "\(label) short")
            }
            // A decoder told of a smaller dictionary refuses the far matches.
            Self.agreeLZMA2(stream, capacity: data.count, dictionarySize: 4000, "\(label) small dictionary")
        }
    }

    @Test("lzma alone streams from xz and python3 decode to the original bytes", arguments: 0..<9)
    func lzmaAlone(sample: Int) async throws {
        let (name, data) = try Self.samples()[sample]
        var settings = Self.lzma2Settings
        for index in settings.indices { settings[index].alone = true }
        var streams = try await Self.compress(data, settings)
        let scratch = try ScratchDirectory(prefix: "native-lzma-alone")
        defer { scratch.remove() }
        let path = try scratch.write(data, to: "input")
        for options in ["preset=0", "preset=6,lc=0,lp=2,pb=1", "dict=4KiB,lc=4,pb=0,mode=fast,nice=273"] {
            let result = try await Tool.run("xz", ["--format=lzma", "--lzma1=\(options)", "-c", path], check: true)
            streams.append(result.standardOutput)
        }
        for (index, stream) in streams.enumerated() {
            let label = "\(name) stream \(index)"
            // liblzma's alone decoder makes no progress without room for output: an empty buffer is refused.
            #expect(Self.agreeAlone(stream, capacity: max(data.count, 1), label) == data, "\(label)")
            Self.agreeAlone(stream, capacity: data.count, "\(label) exact buffer")
            Self.agreeAlone(stream, capacity: data.count + 10, "\(label) larger buffer")
            Self.agreeAlone(stream + [0], capacity: data.count, "\(label) trailing byte")
            if !data.isEmpty { Self.agreeAlone(stream, capacity: data.count - 1, "\(label) short buffer") }
            // The same stream with its size in the header (it still ends with an end marker).
            var sized = stream
            for byte in 0..<8 { sized[5 + byte] = UInt8(truncatingIfNeeded: data.count >> (8 * byte)) }
            Self.agreeAlone(sized, capacity: data.count, "\(label) known size")
            Self.agreeAlone(sized, capacity: data.count + 1, "\(label) known size, larger buffer")
            if !data.isEmpty {
                sized[5] &-= 1
                Self.agreeAlone(sized, capacity: data.count, "\(label) size one short")
            }
        }
    }

    @Test("lzma alone streams with a known size and no end marker, made from LZMA2 chunks")
    func knownSizeWithoutEndMarker() async throws {
        for (name, data) in try Self.samples() where data.count < 150_000 {
            let settings = [Setting(dict: 1 << 16), Setting(dict: 1 << 20, lc: 0, lp: 2, pb: 4, fast: true)]
            for stream in try await Self.compress(data, settings) {
                let parts = Self.chunks(stream)
                // Only a stream of one LZMA chunk is a complete LZMA1 stream.
                guard parts.count == 1, stream[0] >= 0xE0 else { continue }
                let chunk = Array(stream[parts[0].offset + 6..<parts[0].offset + parts[0].count])
                var header: [UInt8] = [stream[5], 0, 0, 1, 0]
                for byte in 0..<8 { header.append(UInt8(truncatingIfNeeded: data.count >> (8 * byte))) }
                let alone = header + chunk
                #expect(Self.agreeAlone(alone, capacity: data.count, name) == data, "\(name)")
                Self.agreeAlone(alone, capacity: data.count + 5, "\(name) larger buffer")
                Self.agreeAlone(alone, capacity: data.count - 1, "\(name) short buffer")
                Self.agreeAlone(alone + [0], capacity: data.count, "\(name) trailing byte")
                var unknown = alone
                for byte in 5..<13 { unknown[byte] = 0xFF }
                Self.agreeAlone(unknown, capacity: data.count, "\(name) unknown size, no end marker")
                var shorter = alone
                shorter[5] &-= 1
                Self.agreeAlone(shorter, capacity: data.count, "\(name) size one short")
                for cut in [1, 2, 5] { Self.agreeAlone(Array(alone.dropLast(cut)), capacity: data.count, "\(name)") }
            }
        }
    }

    // MARK: - Damaged streams

    @Test("Every truncation of small streams: same verdicts")
    func truncations() async throws {
        let data = Array(try Self.samples()[3].bytes[0..<3000]) + Self.randomBytes(300)
        let streams = try await Self.compress(data, [Setting(dict: 4096), Setting(dict: 4096, alone: true)])
        for count in 0..<streams[0].count {
            Self.agreeLZMA2(Array(streams[0][0..<count]), capacity: data.count, dictionarySize: 4096, "cut \(count)")
        }
        for count in 0..<streams[1].count {
            Self.agreeAlone(Array(streams[1][0..<count]), capacity: data.count, "alone cut \(count)")
        }
    }

    @Test("Bit flips in small streams: same verdicts and bytes")
    func bitFlips() async throws {
        let data = Array(try Self.samples()[3].bytes[0..<2000]) + Array(try Self.samples()[7].bytes[4000..<6000])
        let streams = try await Self.compress(
            data, [Setting(dict: 4096, lc: 1, lp: 1, pb: 1), Setting(dict: 4096, alone: true)])
        var generator = SeededGenerator(seed: 7)
        for index in 0..<streams[0].count {
            for _ in 0..<3 {
                var damaged = streams[0]
                damaged[index] ^= 1 << UInt8(generator.next() % 8)
                Self.agreeLZMA2(damaged, capacity: data.count, dictionarySize: 4096, "flip at \(index)")
            }
        }
        for index in 0..<streams[1].count {
            for _ in 0..<3 {
                var damaged = streams[1]
                damaged[index] ^= 1 << UInt8(generator.next() % 8)
                Self.agreeAlone(damaged, capacity: data.count, "alone flip at \(index)")
            }
        }
    }

    @Test("Every control byte value in every chunk position: same verdicts")
    func controlBytes() async throws {
        let samples = try Self.samples()
        // Text, random bytes (an uncompressed chunk), text (a state reset); then a second stream's chunks (a
        // dictionary reset in the middle).
        let first = Array(samples[3].bytes[0..<8000]) + Self.randomBytes(150_000) + samples[3].bytes[0..<3000]
        let second = Array(samples[6].bytes[0..<5000])
        let data = first + second
        let parts0 = try await Self.compress(first, [Setting(dict: 1 << 16)])[0]
        let parts1 = try await Self.compress(second, [Setting(dict: 1 << 16, lc: 0, lp: 1, pb: 0)])[0]
        let stream = Array(parts0.dropLast() + parts1)
        #expect(Self.native(stream, capacity: data.count, dictionarySize: 1 << 16)?.bytes == data)
        let parts = Self.chunks(stream)
        #expect(parts.count >= 4)
        #expect(Set(parts.map { stream[$0.offset] >> 5 }).count >= 3)
        for part in parts {
            for control in 0...255 {
                var damaged = stream
                damaged[part.offset] = UInt8(control)
                Self.agreeLZMA2(damaged, capacity: data.count, dictionarySize: 1 << 16, "control \(control)")
            }
            // The properties byte too, where there is one.
            if stream[part.offset] >= 0xC0 {
                for properties in 0...255 {
                    var damaged = stream
                    damaged[part.offset + 5] = UInt8(properties)
                    Self.agreeLZMA2(damaged, capacity: data.count, dictionarySize: 1 << 16, "props \(properties)")
                }
            }
        }
        // Chunks dropped, duplicated and reordered.
        for (index, part) in parts.enumerated() {
            var dropped = stream
            dropped.removeSubrange(part.offset..<part.offset + part.count)
            Self.agreeLZMA2(dropped, capacity: data.count, dictionarySize: 1 << 16, "chunk \(index) dropped")
            var doubled = stream
            doubled.insert(contentsOf: stream[part.offset..<part.offset + part.count], at: part.offset)
            Self.agreeLZMA2(doubled, capacity: 2 * data.count, dictionarySize: 1 << 16, "chunk \(index) doubled")
        }
        // Hand-made streams: an empty one, and uncompressed chunks with and without a dictionary reset.
        let handMade: [[UInt8]] = [
            [0], [], [1, 0, 2, 65, 66, 67, 0], [2, 0, 0, 65, 0], [1, 0, 0, 65, 2, 0, 1, 66, 67, 0],
            [1, 0, 0, 65, 1, 0, 0, 66, 0], [3, 0, 0, 65, 0], [0x80, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0],
        ]
        for (index, stream) in handMade.enumerated() {
            Self.agreeLZMA2(stream, capacity: 16, dictionarySize: 4096, "hand-made \(index)")
            Self.agreeLZMA2(stream, capacity: 1, dictionarySize: 4096, "hand-made \(index), one byte out")
        }
    }

    @Test("lzma alone headers: properties, dictionary sizes around the memory limit, sizes")
    func aloneHeaders() async throws {
        let data = Array(try Self.samples()[3].bytes[0..<5000])
        let stream = try await Self.compress(data, [Setting(dict: 1 << 16, alone: true)])[0]
        for properties in 0...255 {
            var damaged = stream
            damaged[0] = UInt8(properties)
            Self.agreeAlone(damaged, capacity: data.count, "properties \(properties)")
        }
        let dictionarySizes: [UInt32] = [
            0, 1, 4095, 4096, 4097, 65535, 67_043_455, 67_043_456, 67_043_457, 67_043_472, 64 << 20, 0xFFFF_FFFF,
        ]
        for size in dictionarySizes {
            var changed = stream
            for byte in 0..<4 { changed[1 + byte] = UInt8(truncatingIfNeeded: size >> (8 * byte)) }
            Self.agreeAlone(changed, capacity: data.count, "dictionary \(size)")
        }
        for size in [0, 1, 4999, 5000, 5001, 1 << 40] {
            var changed = stream
            for byte in 0..<8 { changed[5 + byte] = UInt8(truncatingIfNeeded: size >> (8 * byte)) }
            Self.agreeAlone(changed, capacity: data.count, "size \(size)")
            Self.agreeAlone(changed, capacity: data.count + 1, "size \(size), larger buffer")
        }
        // The empty stream with a known size of zero, with and without an end marker.
        let empty = try await Self.compress([], [Setting(dict: 1 << 16, alone: true)])[0]
        var sized = empty
        for byte in 5..<13 { sized[byte] = 0 }
        Self.agreeAlone(empty, capacity: 1, "empty")
        Self.agreeAlone(sized, capacity: 1, "empty, size zero, end marker")
        Self.agreeAlone(Array(sized[0..<13]) + [0, 0, 0, 0, 0], capacity: 1, "empty, size zero, no end marker")
        Self.agreeAlone(Array(sized[0..<13]) + [0, 0, 0, 0, 1], capacity: 1, "empty, size zero, code not zero")
    }
}
