import CSquashFS

#if canImport(Glibc)
    import Glibc
#endif

/// One stored block that a full extraction of an image has to decode.
public struct ImageBlock: Sendable, Hashable {
    /// What the block holds.
    public enum Kind: Sendable, Hashable {
        /// A full data block of a regular file (or its last block, when the file has no fragment).
        case data
        /// A fragment block: the packed tails of many files.
        case fragment
        /// An 8 KiB metadata block of the inode table or the directory table.
        case metadata
    }

    /// What the block holds.
    public var kind: Kind
    /// Where the block's stored bytes start in the image file (after a metadata block's 2-byte header).
    public var offset: UInt64
    /// How many bytes are stored.
    public var storedSize: Int
    /// Whether the stored bytes are compressed (otherwise they are the block itself).
    public var isCompressed: Bool
    /// The most bytes the block decodes to: the image's block size, or 8192 for a metadata block.
    public var decodedCapacity: Int
}

/// Every unique block of an image that a full extraction decodes: each data block and fragment block once (blocks
/// that mksquashfs deduplicated, and hard links, count once; sparse blocks not at all), and every metadata block of
/// the inode and directory tables.
///
/// The data blocks and fragments come from libsquashfs (`sqfs_dir_reader_get_full_hierarchy` for the block lists,
/// `sqfs_frag_table_read` for the fragment table), so the enumeration does not depend on the Swift reader being
/// measured; the metadata blocks are found by following the 2-byte block headers of the two tables.
public struct BlockInventory: Sendable {
    /// The image's compressor, `SQFS_COMPRESSOR` (1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd).
    public var compressorID: UInt16
    /// The image's data block size.
    public var blockSize: Int
    /// The blocks, sorted by their offset in the image.
    public var blocks: [ImageBlock]

    /// The number of blocks of `kind`.
    public func count(of kind: ImageBlock.Kind) -> Int { blocks.count { $0.kind == kind } }

    /// The stored bytes of all blocks.
    public var storedBytes: Int { blocks.reduce(0) { $0 + $1.storedSize } }

    /// The compressor's name as `mksquashfs -comp` spells it.
    public var compressorName: String {
        switch compressorID {
        case 1: "gzip"
        case 2: "lzma"
        case 3: "lzo"
        case 4: "xz"
        case 5: "lz4"
        case 6: "zstd"
        default: "unknown(\(compressorID))"
        }
    }

