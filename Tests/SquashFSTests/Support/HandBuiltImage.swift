/// A squashfs image written byte by byte: a root directory holding regular files whose inodes say whatever the test
/// wants, with every table stored uncompressed. It makes the amplification cases that no writer produces cheaply: a
/// file of more than 1 TiB made only of sparse blocks (4 bytes of block list per MiB, no zeros read anywhere), and
/// thousands of inodes that all point at the same data block.
///
/// Layout: superblock, data blocks, inode table (extended file inodes, then the root's basic directory inode),
/// directory table, id table (one id: 0), id table index. No fragments, export table or extended attributes.
struct HandBuiltImage {
    /// One regular file of the root directory.
    struct File {
        /// The name (sorted by the builder).
        var name: String
        /// The size the inode records.
        var size: UInt64
        /// Where the file's first block is, as an offset into ``data`` (the builder adds the data start).
        var dataOffset: UInt64 = 0
        /// One size word per block: 0 for a sparse block, `0x0100_0000 | n` for `n` bytes stored uncompressed.
        var blockSizes: [UInt32]
        var permissions: UInt16 = 0o644
        var modificationTime: UInt32 = 1_700_000_000
    }

    /// log2 of the block size (12 to 20).
    var blockLog: UInt16 = 20
    /// The bytes stored between the superblock and the inode table (data blocks).
    var data: [UInt8] = []
    var files: [File] = []

    var blockSize: UInt64 { 1 << UInt64(blockLog) }

    /// A file of `size` bytes that is all sparse blocks.
    static func sparseFile(_ name: String, size: UInt64, blockLog: UInt16 = 20) -> File {
        let blocks = (size + (1 << UInt64(blockLog)) - 1) >> UInt64(blockLog)
        return File(name: name, size: size, blockSizes: [UInt32](repeating: 0, count: Int(blocks)))
    }

