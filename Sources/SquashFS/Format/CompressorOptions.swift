/// The compressor options block that follows the superblock when `mksquashfs` was given non-default settings.
///
/// None of these values is needed to decompress; they are reported by `info` and validated for length.
public enum CompressorOptions: Sendable, Hashable {
    /// gzip: compression level, window size (bits) and the strategies tried (bit mask).
    case gzip(level: UInt32, windowSize: UInt16, strategies: UInt16)
    /// xz: dictionary size and the BCJ filters tried (bit mask: 1 x86, 2 powerpc, 4 ia64, 8 arm, 0x10 armthumb,
    /// 0x20 sparc, 0x40 arm64, 0x80 riscv).
    case xz(dictionarySize: UInt32, filters: UInt32)
    /// lz4: format version (1) and flags (1 = high compression).
    case lz4(version: UInt32, flags: UInt32)
    /// zstd: compression level.
    case zstd(level: UInt32)

    /// The names of the BCJ filters in an xz `filters` mask.
    public static func xzFilterNames(_ mask: UInt32) -> [String] {
        let names = ["x86", "powerpc", "ia64", "arm", "armthumb", "sparc", "arm64", "riscv"]
        return names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] }
    }

    /// Reads the options block, if the superblock says there is one; returns it and where data blocks start.
    static func read(from reader: BlockReader) throws(SquashFSError) -> (CompressorOptions?, UInt64) {
        let superblock = reader.superblock
        let start = UInt64(Superblock.size)
        guard superblock.flags.contains(.compressorOptionsPresent) else { return (nil, start) }
        let expected: Int
        switch superblock.compressor {
        case .gzip, .xz, .lz4: expected = 8
        case .zstd: expected = 4
        default:
            throw SquashFSError.corrupt("\(superblock.compressor) images cannot have a compressor options block")
        }
        let bytes = try reader.file.read(count: 2 + expected, at: start, limit: superblock.inodeTableStart)
        let header = try bytes.le16(at: 0)
        guard header == 0x8000 | UInt16(expected) else {
            throw SquashFSError.corrupt(
                "compressor options block header 0x\(String(header, radix: 16)) (expected \(expected) uncompressed bytes)"
            )
        }
        let options: CompressorOptions
        switch superblock.compressor {
        case .gzip:
            options = .gzip(
                level: try bytes.le32(at: 2), windowSize: try bytes.le16(at: 6), strategies: try bytes.le16(at: 8))
        case .xz:
            options = .xz(dictionarySize: try bytes.le32(at: 2), filters: try bytes.le32(at: 6))
        case .lz4:
            options = .lz4(version: try bytes.le32(at: 2), flags: try bytes.le32(at: 6))
            guard case .lz4(1, _) = options else { throw SquashFSError(.unsupported, "lz4 format version is not 1") }
        default:
            options = .zstd(level: try bytes.le32(at: 2))
        }
        return (options, start + 2 + UInt64(expected))
    }
}
