/// The extended attribute table's location: key/value blocks and the id table that points into them.
struct XattrTable: Sendable {
    /// Where the key/value metadata blocks start; references are relative to it.
    var kvStart: UInt64
    /// Where the key/value blocks end (the first id block).
    var kvEnd: UInt64
    /// How many xattr ids exist.
    var count: UInt32
    /// The locations of the xattr id table's metadata blocks.
    var idBlocks: [UInt64]
    /// Where the xattr id blocks end (the table header).
    var idBlocksEnd: UInt64
}

/// The small tables read when an image is opened, with the region each table's blocks may occupy.
struct TableIndexes {
    var ids: [UInt32]
    var fragmentBlocks: [UInt64]
    var directoryTableEnd: UInt64
    var xattrTable: XattrTable?

    init(reader: BlockReader) throws(SquashFSError) {
        let superblock = reader.superblock
        // The directory table is empty when every directory is; the next table's blocks then start where it would.
        let afterDirectories = superblock.directoryTableStart..<superblock.idTableStart
        var directoryEnd = superblock.idTableStart

        // Fragment table: blocks between the directory table and the fragment index.
        if superblock.hasFragments {
            fragmentBlocks = try reader.lookupTableBlocks(
                start: superblock.fragmentTableStart, count: Int(superblock.fragmentCount), entrySize: 16,
                blockRegion: afterDirectories.clamped(to: 0..<superblock.fragmentTableStart),
                end: superblock.idTableStart, name: "fragment table")
            directoryEnd = min(directoryEnd, fragmentBlocks.first ?? directoryEnd)
        } else {
            fragmentBlocks = []
        }

        // Export table: not used, but its first block bounds the directory table.
        if superblock.hasExportTable {
            let first = try reader.file.read(count: 8, at: superblock.exportTableStart, limit: superblock.idTableStart)
                .le64(at: 0)
            guard afterDirectories.contains(first), first < superblock.exportTableStart else {
                throw SquashFSError.corrupt("export table block at offset \(first) is out of place")
            }
            directoryEnd = min(directoryEnd, first)
        }

        // Id table: blocks right before its index.
        let idBlocks = try reader.lookupTableBlocks(
            start: superblock.idTableStart, count: Int(superblock.idCount), entrySize: 4,
            blockRegion: afterDirectories, end: superblock.bytesUsed, name: "id table")
        directoryEnd = min(directoryEnd, idBlocks.first ?? directoryEnd)
        directoryTableEnd = directoryEnd

        var ids: [UInt32] = []
        ids.reserveCapacity(Int(superblock.idCount))
        for index in 0..<Int(superblock.idCount) {
            let entry = try reader.lookupTableEntry(
                index, entrySize: 4, locations: idBlocks, end: superblock.idTableStart, name: "id table")
            ids.append(try entry.le32(at: 0))
        }
        self.ids = ids

        // Extended attributes: a 16-byte header, then the id block index; key/value blocks come first.
        xattrTable = nil
        if superblock.hasXattrs {
            let header = try reader.file.read(count: 16, at: superblock.xattrIDTableStart, limit: superblock.bytesUsed)
            let kvStart = try header.le64(at: 0)
            let count = try header.le32(at: 8)
            guard kvStart > superblock.idTableStart, kvStart < superblock.xattrIDTableStart else {
                throw SquashFSError.corrupt("xattr key/value table at offset \(kvStart) is out of place")
            }
            if count > 0 {
                let idBlocks = try reader.lookupTableBlocks(
                    start: superblock.xattrIDTableStart + 16, count: Int(count), entrySize: 16,
                    blockRegion: (kvStart + 1)..<superblock.xattrIDTableStart, end: superblock.bytesUsed,
                    name: "xattr id table")
                xattrTable = XattrTable(
                    kvStart: kvStart, kvEnd: idBlocks.first ?? superblock.xattrIDTableStart, count: count,
                    idBlocks: idBlocks, idBlocksEnd: superblock.xattrIDTableStart)
            }
        }
    }
}
