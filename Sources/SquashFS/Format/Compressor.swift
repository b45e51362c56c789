/// The compression algorithm of an image, from the superblock's `compression_id`.
public enum Compressor: Sendable, Hashable, CustomStringConvertible {
    /// zlib streams (squashfs calls it "gzip"); on-disk id 1.
    case gzip
    /// Legacy LZMA ("lzma alone" format); on-disk id 2.
    case lzma
    /// LZO; on-disk id 3. Recognised but not decoded: liblzo2 is GPL-licensed.
    case lzo
    /// A complete `.xz` stream per block, optionally with BCJ filters; on-disk id 4.
    case xz
    /// LZ4 block format; on-disk id 5.
    case lz4
    /// One zstd frame per block; on-disk id 6.
    case zstd
    /// An id this reader does not know.
    case unknown(UInt16)

    /// Creates a value from the on-disk `compression_id`.
    public init(id: UInt16) {
        switch id {
        case 1: self = .gzip
        case 2: self = .lzma
        case 3: self = .lzo
        case 4: self = .xz
        case 5: self = .lz4
        case 6: self = .zstd
        default: self = .unknown(id)
        }
    }

    /// The on-disk `compression_id`.
    public var id: UInt16 {
        switch self {
        case .gzip: 1
        case .lzma: 2
        case .lzo: 3
        case .xz: 4
        case .lz4: 5
        case .zstd: 6
        case .unknown(let id): id
        }
    }

    /// The name `mksquashfs -comp` and `unsquashfs -s` use.
    public var description: String {
        switch self {
        case .gzip: "gzip"
        case .lzma: "lzma"
        case .lzo: "lzo"
        case .xz: "xz"
        case .lz4: "lz4"
        case .zstd: "zstd"
        case .unknown(let id): "unknown (\(id))"
        }
    }
}
