import Decompression
import TestSupport
import Testing

@testable import SquashFS

/// Each C library exercised directly: streams made by the reference encoders decode with the reader's decompressor
/// classes, and every decompressor rejects output larger than its buffer, trailing garbage and truncated input.
@Suite("Decompressors against the C reference encoders")
struct DecompressorTests {
    /// One encoder/decoder pairing.
    struct Codec: Sendable, CustomTestStringConvertible {
        var name: String
        var encode: @Sendable ([UInt8]) throws -> [UInt8]
        var decoder: @Sendable () throws -> any BlockDecompressor
        /// Whether the format can tell where the stream ends (raw LZ4 blocks cannot: trailing bytes are parsed as
        /// more sequences, so only an overflowing or malformed result is detectable).
        var hasEndMarker = true

        var testDescription: String { name }
    }

    static let codecs: [Codec] = [
        Codec(
            name: "zlib compress2 -> libdeflate", encode: { try ReferenceEncoders.zlibCompress2($0) },
            decoder: { try DeflateDecompressor() }),
        Codec(
            name: "zlib compress2 -> zlib inflate", encode: { try ReferenceEncoders.zlibCompress2($0) },
            decoder: { ZlibDecompressor() }),
        Codec(
            name: "zlib deflate -> libdeflate", encode: { try ReferenceEncoders.zlibDeflate($0) },
            decoder: { try DeflateDecompressor() }),
        Codec(
            name: "libdeflate -> zlib inflate", encode: { try ReferenceEncoders.libdeflate($0) },
            decoder: { ZlibDecompressor() }),
        Codec(
            name: "libdeflate -> libdeflate", encode: { try ReferenceEncoders.libdeflate($0) },
            decoder: { try DeflateDecompressor() }),
        Codec(
            name: "liblzma xz -> xz", encode: { try ReferenceEncoders.xz($0) },
            decoder: { XZDecompressor(format: .xz) }),
        Codec(
            name: "liblzma xz x86 BCJ -> xz", encode: { try ReferenceEncoders.xz($0, bcj: .x86) },
            decoder: { XZDecompressor(format: .xz) }),
        Codec(
            name: "liblzma xz arm BCJ -> xz", encode: { try ReferenceEncoders.xz($0, bcj: .arm) },
            decoder: { XZDecompressor(format: .xz) }),
        Codec(
            name: "liblzma alone -> lzma", encode: { try ReferenceEncoders.lzmaAlone($0) },
            decoder: { XZDecompressor(format: .lzmaAlone) }),
        Codec(
            name: "liblz4 -> lz4", encode: { try ReferenceEncoders.lz4($0) }, decoder: { LZ4Decompressor() },
            hasEndMarker: false),
        Codec(
            name: "libzstd -> zstd", encode: { try ReferenceEncoders.zstd($0) },
            decoder: { try ZstdDecompressor() }),
    ]

    /// 64 KiB of mixed data: compressible text with random runs (like a squashfs data block).
    static let sample: [UInt8] = {
        var generator = SeededGenerator(seed: 4242)
        var bytes: [UInt8] = []
        while bytes.count < 65536 {
            bytes += Array("squashfs block \(generator.next() % 1000) of data; ".utf8)
            if generator.next() % 8 == 0 { bytes += generator.bytes(Int(generator.next() % 200)) }
        }
        return Array(bytes.prefix(65536))
    }()