    /// Enumerates the blocks of the image at `path`.
    ///
    /// - Throws: ``DecodeBoundError`` when libsquashfs cannot read the image or a table is inconsistent.
    public init(imageAt path: String) throws {
        guard let file = sqfs_open_file(path, UInt32(SQFS_FILE_OPEN_READ_ONLY.rawValue)) else {
            throw DecodeBoundError("sqfs_open_file(\(path)) failed")
        }
        defer { sqfs_destroy(UnsafeMutableRawPointer(file)) }
        // On the heap: the directory reader keeps a pointer to it.
        let superblock = UnsafeMutablePointer<sqfs_super_t>.allocate(capacity: 1)
        superblock.initialize(to: sqfs_super_t())
        defer { superblock.deallocate() }
        try check(sqfs_super_read(superblock, file), "sqfs_super_read")

        var configuration = sqfs_compressor_config_t()
        try check(
            sqfs_compressor_config_init(
                &configuration, SQFS_COMPRESSOR(UInt32(superblock.pointee.compression_id)),
                Int(superblock.pointee.block_size), UInt16(SQFS_COMP_FLAG_UNCOMPRESS.rawValue)),
            "sqfs_compressor_config_init")
        var createdCompressor: UnsafeMutablePointer<sqfs_compressor_t>?
        try check(sqfs_compressor_create(&configuration, &createdCompressor), "sqfs_compressor_create")
        guard let compressor = createdCompressor else { throw DecodeBoundError("sqfs_compressor_create failed") }
        defer { sqfs_destroy(UnsafeMutableRawPointer(compressor)) }
        if superblock.pointee.flags & UInt16(SQFS_FLAG_COMPRESSOR_OPTIONS.rawValue) != 0 {
            try check(compressor.pointee.read_options(compressor, file), "sqfs_compressor_t.read_options")
        }

        guard let idTable = sqfs_id_table_create(0) else { throw DecodeBoundError("sqfs_id_table_create failed") }
        defer { sqfs_destroy(UnsafeMutableRawPointer(idTable)) }
        try check(sqfs_id_table_read(idTable, file, superblock, compressor), "sqfs_id_table_read")
        guard let directoryReader = sqfs_dir_reader_create(superblock, compressor, file, 0) else {
            throw DecodeBoundError("sqfs_dir_reader_create failed")
        }
        defer { sqfs_destroy(UnsafeMutableRawPointer(directoryReader)) }

        let blockSize = Int(superblock.pointee.block_size)
        var blocks: [ImageBlock] = []
        var seenDataBlocks: Set<UInt64> = []
        var usedFragments: Set<UInt32> = []

        // Data blocks, from every regular file's block list.
        var root: UnsafeMutablePointer<sqfs_tree_node_t>?
        try check(
            sqfs_dir_reader_get_full_hierarchy(directoryReader, idTable, nil, 0, &root),
            "sqfs_dir_reader_get_full_hierarchy")
        guard let root else { throw DecodeBoundError("sqfs_dir_reader_get_full_hierarchy returned no tree") }
        defer { sqfs_dir_tree_destroy(root) }
        var stack: [UnsafeMutablePointer<sqfs_tree_node_t>] = [root]
        while let node = stack.popLast() {
            var child = node.pointee.children
            while let current = child {
                stack.append(current)
                child = current.pointee.next
            }
            guard let inode = node.pointee.inode else { continue }
            var location: UInt64 = 0
            guard sqfs_inode_get_file_block_start(inode, &location) == 0 else { continue }  // not a regular file
            var fragmentIndex: UInt32 = 0
            var fragmentOffset: UInt32 = 0
            try check(sqfs_inode_get_frag_location(inode, &fragmentIndex, &fragmentOffset), "frag location")
            if fragmentIndex != 0xFFFF_FFFF { usedFragments.insert(fragmentIndex) }
            let sizes = CSquashFS_inode_payload(inode).assumingMemoryBound(to: UInt32.self)
            for index in 0..<sqfs_inode_get_file_block_count(inode) {
                let word = sizes[index]
                let stored = UInt64(word & 0x00FF_FFFF)
                guard stored != 0 else { continue }  // sparse
                if seenDataBlocks.insert(location).inserted {
                    blocks.append(
                        ImageBlock(
                            kind: .data, offset: location, storedSize: Int(stored),
                            isCompressed: word & (1 << 24) == 0, decodedCapacity: blockSize))
                }
                location += stored
            }
        }

        // Fragment blocks, each one that some file uses.
        if superblock.pointee.fragment_entry_count > 0 {
            guard let fragments = sqfs_frag_table_create(0) else {
                throw DecodeBoundError("sqfs_frag_table_create failed")
            }
            defer { sqfs_destroy(UnsafeMutableRawPointer(fragments)) }
            try check(sqfs_frag_table_read(fragments, file, superblock, compressor), "sqfs_frag_table_read")
            for index in usedFragments {
                var entry = sqfs_fragment_t()
                try check(sqfs_frag_table_lookup(fragments, index, &entry), "sqfs_frag_table_lookup(\(index))")
                let stored = Int(entry.size & 0x00FF_FFFF)
                guard stored != 0 else { continue }
                blocks.append(
                    ImageBlock(
                        kind: .fragment, offset: entry.start_offset, storedSize: stored,
                        isCompressed: entry.size & (1 << 24) == 0, decodedCapacity: blockSize))
            }
        }

        // Metadata blocks of the inode and directory tables: follow the headers.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DecodeBoundError("cannot open \(path): errno \(errno)") }
        defer { close(descriptor) }
        let directoryStart = superblock.pointee.directory_table_start
        // The directory table ends where the first block of the next table (fragment, export or id) begins; each
        // table start in the superblock points at that table's index, whose first entry is its first block.
        var directoryEnd = superblock.pointee.id_table_start
        for tableStart in [
            superblock.pointee.fragment_table_start, superblock.pointee.export_table_start,
            superblock.pointee.id_table_start,
        ] where tableStart != UInt64.max && tableStart > directoryStart {
            let first = try readLittleEndian64(descriptor, at: tableStart)
            if first >= directoryStart { directoryEnd = min(directoryEnd, first) }
        }
        for (start, end) in [
            (superblock.pointee.inode_table_start, directoryStart), (directoryStart, directoryEnd),
        ] {
            var position = start
            while position < end {
                let header = try readLittleEndian16(descriptor, at: position)
                let stored = Int(header & 0x7FFF)
                guard stored > 0, position + 2 + UInt64(stored) <= end else {
                    throw DecodeBoundError("bad metadata block header \(header) at \(position)")
                }
                blocks.append(
                    ImageBlock(
                        kind: .metadata, offset: position + 2, storedSize: stored, isCompressed: header & 0x8000 == 0,
                        decodedCapacity: 8192))
                position += 2 + UInt64(stored)
            }
        }

        blocks.sort { $0.offset < $1.offset }
        self.compressorID = superblock.pointee.compression_id
        self.blockSize = blockSize
        self.blocks = blocks
    }
}

/// A failure while enumerating or decoding an image's blocks.
public struct DecodeBoundError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates an error with a message.
    public init(_ description: String) { self.description = description }
}

private func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
    if status < 0 { throw DecodeBoundError("libsquashfs: \(call()) failed with SQFS_ERROR \(status)") }
}

private func readExactly(_ descriptor: Int32, _ count: Int, at offset: UInt64) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
    guard read == count else { throw DecodeBoundError("short read of \(count) bytes at \(offset)") }
    return bytes
}

private func readLittleEndian16(_ descriptor: Int32, at offset: UInt64) throws -> UInt16 {
    let bytes = try readExactly(descriptor, 2, at: offset)
    return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
}

private func readLittleEndian64(_ descriptor: Int32, at offset: UInt64) throws -> UInt64 {
    try readExactly(descriptor, 8, at: offset).reversed().reduce(0) { $0 << 8 | UInt64($1) }
}
