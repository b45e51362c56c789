internal import Decompression

/// A compression format recognised by its magic number.
public enum Compression: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// gzip (`1F 8B`), RFC 1952.
    case gzip
    /// xz (`FD 37 7A 58 5A 00`).
    case xz
    /// Zstandard (`28 B5 2F FD`).
    case zstd
    /// The LZ4 frame format (`04 22 4D 18`).
    case lz4
    /// The legacy LZ4 format (`02 21 4C 18`) of `lz4 -l`, which the kernel uses for initramfs.
    case lz4Legacy = "lz4-legacy"
    /// bzip2 (`BZh1`...`BZh9`); recognised but not decompressed, so its content is never inspected.
    case bzip2
    /// The legacy "lzma alone" format of `lzma` (`5D 00 00`).
    case lzma

    /// The name (`gzip`, `lz4-legacy`), as in the raw value.
    public var description: String { rawValue }

    /// The compression whose magic number starts `head`, or `nil`.
    static func detect(_ head: [UInt8]) -> Compression? {
        if head.matches([0x1F, 0x8B, 0x08], at: 0) { return .gzip }
        if head.matches([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], at: 0) { return .xz }
        if head.matches([0x28, 0xB5, 0x2F, 0xFD], at: 0) { return .zstd }
        if head.matches([0x04, 0x22, 0x4D, 0x18], at: 0) { return .lz4 }
        if head.matches([0x02, 0x21, 0x4C, 0x18], at: 0) { return .lz4Legacy }
        if head.matches("BZh", at: 0), let level = head.byte(at: 3), level >= 0x31, level <= 0x39,
            head.matches([0x31, 0x41, 0x59, 0x26, 0x53, 0x59], at: 4) || head.matches([0x17, 0x72, 0x45, 0x38], at: 4)
        {
            return .bzip2
        }
        // lzma alone: properties byte 0x5D (lc=3, lp=0, pb=2, what every encoder writes), a dictionary size that is
        // a power of two (or 2^n + 2^(n-1)) and at least 4 KiB, then the uncompressed size (often unknown, all ones).
        if head.byte(at: 0) == 0x5D, let dictionary = head.le32(1), dictionary >= 1 << 12,
            dictionary.nonzeroBitCount <= 2, let length = head.le64(5),
            length == UInt64.max || length < 1 << 48
        {
            return .lzma
        }
        return nil
    }
}

/// The first bytes of a compressed stream, decompressed within fixed limits.
struct DecompressedPrefix {
    /// The decompressed bytes (at most the output limit).
    var bytes: [UInt8]
    /// Whether the whole stream (or its first frame or member) ended within the limits.
    var reachedEnd: Bool
    /// Why decompression stopped early with an error, if it did (a truncated or corrupt stream).
    var failure: String?
}

/// Decompresses bounded prefixes: at most ``outputLimit`` bytes out, ``inputLimit`` bytes read.
enum PrefixDecompressor {
    /// The most decompressed bytes kept.
    static let outputLimit = 64 << 10
    /// The most compressed bytes read.
    static let inputLimit = 1 << 20
    /// The size of each read of compressed input.
    static let chunkSize = 16 << 10
    /// The memory liblzma may use (xz -9 needs 65 MiB).
    static let lzmaMemoryLimit: UInt64 = 96 << 20

    /// The decompressed prefix of the stream starting at `offset` of `probe`, or `nil` for bzip2, which is not
    /// decompressed.
    static func prefix(of probe: FileProbe, at offset: UInt64, compression: Compression, outputLimit: Int = outputLimit)
        throws(BootAssetsError) -> DecompressedPrefix?
    {
        var input = ChunkedInput(probe: probe, offset: offset)
        let format: StreamFormat
        switch compression {
        case .gzip: format = .gzip
        case .xz: format = .xz
        case .lzma: format = .lzma
        case .zstd: format = .zstd
        case .lz4: format = .lz4Frame
        case .lz4Legacy: return try unlz4Legacy(probe: probe, offset: offset, outputLimit: outputLimit)
        case .bzip2: return nil
        }
        let decoder = PrefixDecoder(format: format, outputLimit: outputLimit, lzmaMemoryLimit: lzmaMemoryLimit)
        let decoded = try decoder.decode { () throws(BootAssetsError) in try input.next() }
        return DecompressedPrefix(bytes: decoded.bytes, reachedEnd: decoded.reachedEnd, failure: decoded.failure)
    }

    /// Compressed input read in chunks, never more than ``inputLimit`` in all.
    struct ChunkedInput {
        let probe: FileProbe
        var offset: UInt64
        var consumed = 0

        init(probe: FileProbe, offset: UInt64) {
            self.probe = probe
            self.offset = offset
        }

        /// The next chunk, empty at the end of the data or the input limit.
        mutating func next() throws(BootAssetsError) -> [UInt8] {
            let count = min(PrefixDecompressor.chunkSize, PrefixDecompressor.inputLimit - consumed)
            guard count > 0 else { return [] }
            let chunk = try probe.read(at: offset, count: count)
            consumed += chunk.count
            let (next, overflow) = offset.addingReportingOverflow(UInt64(chunk.count))
            offset = overflow ? UInt64.max : next
            return chunk
        }
    }

    /// The legacy format: the magic, then blocks of a 4-byte little-endian compressed size and at most 8 MiB of
    /// output each. Only the first block is needed for a prefix.
    private static func unlz4Legacy(probe: FileProbe, offset: UInt64, outputLimit: Int) throws(BootAssetsError)
        -> DecompressedPrefix
    {
        let (sizeOffset, overflow) = offset.addingReportingOverflow(4)
        guard !overflow else { return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "truncated stream") }
        let header = try probe.read(at: sizeOffset, count: 4)
        guard let blockSize = header.le32(0) else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "truncated stream")
        }
        guard blockSize > 0, blockSize <= PrefixDecoder.lz4LegacyMaximumBlockSize else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "lz4: invalid block size \(blockSize)")
        }
        let wanted = min(Int(blockSize), inputLimit)
        let block = try probe.read(at: sizeOffset + 4, count: wanted)
        let decoded = PrefixDecoder.decodeLZ4LegacyBlock(block, outputLimit: outputLimit)
        let truncated = block.count < Int(blockSize) && block.count < inputLimit
        guard let decoded else {
            return DecompressedPrefix(
                bytes: [], reachedEnd: false, failure: truncated ? "truncated stream" : "lz4: corrupt block")
        }
        return DecompressedPrefix(bytes: decoded, reachedEnd: false, failure: truncated ? "truncated stream" : nil)
    }
}
