internal import Decompression
internal import SystemLayer
public import SystemPackage

/// A squashfs 4.0 image opened for reading.
///
/// Opening an image reads and validates the superblock, the small tables every operation needs (the id table, the
/// fragment and extended attribute indexes) and the root inode, which must be a directory; everything else is read
/// on demand and cached within bounds. An image is `Sendable`: one instance may serve many threads or tasks at once.
///
/// ```swift
/// let image = try SquashFSImage(path: "squashfs")
/// print(image.superblock.compressor, image.superblock.blockSize)
/// let osRelease = try image.contentsOfFile(at: "/etc/os-release")   // follows ../usr/lib/os-release
/// for entry in try image.contentsOfDirectory(at: "/etc") { print(entry.name) }
/// var walker = try image.walk()
/// while let entry = try walker.next() { print(entry.path, entry.inode.size) }
/// ```
///
/// The image is hostile input: every offset, count and size is checked, arithmetic on them cannot trap, and a
/// failure is a ``SquashFSError``, never a crash.
public final class SquashFSImage: Sendable {
    /// Settings that bound the work a hostile image can cause.
    public struct Options: Sendable {
        /// Where the image starts inside the file (as `unsquashfs -o`).
        public var offset: UInt64 = 0
        /// How many decoded 8 KiB metadata blocks are kept.
        public var metadataCacheBlocks = 4096
        /// How many decoded fragment blocks are kept.
        public var fragmentCacheBlocks = 16
        /// The deepest directory nesting a walk or path resolution accepts.
        public var maximumDepth = 4096
        /// The largest block list (4 bytes per data block on disk) a file may have (64 MiB: 16 Mi blocks, 2 TiB at
        /// 128 KiB). A ``FileReader`` keeps 12 bytes per block, so this bounds its memory for sparse giants;
        /// extraction reads block lists a run at a time and holds no whole list.
        public var maximumBlockListBytes = 64 << 20
        /// The most path components one path resolution walks, counting those of the symbolic link targets it
        /// follows (`..` and `.` included); `limitExceeded` beyond. A real path has a few dozen.
        public var maximumPathComponents = 4096
        /// The most bytes of symbolic link targets one path resolution follows (1 MiB; Linux allows 40 links of at
        /// most 4 KiB); `limitExceeded` beyond.
        public var maximumSymlinkTargetBytes = 1 << 20
        /// The most directory listing bytes one path resolution scans to find its components (16 MiB; a lookup in
        /// an indexed directory scans at most one 8 KiB block, a real unindexed one a few KiB); `limitExceeded`
        /// beyond. Lookups repeated within one resolution are answered from a cache and not counted again.
        public var maximumLookupBytes = 16 << 20
        /// The most bytes of extended attribute values one inode may carry, counting a value shared by several of
        /// its attributes once per attribute (64 KiB, Linux's largest single value); `limitExceeded` beyond. The
        /// names are limited to Linux's 64 KiB list (`XATTR_LIST_MAX`) regardless.
        public var maximumExtendedAttributeBytes = 64 << 10
        /// Which decoder is used for gzip images; libdeflate unless testing against the zlib reference.
        var zlibEngine = ZlibEngine.libdeflate
        /// Which decoder decodes the blocks of xz and lzma images (``XZDecoder/automatic`` by default: the native
        /// decoder unless liblzma is 5.6.0 or newer); other compressors ignore it.
        public var xzDecoder = XZDecoder.automatic

        /// The default options.
        public init() {}
    }

    /// The validated superblock.
    public let superblock: Superblock
    /// The compressor options block, when the image has one.
    public let compressorOptions: CompressorOptions?
    /// The options this image was opened with.
    public let options: Options

    let reader: BlockReader
    let fragmentCache: BoundedCache<UInt32, [UInt8]>
    /// The uid/gid values, indexed by an inode's uid/gid index.
    let ids: [UInt32]
    /// The locations of the fragment table's metadata blocks.
    let fragmentIndex: [UInt64]
    let xattrTable: XattrTable?
    /// Whether the image stores extended attributes (an xattr table with at least one entry).
    package var hasExtendedAttributes: Bool { xattrTable != nil }
    /// Where file data may lie: after the superblock and compressor options, before the inode table.
    let dataStart: UInt64
    /// The end of the directory table's blocks.
    let directoryTableEnd: UInt64
    var blockSize: Int { Int(superblock.blockSize) }
    /// How messages name the image: the path it was opened from, or `fd N`.
    package var name: String { reader.file.name }

    /// Opens the image at `path`.
    ///
    /// - Parameters:
    ///   - path: a regular file or block device holding the image.
    ///   - options: limits and the offset of the image inside the file.
    /// - Throws: ``SquashFSError``: `io` if the file cannot be read, `notSquashFS`, `unsupported` or `corrupt`.
    public convenience init(path: FilePath, options: Options = Options()) throws(SquashFSError) {
        try self.init(file: try ImageFile(path: path, offset: options.offset), options: options)
    }

    /// Opens the image at `path`.
    ///
    /// - Parameters:
    ///   - path: a regular file or block device holding the image.
    ///   - options: limits and the offset of the image inside the file.
    /// - Throws: ``SquashFSError``: `io` if the file cannot be read, `notSquashFS`, `unsupported` or `corrupt`.
    public convenience init(path: String, options: Options = Options()) throws(SquashFSError) {
        try self.init(path: FilePath(path), options: options)
    }

    /// Opens an image from an open file descriptor; the image keeps its own duplicate, so the caller may close
    /// `descriptor`.
    public convenience init(fileDescriptor descriptor: FileDescriptor, options: Options = Options())
        throws(SquashFSError)
    {
        let name = "fd \(descriptor.rawValue)"
        let duplicate: FileDescriptor
        do {
            duplicate = try descriptor.duplicateForReads(name: name)
        } catch {
            throw SquashFSError(.io, "\(name): cannot duplicate", underlyingError: error.underlying)
        }
        try self.init(file: try ImageFile(owning: duplicate, offset: options.offset, name: name), options: options)
    }

    private init(file: ImageFile, options: Options) throws(SquashFSError) {
        do throws(SquashFSError) {
            let headerSize = Int(min(UInt64(Superblock.size), file.availableBytes))
            let superblock = try Superblock(
                bytes: try file.read(count: headerSize, at: 0, limit: file.availableBytes),
                fileSize: file.availableBytes)
            let reader = try BlockReader(file: file, superblock: superblock, options: options)
            let (compressorOptions, dataStart) = try CompressorOptions.read(from: reader)
            guard dataStart <= superblock.inodeTableStart else {
                throw SquashFSError.corrupt("compressor options overlap the inode table")
            }
            let tables = try TableIndexes(reader: reader)
            self.superblock = superblock
            self.options = options
            self.reader = reader
            self.compressorOptions = compressorOptions
            self.dataStart = dataStart
            self.fragmentCache = BoundedCache(capacity: options.fragmentCacheBlocks)
            self.ids = tables.ids
            self.fragmentIndex = tables.fragmentBlocks
            self.directoryTableEnd = tables.directoryTableEnd
            self.xattrTable = tables.xattrTable
            // Every operation starts at the root: one that is not a directory makes the image unusable (a symbolic
            // link would extract to nothing, a file has no place to go), so it is refused here, as the kernel does.
            let root = try rootInode()
            guard root.kind == .directory else {
                throw SquashFSError.corrupt("the root inode (\(root.reference)) is a \(root.kind), not a directory")
            }
        } catch {
            throw error.inImage(file.name)
        }
    }
}
