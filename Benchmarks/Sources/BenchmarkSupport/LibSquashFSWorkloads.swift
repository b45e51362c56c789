import CSquashFS

#if canImport(Glibc)
    import Glibc
#endif

/// The two workloads through libsquashfs 1.2, as a libsquashfs user (`rdsquashfs`, `sqfs2tar`) writes them.
public enum LibSquashFSWorkloads {
    /// Opens the image, deserialises the whole tree with `sqfs_dir_reader_get_full_hierarchy` (which reads every
    /// inode and resolves its uid and gid), and walks it, consuming the same metadata as the Swift walk.
    public static func walk(imageAt path: String) throws -> TreeSummary {
        let image = try LibSquashFSImage(path: path)
        var summary = TreeSummary()
        try image.withFullHierarchy { root in
            visit(root, pathLength: 1) { node, pathLength in
                let inode = node.pointee.inode!
                let metadata = entryMetadata(of: node, pathLength: pathLength)
                if metadata.type == InodeType.symbolicLink {
                    summary.add(
                        metadata,
                        target: UnsafeRawBufferPointer(
                            start: CSquashFS_inode_payload(inode), count: Int(metadata.size)))
                } else {
                    summary.add(metadata, target: UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
        }
        return summary
    }

    /// Opens the image, deserialises the tree, and reads every distinct regular file in tree order with
    /// `sqfs_data_reader_read`, ``ReadSummary/chunkSize`` bytes at a time into one reused buffer, on the calling
    /// thread.
    public static func readAllFiles(imageAt path: String) throws -> ReadSummary {
        let image = try LibSquashFSImage(path: path)
        let reader = try image.makeDataReader()
        defer { sqfs_destroy(UnsafeMutableRawPointer(reader)) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ReadSummary.chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var summary = ReadSummary()
        var hardLinksSeen: Set<UInt32> = []
        var failure: (any Error)?
        try image.withFullHierarchy { root in
            visit(root, pathLength: 1) { node, _ in
                guard failure == nil else { return }
                let inode = node.pointee.inode!
                let type = inode.pointee.base.type
                guard type == InodeType.regularFile || type == InodeType.extendedRegularFile else { return }
                if type == InodeType.extendedRegularFile, inode.pointee.data.file_ext.nlink > 1,
                    !hardLinksSeen.insert(inode.pointee.base.inode_number).inserted
                {
                    return
                }
                do {
                    var size: UInt64 = 0
                    try check(sqfs_inode_get_file_size(inode, &size), "sqfs_inode_get_file_size")
                    var contents = ContentChecksum()
                    var offset: UInt64 = 0
                    while offset < size {
                        let count = UInt32(min(UInt64(buffer.count), size - offset))
                        let read = sqfs_data_reader_read(reader, inode, offset, buffer.baseAddress, count)
                        guard read > 0 else {
                            throw LibSquashFSError(
                                call: "sqfs_data_reader_read(inode \(inode.pointee.base.inode_number), \(offset))",
                                code: read == 0 ? SQFS_ERROR_OUT_OF_BOUNDS.rawValue : read)
                        }
                        contents.add(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(read)]))
                        offset += UInt64(read)
                    }
                    summary.add(fileOfSize: size, contents: contents)
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        return summary
    }

    /// Calls `body` for `node` and then, in order, for each node below it (pre-order, siblings in on-disk order),
    /// with the length of each node's full path.
    private static func visit(
        _ node: UnsafeMutablePointer<sqfs_tree_node_t>, pathLength: Int,
        _ body: (UnsafeMutablePointer<sqfs_tree_node_t>, Int) -> Void
    ) {
        body(node, pathLength)
        let prefixLength = node.pointee.parent == nil ? 0 : pathLength
        var child = node.pointee.children
        while let current = child {
            let nameLength = strlen(CSquashFS_tree_node_name(current))
            visit(current, pathLength: prefixLength + 1 + nameLength, body)
            child = current.pointee.next
        }
    }

    /// The reader-neutral metadata of a tree node's inode.
    private static func entryMetadata(of node: UnsafeMutablePointer<sqfs_tree_node_t>, pathLength: Int)
        -> EntryMetadata
    {
        let inode = node.pointee.inode.pointee
        let type = inode.base.type
        var linkCount: UInt32 = 1
        var size: UInt64 = 0
        var device: UInt32 = 0
        switch type {
        case InodeType.directory:
            (linkCount, size) = (inode.data.dir.nlink, UInt64(inode.data.dir.size))
        case InodeType.extendedDirectory:
            (linkCount, size) = (inode.data.dir_ext.nlink, UInt64(inode.data.dir_ext.size))
        case InodeType.regularFile:
            size = UInt64(inode.data.file.file_size)
        case InodeType.extendedRegularFile:
            (linkCount, size) = (inode.data.file_ext.nlink, inode.data.file_ext.file_size)
        case InodeType.symbolicLink:
            (linkCount, size) = (inode.data.slink.nlink, UInt64(inode.data.slink.target_size))
        case InodeType.extendedSymbolicLink:
            (linkCount, size) = (inode.data.slink_ext.nlink, UInt64(inode.data.slink_ext.target_size))
        case InodeType.blockDevice, InodeType.characterDevice:
            (linkCount, device) = (inode.data.dev.nlink, inode.data.dev.devno)
        case InodeType.extendedBlockDevice, InodeType.extendedCharacterDevice:
            (linkCount, device) = (inode.data.dev_ext.nlink, inode.data.dev_ext.devno)
        case InodeType.fifo, InodeType.socket:
            linkCount = inode.data.ipc.nlink
        default:
            linkCount = inode.data.ipc_ext.nlink
        }
        return EntryMetadata(
            type: type > 7 ? type - 7 : type, permissions: inode.base.mode & 0o7777, uid: node.pointee.uid,
            gid: node.pointee.gid, modificationTime: inode.base.mod_time, inodeNumber: inode.base.inode_number,
            linkCount: linkCount, size: size, device: device, pathLength: pathLength)
    }
}

/// The on-disk inode types (`SQFS_INODE_TYPE`), as the `UInt16` that `sqfs_inode_t.type` holds.
private enum InodeType {
    static let directory = UInt16(SQFS_INODE_DIR.rawValue)
    static let regularFile = UInt16(SQFS_INODE_FILE.rawValue)
    static let symbolicLink = UInt16(SQFS_INODE_SLINK.rawValue)
    static let blockDevice = UInt16(SQFS_INODE_BDEV.rawValue)
    static let characterDevice = UInt16(SQFS_INODE_CDEV.rawValue)
    static let fifo = UInt16(SQFS_INODE_FIFO.rawValue)
    static let socket = UInt16(SQFS_INODE_SOCKET.rawValue)
    static let extendedDirectory = UInt16(SQFS_INODE_EXT_DIR.rawValue)
    static let extendedRegularFile = UInt16(SQFS_INODE_EXT_FILE.rawValue)
    static let extendedSymbolicLink = UInt16(SQFS_INODE_EXT_SLINK.rawValue)
    static let extendedBlockDevice = UInt16(SQFS_INODE_EXT_BDEV.rawValue)
    static let extendedCharacterDevice = UInt16(SQFS_INODE_EXT_CDEV.rawValue)
}

/// An image opened through libsquashfs: the file, the superblock, the decompressor, the id table and a directory
/// reader, in the order `rdsquashfs` sets them up.
private final class LibSquashFSImage {
    let file: UnsafeMutablePointer<sqfs_file_t>
    /// On the heap: the directory reader keeps a pointer to it.
    let superblock: UnsafeMutablePointer<sqfs_super_t>
    let compressor: UnsafeMutablePointer<sqfs_compressor_t>
    let idTable: OpaquePointer
    let directoryReader: OpaquePointer

    init(path: String) throws {
        // Objects created so far, destroyed in reverse if a later step fails (deinit does not run then).
        var created: [UnsafeMutableRawPointer] = []
        let superblock = UnsafeMutablePointer<sqfs_super_t>.allocate(capacity: 1)
        superblock.initialize(to: sqfs_super_t())
        var complete = false
        defer {
            if !complete {
                for object in created.reversed() { sqfs_destroy(object) }
                superblock.deallocate()
            }
        }

        guard let file = sqfs_open_file(path, UInt32(SQFS_FILE_OPEN_READ_ONLY.rawValue)) else {
            throw LibSquashFSError(call: "sqfs_open_file(\(path))", code: SQFS_ERROR_IO.rawValue)
        }
        created.append(UnsafeMutableRawPointer(file))

        try check(sqfs_super_read(superblock, file), "sqfs_super_read")

        var configuration = sqfs_compressor_config_t()
        try check(
            sqfs_compressor_config_init(
                &configuration, SQFS_COMPRESSOR(UInt32(superblock.pointee.compression_id)),
                Int(superblock.pointee.block_size), UInt16(SQFS_COMP_FLAG_UNCOMPRESS.rawValue)),
            "sqfs_compressor_config_init")
        var createdCompressor: UnsafeMutablePointer<sqfs_compressor_t>?
        try check(sqfs_compressor_create(&configuration, &createdCompressor), "sqfs_compressor_create")
        guard let compressor = createdCompressor else {
            throw LibSquashFSError(call: "sqfs_compressor_create", code: SQFS_ERROR_INTERNAL.rawValue)
        }
        created.append(UnsafeMutableRawPointer(compressor))
        if superblock.pointee.flags & UInt16(SQFS_FLAG_COMPRESSOR_OPTIONS.rawValue) != 0 {
            try check(compressor.pointee.read_options(compressor, file), "sqfs_compressor_t.read_options")
        }

        guard let idTable = sqfs_id_table_create(0) else {
            throw LibSquashFSError(call: "sqfs_id_table_create", code: SQFS_ERROR_ALLOC.rawValue)
        }
        created.append(UnsafeMutableRawPointer(idTable))
        try check(sqfs_id_table_read(idTable, file, superblock, compressor), "sqfs_id_table_read")

        guard let directoryReader = sqfs_dir_reader_create(superblock, compressor, file, 0) else {
            throw LibSquashFSError(call: "sqfs_dir_reader_create", code: SQFS_ERROR_ALLOC.rawValue)
        }
        created.append(UnsafeMutableRawPointer(directoryReader))

        self.file = file
        self.superblock = superblock
        self.compressor = compressor
        self.idTable = idTable
        self.directoryReader = directoryReader
        complete = true
    }

    deinit {
        sqfs_destroy(UnsafeMutableRawPointer(directoryReader))
        sqfs_destroy(UnsafeMutableRawPointer(idTable))
        sqfs_destroy(UnsafeMutableRawPointer(compressor))
        sqfs_destroy(UnsafeMutableRawPointer(file))
        superblock.deallocate()
    }

    /// Calls `body` with the root of the whole tree, all file types included, destroying the tree afterwards.
    func withFullHierarchy(_ body: (UnsafeMutablePointer<sqfs_tree_node_t>) throws -> Void) throws {
        var root: UnsafeMutablePointer<sqfs_tree_node_t>?
        try check(
            sqfs_dir_reader_get_full_hierarchy(directoryReader, idTable, nil, 0, &root),
            "sqfs_dir_reader_get_full_hierarchy")
        guard let root else {
            throw LibSquashFSError(call: "sqfs_dir_reader_get_full_hierarchy", code: SQFS_ERROR_INTERNAL.rawValue)
        }
        defer { sqfs_dir_tree_destroy(root) }
        try body(root)
    }

    /// A data reader with the fragment table loaded; the caller destroys it with `sqfs_destroy`.
    func makeDataReader() throws -> OpaquePointer {
        guard let reader = sqfs_data_reader_create(file, Int(superblock.pointee.block_size), compressor, 0) else {
            throw LibSquashFSError(call: "sqfs_data_reader_create", code: SQFS_ERROR_ALLOC.rawValue)
        }
        let status = sqfs_data_reader_load_fragment_table(reader, superblock)
        guard status == 0 else {
            sqfs_destroy(UnsafeMutableRawPointer(reader))
            throw LibSquashFSError(call: "sqfs_data_reader_load_fragment_table", code: status)
        }
        return reader
    }
}

/// A failed libsquashfs call and its `SQFS_ERROR` code.
struct LibSquashFSError: Error, CustomStringConvertible {
    var call: String
    var code: Int32

    var description: String { "libsquashfs: \(call) failed with SQFS_ERROR \(code)" }
}

/// Throws ``LibSquashFSError`` when a libsquashfs call returned an error (a negative value).
private func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
    if status < 0 { throw LibSquashFSError(call: call(), code: status) }
}
