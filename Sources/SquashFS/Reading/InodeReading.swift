extension SquashFSImage {
    var inodeTable: MetadataTable {
        MetadataTable(start: superblock.inodeTableStart, end: superblock.directoryTableStart, name: "inode table")
    }

    /// The root directory's inode.
    public func rootInode() throws(SquashFSError) -> Inode {
        try inode(at: superblock.rootInode)
    }

    /// Reads the inode stored at `reference`.
    ///
    /// - Throws: ``SquashFSError`` (`corrupt`) if the reference or the inode is invalid.
    public func inode(at reference: InodeReference) throws(SquashFSError) -> Inode {
        var memo = MetadataBlockMemo()
        return try inode(at: reference, memo: &memo)
    }

    @inline(__always)
    func inode(at reference: InodeReference, memo: inout MetadataBlockMemo) throws(SquashFSError) -> Inode {
        do {
            var cursor = try MetadataCursor(
                reader: reader, table: inodeTable, block: reference.block, offset: reference.offset, memo: &memo)
            return try parseInode(&cursor, reference: reference)
        } catch {
            throw error.code == .corrupt ? SquashFSError(error.code, "\(name): \(reference): \(error.message)") : error
        }
    }

    /// Reads the inode a directory entry points to, checking that its type matches the entry's.
    public func inode(for entry: DirectoryEntry) throws(SquashFSError) -> Inode {
        var memo = MetadataBlockMemo()
        return try inode(
            at: entry.inodeReference, listedAs: entry.kind, number: entry.inodeNumber,
            entryName: "'\(printable(entry.name))'", memo: &memo)
    }

    /// Reads the inode a directory entry points to and checks it against the entry's type and inode number.
    @inline(__always)
    func inode(
        at reference: InodeReference, listedAs kind: FileKind, number: UInt32, entryName: @autoclosure () -> String,
        memo: inout MetadataBlockMemo
    ) throws(SquashFSError) -> Inode {
        let inode = try inode(at: reference, memo: &memo)
        guard inode.kind == kind, inode.number == number else {
            throw SquashFSError.corrupt(
                "\(name): entry \(entryName()) says \(kind) #\(number), its inode is \(inode.kind) #\(inode.number)")
        }
        return inode
    }

    private func id(at index: UInt16) throws(SquashFSError) -> UInt32 {
        guard Int(index) < ids.count else {
            throw SquashFSError.corrupt("id index \(index) is outside the id table (\(ids.count) entries)")
        }
        return ids[Int(index)]
    }

    private func xattrIndex(_ raw: UInt32) throws(SquashFSError) -> UInt32? {
        if raw == .max { return nil }
        guard let table = xattrTable, raw < table.count else {
            throw SquashFSError.corrupt("xattr index \(raw) is outside the xattr table")
        }
        return raw
    }

    @inline(__always)
    func parseInode(_ cursor: inout MetadataCursor, reference: InodeReference) throws(SquashFSError) -> Inode {
        // The 16-byte common header, then each type's fixed fields, are read as single bounds-checked chunks.
        let (type, mode, uidIndex, gidIndex, mtime, number) = try cursor.withBytes(16) { bytes in
            (bytes.le16(0), bytes.le16(2), bytes.le16(4), bytes.le16(6), bytes.le32(8), bytes.le32(12))
        }
        guard let kind = FileKind(inodeType: type) else { throw SquashFSError.corrupt("unknown inode type \(type)") }
        guard number >= 1, number <= superblock.inodeCount else {
            throw SquashFSError.corrupt("inode number \(number) is outside 1...\(superblock.inodeCount)")
        }
        var inode = Inode(
            reference: reference, kind: kind, isExtended: type >= 8, number: number, permissions: mode & 0o7777,
            uid: try id(at: uidIndex), gid: try id(at: gidIndex), modificationTime: mtime, linkCount: 1, size: 0)
        switch type {
        case 1:
            let (startBlock, linkCount, fileSize, offset, parent) = try cursor.withBytes(16) { bytes in
                (bytes.le32(0), bytes.le32(4), bytes.le16(8), bytes.le16(10), bytes.le32(12))
            }
            inode.linkCount = linkCount
            inode.directory = try directoryLayout(
                startBlock: startBlock, offset: offset, fileSize: UInt32(fileSize), indexCount: 0, cursor: cursor,
                parent: parent)
            inode.size = UInt64(fileSize)
        case 8:
            let (linkCount, fileSize, startBlock, parent, indexCount, offset, xattr) = try cursor.withBytes(24) {
                bytes in
                (
                    bytes.le32(0), bytes.le32(4), bytes.le32(8), bytes.le32(12), bytes.le16(16), bytes.le16(18),
                    bytes.le32(20)
                )
            }
            inode.linkCount = linkCount
            inode.xattrIndex = try xattrIndex(xattr)
            inode.directory = try directoryLayout(
                startBlock: startBlock, offset: offset, fileSize: fileSize, indexCount: indexCount, cursor: cursor,
                parent: parent)
            inode.size = UInt64(fileSize)
        case 2:
            let (blocksStart, fragment, fragmentOffset, size) = try cursor.withBytes(16) { bytes in
                (UInt64(bytes.le32(0)), bytes.le32(4), bytes.le32(8), UInt64(bytes.le32(12)))
            }
            inode.size = size
            inode.file = try fileLayout(
                size: size, blocksStart: blocksStart, fragment: fragment, fragmentOffset: fragmentOffset,
                sparse: 0, cursor: cursor)
        case 9:
            let (blocksStart, size, sparse, linkCount, fragment, fragmentOffset, xattr) = try cursor.withBytes(40) {
                bytes in
                (
                    bytes.le64(0), bytes.le64(8), bytes.le64(16), bytes.le32(24), bytes.le32(28), bytes.le32(32),
                    bytes.le32(36)
                )
            }
            guard size < 1 << 63 else { throw SquashFSError.corrupt("file size \(size) is negative") }
            inode.size = size
            inode.linkCount = linkCount
            inode.xattrIndex = try xattrIndex(xattr)
            inode.file = try fileLayout(
                size: size, blocksStart: blocksStart, fragment: fragment, fragmentOffset: fragmentOffset,
                sparse: sparse, cursor: cursor)
        case 3, 10:
            inode.linkCount = try cursor.readUInt32()
            let targetSize = try cursor.readUInt32()
            guard targetSize <= 65535 else {
                throw SquashFSError.corrupt("symbolic link target of \(targetSize) bytes is longer than 65535")
            }
            let target = try cursor.readBytes(Int(targetSize))
            guard !target.contains(0) else { throw SquashFSError.corrupt("symbolic link target contains a NUL byte") }
            inode.symlinkTarget = target
            inode.size = UInt64(targetSize)
            if type == 10 { inode.xattrIndex = try xattrIndex(try cursor.readUInt32()) }
        case 4, 5, 11, 12:
            inode.linkCount = try cursor.readUInt32()
            inode.device = DeviceNumber(rawValue: try cursor.readUInt32())
            if type >= 8 { inode.xattrIndex = try xattrIndex(try cursor.readUInt32()) }
        default:  // 6, 7, 13, 14
            inode.linkCount = try cursor.readUInt32()
            if type >= 8 { inode.xattrIndex = try xattrIndex(try cursor.readUInt32()) }
        }
        return inode
    }

    private func directoryLayout(
        startBlock: UInt32, offset: UInt16, fileSize: UInt32, indexCount: UInt16, cursor: MetadataCursor,
        parent: UInt32
    ) throws(SquashFSError) -> DirectoryLayout {
        guard offset < 8192 else { throw SquashFSError.corrupt("directory listing offset \(offset) is >= 8192") }
        // file_size counts the "." and ".." the kernel adds; below 4 the directory is empty.
        let listingSize = fileSize >= 3 ? fileSize - 3 : 0
        guard listingSize == 0 || UInt64(startBlock) < directoryTableEnd - superblock.directoryTableStart else {
            throw SquashFSError.corrupt("directory listing block \(startBlock) is outside the directory table")
        }
        let position = cursor.position
        return DirectoryLayout(
            startBlock: startBlock, startOffset: offset, listingSize: listingSize,
            indexCount: listingSize == 0 ? 0 : indexCount, indexBlock: position.block, indexOffset: position.offset,
            parentInode: parent)
    }

    private func fileLayout(
        size: UInt64, blocksStart: UInt64, fragment: UInt32, fragmentOffset: UInt32, sparse: UInt64,
        cursor: MetadataCursor
    ) throws(SquashFSError) -> FileLayout {
        let blockSize = UInt64(superblock.blockSize)
        let hasFragment = fragment != .max
        var blockCount = size / blockSize
        if !hasFragment && size % blockSize != 0 { blockCount += 1 }
        if hasFragment {
            guard fragment < superblock.fragmentCount else {
                throw SquashFSError.corrupt("fragment index \(fragment) is outside the fragment table")
            }
            guard size % blockSize != 0 else {
                throw SquashFSError.corrupt("file of \(size) bytes (a whole number of blocks) has a fragment")
            }
            guard fragmentOffset < superblock.blockSize else {
                throw SquashFSError.corrupt("fragment offset \(fragmentOffset) is not inside a block")
            }
        }
        let position = cursor.position
        return FileLayout(
            blocksStart: blocksStart, blockCount: Int(blockCount), fragmentIndex: hasFragment ? fragment : nil,
            fragmentOffset: fragmentOffset, blockListBlock: position.block, blockListOffset: position.offset,
            sparseBytes: sparse)
    }
}
