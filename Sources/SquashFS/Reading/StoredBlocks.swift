/// One block as an image stores it: where its bytes are, how many, and whether they are compressed.
package struct StoredBlock: Sendable, Hashable {
    /// What a block holds.
    package enum Kind: Sendable, Hashable {
        /// A data block of a regular file.
        case data
        /// A fragment block: the packed tails of files.
        case fragment
        /// An 8 KiB metadata block of a table (inodes, directories, fragments, export, ids, extended attributes).
        case metadata
    }

    /// What the block holds.
    package var kind: Kind
    /// Where the stored bytes start, from the start of the image (after a metadata block's 2-byte header).
    package var position: UInt64
    /// How many bytes are stored.
    package var storedSize: Int
    /// Whether the stored bytes are compressed (otherwise they are the block itself).
    package var isCompressed: Bool
    /// The most bytes the block decodes to: the image's block size, or 8192 for a metadata block.
    package var decodedCapacity: Int
}

extension SquashFSImage {
    /// Every block the image stores, sorted by position, each once: the data blocks of every regular file reachable
    /// from the root (blocks shared by duplicate files and hard links once, sparse blocks not at all), every fragment
    /// block of the fragment table, and every metadata block of the inode, directory, fragment, export, id and
    /// extended attribute tables.
    ///
    /// For tests and measurements that decode each block by other means; nothing is decompressed here beyond what
    /// walking the tree and reading the lookup tables needs.
    ///
    /// - Throws: ``SquashFSError`` (`corrupt`, `io`, `decompression`) when the tree or a table cannot be read.
    package func storedBlocks() throws(SquashFSError) -> [StoredBlock] {
        var blocks: [StoredBlock] = []
        var seen: Set<UInt64> = []
        func add(_ block: StoredBlock) {
            if seen.insert(block.position).inserted { blocks.append(block) }
        }

        var walker = try walk()
        while let entry = try walker.next() {
            guard entry.inode.kind == .regularFile else { continue }
            for block in try storedContent(of: entry.inode).blocks where !block.isSparse {
                add(
                    StoredBlock(
                        kind: .data, position: block.position, storedSize: block.storedSize,
                        isCompressed: !block.isUncompressed, decodedCapacity: blockSize))
            }
        }
        if superblock.hasFragments {
            for index in 0..<superblock.fragmentCount {
                let (start, word) = try fragmentLocation(index)
                guard word & 0x00FF_FFFF != 0 else { continue }
                add(
                    StoredBlock(
                        kind: .fragment, position: start, storedSize: Int(word & 0x00FF_FFFF),
                        isCompressed: word & 0x0100_0000 == 0, decodedCapacity: blockSize))
            }
        }

        // Tables whose blocks follow one another: the inode and directory tables, the xattr key/value blocks.
        var regions = [
            superblock.inodeTableStart..<superblock.directoryTableStart,
            superblock.directoryTableStart..<directoryTableEnd,
        ]
        if let xattrTable { regions.append(xattrTable.kvStart..<xattrTable.kvEnd) }
        for region in regions {
            var position = region.lowerBound
            while position < region.upperBound {
                let block = try metadataBlock(at: position, end: region.upperBound)
                add(block)
                position = block.position + UInt64(block.storedSize)
            }
        }
        // Lookup tables: their index lists the blocks.
        var lookupBlocks = fragmentIndex + (xattrTable?.idBlocks ?? [])
        let afterDirectories = superblock.directoryTableStart..<superblock.idTableStart
        if superblock.hasExportTable {
            lookupBlocks += try reader.lookupTableBlocks(
                start: superblock.exportTableStart, count: Int(superblock.inodeCount), entrySize: 8,
                blockRegion: afterDirectories.clamped(to: 0..<superblock.exportTableStart),
                end: superblock.idTableStart, name: "export table")
        }
        lookupBlocks += try reader.lookupTableBlocks(
            start: superblock.idTableStart, count: Int(superblock.idCount), entrySize: 4, blockRegion: afterDirectories,
            end: superblock.bytesUsed, name: "id table")
        for position in lookupBlocks {
            add(try metadataBlock(at: position, end: superblock.bytesUsed))
        }
        return blocks.sorted { $0.position < $1.position }
    }

    /// The metadata block whose 2-byte header is at `position`, which must end at or before `end`.
    private func metadataBlock(at position: UInt64, end: UInt64) throws(SquashFSError) -> StoredBlock {
        let header = try reader.file.read(count: 2, at: position, limit: end).le16(at: 0)
        let size = UInt64(header & 0x7FFF)
        let (blockEnd, overflow) = position.addingReportingOverflow(2 + size)
        guard size > 0, size <= UInt64(BlockReader.metadataBlockSize), !overflow, blockEnd <= end else {
            throw SquashFSError.corrupt(
                "\(name): metadata block at offset \(position) has a bad size \(size) or runs past offset \(end)")
        }
        return StoredBlock(
            kind: .metadata, position: position + 2, storedSize: Int(size), isCompressed: header & 0x8000 == 0,
            decodedCapacity: BlockReader.metadataBlockSize)
    }
}