    /// Decodes `input` into a buffer of `capacity` bytes with a fresh or given decoder.
    private func decode(_ input: [UInt8], capacity: Int, with decoder: any BlockDecompressor) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: capacity)
        let count = try input.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { try decoder.decode(source, into: $0) }
        }
        return Array(output.prefix(count))
    }

    /// Expects decoding to throw a `decompression` error.
    private func expectRejected(
        _ input: [UInt8], capacity: Int, codec: Codec, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        do {
            let output = try decode(input, capacity: capacity, with: try codec.decoder())
            Issue.record("\(codec.name): \(what) decoded to \(output.count) bytes", sourceLocation: sourceLocation)
        } catch let error as SquashFSError {
            #expect(error.code == .decompression, "\(codec.name): \(what): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("round trip, exact and larger output buffers", arguments: codecs)
    func roundTrip(_ codec: Codec) throws {
        var generator = SeededGenerator(seed: 99)
        for input in [
            Self.sample, generator.bytes(8192), Array(Self.sample.prefix(1)), [UInt8](repeating: 0, count: 131_072),
        ] {
            let compressed = try codec.encode(input)
            let decoder = try codec.decoder()
            #expect(try decode(compressed, capacity: input.count, with: decoder) == input, "\(codec.name)")
            #expect(try decode(compressed, capacity: input.count + 4096, with: decoder) == input, "\(codec.name)")
        }
    }

    @Test("output larger than the buffer is rejected", arguments: codecs)
    func outputTooLarge(_ codec: Codec) throws {
        let compressed = try codec.encode(Self.sample)
        try expectRejected(compressed, capacity: Self.sample.count - 1, codec: codec, "a one-byte-short buffer")
        try expectRejected(compressed, capacity: 100, codec: codec, "a 100-byte buffer")
    }

    @Test("trailing garbage is rejected", arguments: codecs)
    func trailingGarbage(_ codec: Codec) throws {
        let compressed = try codec.encode(Self.sample)
        for garbage: [UInt8] in [[0], [0x00, 0x00, 0x00, 0x00], [0x12, 0x34, 0x56, 0x78, 0x9A], compressed] {
            if codec.hasEndMarker {
                try expectRejected(
                    compressed + garbage, capacity: Self.sample.count * 3, codec: codec, "trailing garbage")
            } else {
                // Raw LZ4: extra bytes are decoded as more sequences; with an exact-size buffer that must fail, and
                // it must never produce the original bytes with the garbage silently ignored.
                try expectRejected(compressed + garbage, capacity: Self.sample.count, codec: codec, "trailing garbage")
            }
        }
    }

    @Test("truncated streams are rejected", arguments: codecs)
    func truncated(_ codec: Codec) throws {
        let compressed = try codec.encode(Self.sample)
        for cut in [1, 4, compressed.count / 2, compressed.count - 1] {
            try expectRejected(
                Array(compressed.prefix(compressed.count - cut)), capacity: Self.sample.count, codec: codec,
                "a stream missing \(cut) bytes")
        }
    }

    @Test("a decoder is usable again after a failure", arguments: codecs)
    func reuseAfterFailure(_ codec: Codec) throws {
        let compressed = try codec.encode(Self.sample)
        let decoder = try codec.decoder()
        var generator = SeededGenerator(seed: 5)
        for attempt in 0..<3 {
            do {
                _ = try decode(generator.bytes(300 + attempt), capacity: 100, with: decoder)
            } catch is SquashFSError {}
            do {
                _ = try decode(compressed, capacity: 100, with: decoder)
                Issue.record("\(codec.name): overflow not detected")
            } catch is SquashFSError {}
            #expect(try decode(compressed, capacity: Self.sample.count, with: decoder) == Self.sample, "\(codec.name)")
        }
    }

    @Test("random and bit-flipped input never crashes", arguments: codecs)
    func garbageInput(_ codec: Codec) throws {
        let compressed = try codec.encode(Self.sample)
        let decoder = try codec.decoder()
        var generator = SeededGenerator(seed: 1234)
        for round in 0..<300 {
            var input: [UInt8]
            if round % 3 == 0 {
                input = generator.bytes(Int(generator.next() % 2000) + 1)
            } else {
                input = compressed
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    input[Int(generator.next() % UInt64(input.count))] ^= UInt8(1 << (generator.next() % 8))
                }
            }
            do {
                let output = try decode(input, capacity: Self.sample.count, with: decoder)
                #expect(output.count <= Self.sample.count)
            } catch let error as SquashFSError {
                #expect(error.code == .decompression)
            }
        }
        #expect(try decode(compressed, capacity: Self.sample.count, with: decoder) == Self.sample)
    }

    @Test("an lzma-alone header's stated size must match the data")
    func lzmaAloneStatedSize() throws {
        let encoded = try ReferenceEncoders.lzmaAlone(Self.sample)
        // Bytes 5..<13 hold the uncompressed size (all ones: unknown); mksquashfs writes the real size.
        func withStatedSize(_ size: UInt64) -> [UInt8] {
            var bytes = encoded
            for index in 0..<8 { bytes[5 + index] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(index))) }
            return bytes
        }
        let decoder = XZDecompressor(format: .lzmaAlone)
        #expect(
            try decode(withStatedSize(UInt64(Self.sample.count)), capacity: Self.sample.count, with: decoder)
                == Self.sample)
        let codec = Self.codecs[8]
        try expectRejected(
            withStatedSize(UInt64(Self.sample.count + 10)), capacity: Self.sample.count + 100, codec: codec,
            "a header claiming 10 bytes more")
        try expectRejected(
            withStatedSize(UInt64(Self.sample.count - 10)), capacity: Self.sample.count + 100, codec: codec,
            "a header claiming 10 bytes less")
    }

    @Test("an xz header asking for a 256 MiB dictionary hits the memory limit")
    func xzMemoryLimit() throws {
        var stream = try ReferenceEncoders.xz(Array(Self.sample.prefix(1000)))
        // Stream header: 12 bytes. Block header: size byte ((n + 1) * 4 bytes), flags, optional sizes (varints),
        // then the LZMA2 filter: id 0x21, properties size 1, dictionary byte; a CRC32 ends the header.
        let headerStart = 12
        let headerSize = (Int(stream[headerStart]) + 1) * 4
        let flags = stream[headerStart + 1]
        var index = headerStart + 2
        func skipVarint() {
            while stream[index] & 0x80 != 0 { index += 1 }
            index += 1
        }
        if flags & 0x40 != 0 { skipVarint() }
        if flags & 0x80 != 0 { skipVarint() }
        try #require(stream[index] == 0x21 && stream[index + 1] == 1, "an LZMA2-only filter chain")
        stream[index + 2] = 32  // 2^(32 / 2 + 12) = 256 MiB
        let crc = ReferenceEncoders.crc32(Array(stream[headerStart..<(headerStart + headerSize - 4)]))
        for byte in 0..<4 {
            stream[headerStart + headerSize - 4 + byte] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(byte)))
        }
        do {
            _ = try decode(stream, capacity: 1000, with: XZDecompressor(format: .xz))
            Issue.record("a 256 MiB dictionary was accepted")
        } catch let error as SquashFSError {
            #expect(error.code == .decompression)
            #expect("\(error)".contains("needs more than"), "not the memory limit: \(error)")
        }
    }
}
