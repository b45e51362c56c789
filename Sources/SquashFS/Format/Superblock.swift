/// The 96-byte superblock at the start of a squashfs 4.0 image.
///
/// Reading an image validates it: the magic and version, a power-of-two block size between 4 KiB and 1 MiB that
/// matches `block_log`, and tables that lie in order inside `bytesUsed`, which must not exceed the file.
public struct Superblock: Sendable, Hashable {
    /// Superblock flag bits (`SQUASHFS_*` in squashfs-tools); informational except ``compressorOptionsPresent``.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// Inodes were stored uncompressed (`-noI`).
        public static let uncompressedInodes = Flags(rawValue: 0x0001)
        /// Data blocks were stored uncompressed (`-noD`).
        public static let uncompressedData = Flags(rawValue: 0x0002)
        /// Fragments were stored uncompressed (`-noF`).
        public static let uncompressedFragments = Flags(rawValue: 0x0008)
        /// No fragments were made (`-no-fragments`).
        public static let noFragments = Flags(rawValue: 0x0010)
        /// Tails of large files went into fragments too (`-always-use-fragments`).
        public static let alwaysFragments = Flags(rawValue: 0x0020)
        /// Duplicate files share their data.
        public static let duplicatesRemoved = Flags(rawValue: 0x0040)
        /// An NFS export table is present.
        public static let exportable = Flags(rawValue: 0x0080)
        /// Extended attributes were stored uncompressed.
        public static let uncompressedXattrs = Flags(rawValue: 0x0100)
        /// No extended attributes were stored.
        public static let noXattrs = Flags(rawValue: 0x0200)
        /// A compressor options block follows the superblock.
        public static let compressorOptionsPresent = Flags(rawValue: 0x0400)
        /// The id table was stored uncompressed.
        public static let uncompressedIDs = Flags(rawValue: 0x0800)
    }

    /// The size of the superblock on disk.
    public static let size = 96
    /// `"hsqs"` read as a little-endian `UInt32`.
    public static let magic: UInt32 = 0x7371_7368
    static let absent: UInt64 = .max

    /// The number of inodes; inode numbers run from 1 to this.
    public var inodeCount: UInt32
    /// When the image was made, in seconds since 1970.
    public var modificationTime: UInt32
    /// The data block size in bytes.
    public var blockSize: UInt32
    /// The number of fragment blocks.
    public var fragmentCount: UInt32
    /// The compressor.
    public var compressor: Compressor
    /// log2 of ``blockSize``.
    public var blockLog: UInt16
    /// The flags.
    public var flags: Flags
    /// The number of distinct owner and group ids.
    public var idCount: UInt16
    /// The format version (4.0).
    public var versionMajor: UInt16
    /// The format version (4.0).
    public var versionMinor: UInt16
    /// The root directory's inode reference.
    public var rootInode: InodeReference
    /// The number of bytes the image occupies; the file may be longer (padding).
    public var bytesUsed: UInt64
    /// Where the id table's block index starts.
    package var idTableStart: UInt64
    /// Where the extended attribute id table header starts, or `UInt64.max` when absent.
    package var xattrIDTableStart: UInt64
    /// Where the inode table starts.
    package var inodeTableStart: UInt64
    /// Where the directory table starts.
    package var directoryTableStart: UInt64
    /// Where the fragment table's block index starts, or `UInt64.max` when absent.
    package var fragmentTableStart: UInt64
    /// Where the export table's block index starts, or `UInt64.max` when absent.
    package var exportTableStart: UInt64

    /// Whether the image has an extended attribute table.
    public var hasXattrs: Bool { xattrIDTableStart != Self.absent }
    /// Whether the image has an NFS export table.
    public var hasExportTable: Bool { exportTableStart != Self.absent }
    /// Whether the image has fragment blocks.
    public var hasFragments: Bool { fragmentCount > 0 }

    /// Parses and validates a superblock.
    ///
    /// - Parameters:
    ///   - bytes: at least the first 96 bytes of the image.
    ///   - fileSize: the number of bytes available from the image's start, to check ``bytesUsed`` against.
    /// - Throws: ``SquashFSError`` with code `notSquashFS`, `unsupported` or `corrupt`.
    package init(bytes: [UInt8], fileSize: UInt64) throws(SquashFSError) {
        guard bytes.count >= Self.size else {
            throw SquashFSError(.notSquashFS, "too short for a squashfs superblock (\(bytes.count) bytes)")
        }
        let magic = try bytes.le32(at: 0)
        switch magic {
        case Self.magic: break
        case 0x6873_7173:
            throw SquashFSError(.unsupported, "big-endian squashfs images are not supported")
        case 0x5351_5348:
            throw SquashFSError(.unsupported, "streamed squashfs images (superblock at the end) are not supported")
        default:
            throw SquashFSError(.notSquashFS, "not a squashfs image (magic 0x\(String(magic, radix: 16)))")
        }
        inodeCount = try bytes.le32(at: 4)
        modificationTime = try bytes.le32(at: 8)
        blockSize = try bytes.le32(at: 12)
        fragmentCount = try bytes.le32(at: 16)
        compressor = Compressor(id: try bytes.le16(at: 20))
        blockLog = try bytes.le16(at: 22)
        flags = Flags(rawValue: try bytes.le16(at: 24))
        idCount = try bytes.le16(at: 26)
        versionMajor = try bytes.le16(at: 28)
        versionMinor = try bytes.le16(at: 30)
        rootInode = InodeReference(rawValue: try bytes.le64(at: 32))
        bytesUsed = try bytes.le64(at: 40)
        idTableStart = try bytes.le64(at: 48)
        xattrIDTableStart = try bytes.le64(at: 56)
        inodeTableStart = try bytes.le64(at: 64)
        directoryTableStart = try bytes.le64(at: 72)
        fragmentTableStart = try bytes.le64(at: 80)
        exportTableStart = try bytes.le64(at: 88)
        try validate(fileSize: fileSize)
    }

    private func validate(fileSize: UInt64) throws(SquashFSError) {
        guard versionMajor == 4, versionMinor == 0 else {
            throw SquashFSError(
                .unsupported, "squashfs version \(versionMajor).\(versionMinor) is not supported (only 4.0)")
        }
        switch compressor {
        case .lzo: throw SquashFSError(.unsupported, "unsupported compressor: lzo")
        case .unknown(let id): throw SquashFSError(.unsupported, "unsupported compressor: unknown id \(id)")
        default: break
        }
        guard (12...20).contains(blockLog), blockSize == UInt32(1) << blockLog else {
            throw .corrupt(
                "bad block size \(blockSize) (block_log \(blockLog)); must be a power of two, 4 KiB to 1 MiB")
        }
        guard inodeCount > 0 else { throw .corrupt("inode count is 0") }
        guard idCount > 0 else { throw .corrupt("id count is 0") }
        guard fragmentCount <= inodeCount else {
            throw .corrupt("fragment count \(fragmentCount) exceeds inode count \(inodeCount)")
        }
        guard bytesUsed >= UInt64(Self.size), bytesUsed <= fileSize else {
            throw .corrupt("bytes_used \(bytesUsed) is outside the file (\(fileSize) bytes); truncated image?")
        }
        // Tables lie in order: inodes < directories < fragments/export/ids < xattrs <= bytes_used.
        guard inodeTableStart >= UInt64(Self.size), inodeTableStart < directoryTableStart,
            directoryTableStart < bytesUsed
        else {
            throw .corrupt(
                "inode table at \(inodeTableStart) and directory table at \(directoryTableStart) are out of order")
        }
        guard idTableStart > directoryTableStart, idTableStart < bytesUsed else {
            throw .corrupt("id table at \(idTableStart) is outside \(directoryTableStart)..<\(bytesUsed)")
        }
        if hasXattrs {
            guard xattrIDTableStart > idTableStart, xattrIDTableStart < bytesUsed else {
                throw .corrupt("xattr table at \(xattrIDTableStart) is outside \(idTableStart)..<\(bytesUsed)")
            }
        }
        if hasFragments {
            guard fragmentTableStart > directoryTableStart, fragmentTableStart < idTableStart else {
                throw .corrupt("fragment table at \(fragmentTableStart) is outside its region")
            }
        }
        if hasExportTable {
            guard exportTableStart > directoryTableStart, exportTableStart < idTableStart else {
                throw .corrupt("export table at \(exportTableStart) is outside its region")
            }
        }
        guard rootInode.block < directoryTableStart - inodeTableStart, rootInode.offset < 8192 else {
            throw .corrupt(
                "root inode reference 0x\(String(rootInode.rawValue, radix: 16)) is outside the inode table")
        }
    }
}