    /// The image's bytes.
    func bytes() -> [UInt8] {
        let dataStart: UInt64 = 96
        let files = self.files.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        let inodeCount = UInt32(files.count + 1)
        let rootNumber = inodeCount

        // Inode table contents (before being cut into metadata blocks): one extended file inode per file.
        var inodes: [UInt8] = []
        var fileInodeOffsets: [Int] = []
        for (index, file) in files.enumerated() {
            fileInodeOffsets.append(inodes.count)
            inodes.appendLE(UInt16(9), 2)
            inodes.appendLE(file.permissions, 2)
            inodes.appendLE(UInt16(0), 2)
            inodes.appendLE(UInt16(0), 2)
            inodes.appendLE(file.modificationTime, 4)
            inodes.appendLE(UInt32(index + 1), 4)
            inodes.appendLE(dataStart + file.dataOffset, 8)
            inodes.appendLE(file.size, 8)
            let stored = file.blockSizes.reduce(UInt64(0)) { $0 + UInt64($1 & 0x00FF_FFFF) }
            inodes.appendLE(file.size - min(file.size, stored), 8)  // bytes saved by sparse blocks
            inodes.appendLE(UInt32(1), 4)  // link count
            inodes.appendLE(UInt32.max, 4)  // no fragment
            inodes.appendLE(UInt32(0), 4)
            inodes.appendLE(UInt32.max, 4)  // no xattrs
            for word in file.blockSizes { inodes.appendLE(word, 4) }
        }

        // Directory listing: runs of at most 256 entries whose inodes share a metadata block.
        var listing: [UInt8] = []
        var index = 0
        while index < files.count {
            let block = fileInodeOffsets[index] / 8192
            var end = index
            while end < files.count, end - index < 256, fileInodeOffsets[end] / 8192 == block { end += 1 }
            listing.appendLE(UInt32(end - index - 1), 4)
            listing.appendLE(UInt32(block * 8194), 4)
            listing.appendLE(UInt32(index + 1), 4)
            for entry in index..<end {
                let name = Array(files[entry].name.utf8)
                listing.appendLE(UInt16(fileInodeOffsets[entry] % 8192), 2)
                listing.appendLE(UInt16(entry - index), 2)
                listing.appendLE(UInt16(2), 2)  // basic regular file
                listing.appendLE(UInt16(name.count - 1), 2)
                listing.append(contentsOf: name)
            }
            index = end
        }

        // The root's basic directory inode, last in the inode table.
        let rootOffset = inodes.count
        inodes.appendLE(UInt16(1), 2)
        inodes.appendLE(UInt16(0o755), 2)
        inodes.appendLE(UInt16(0), 2)
        inodes.appendLE(UInt16(0), 2)
        inodes.appendLE(UInt32(1_700_000_000), 4)
        inodes.appendLE(rootNumber, 4)
        inodes.appendLE(UInt32(0), 4)  // listing starts in the first directory block
        inodes.appendLE(UInt32(2), 4)  // link count
        inodes.appendLE(UInt16(listing.count + 3), 2)
        inodes.appendLE(UInt16(0), 2)
        inodes.appendLE(rootNumber + 1, 4)  // parent of the root: inode count + 1, as mksquashfs writes

        var image = [UInt8](repeating: 0, count: Int(dataStart))
        image.append(contentsOf: data)
        let inodeTableStart = UInt64(image.count)
        image.append(contentsOf: Self.metadataBlocks(inodes))
        let directoryTableStart = UInt64(image.count)
        image.append(contentsOf: Self.metadataBlocks(listing))
        let idBlock = UInt64(image.count)
        image.append(contentsOf: Self.metadataBlocks([0, 0, 0, 0]))
        let idTableStart = UInt64(image.count)
        image.appendLE(idBlock, 8)
        let bytesUsed = UInt64(image.count)

        var superblock: [UInt8] = []
        superblock.appendLE(UInt32(0x7371_7368), 4)  // "hsqs"
        superblock.appendLE(inodeCount, 4)
        superblock.appendLE(UInt32(1_700_000_000), 4)
        superblock.appendLE(UInt32(blockSize), 4)
        superblock.appendLE(UInt32(0), 4)  // fragments
        superblock.appendLE(UInt16(1), 2)  // gzip
        superblock.appendLE(blockLog, 2)
        // Uncompressed inodes, data, fragments and ids; no fragments; no xattrs.
        superblock.appendLE(UInt16(0x0001 | 0x0002 | 0x0008 | 0x0010 | 0x0200 | 0x0800), 2)
        superblock.appendLE(UInt16(1), 2)  // ids
        superblock.appendLE(UInt16(4), 2)
        superblock.appendLE(UInt16(0), 2)
        superblock.appendLE(UInt64(rootOffset / 8192 * 8194) << 16 | UInt64(rootOffset % 8192), 8)
        superblock.appendLE(bytesUsed, 8)
        superblock.appendLE(idTableStart, 8)
        superblock.appendLE(UInt64.max, 8)  // xattr id table
        superblock.appendLE(inodeTableStart, 8)
        superblock.appendLE(directoryTableStart, 8)
        superblock.appendLE(UInt64.max, 8)  // fragment table
        superblock.appendLE(UInt64.max, 8)  // export table
        image.replaceSubrange(0..<96, with: superblock)
        // Pad to 4 KiB as the writers do.
        image.append(contentsOf: [UInt8](repeating: 0, count: (4096 - image.count % 4096) % 4096))
        return image
    }

    /// `bytes` cut into uncompressed metadata blocks of 8 KiB (the last one shorter).
    static func metadataBlocks(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 4096 + 2)
        var start = 0
        repeat {
            let end = min(bytes.count, start + 8192)
            result.appendLE(UInt16(0x8000 | (end - start)), 2)
            result.append(contentsOf: bytes[start..<end])
            start = end
        } while start < bytes.count
        return result
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` as `size` little-endian bytes.
    mutating func appendLE<Value: FixedWidthInteger>(_ value: Value, _ size: Int) {
        let wide = UInt64(truncatingIfNeeded: value)
        for index in 0..<size { append(UInt8(truncatingIfNeeded: wide >> (8 * UInt64(index)))) }
    }
}
