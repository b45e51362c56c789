/// Consecutive data blocks of one file, with their size words and image offsets: what one extraction work item
/// decodes and writes.
struct BlockRun: Sendable {
    /// The index of the first block in the file.
    var first: Int
    /// The on-disk size word of each block (0 in the low 24 bits for a hole).
    var sizeWords: [UInt32]
    /// The image offset of each block.
    var positions: [UInt64]

    /// The block indexes in the file.
    var blocks: Range<Int> { first..<(first + sizeWords.count) }
}

/// Reads one file's block list a run at a time, front to back, checking each size word as ``FileReader`` does.
///
/// Only the run being handed out is held in memory: extraction memory follows the work items in flight, not the
/// files in the image (16 sparse 64 GiB files with 4 KiB blocks once held 3.3 GB of block lists before the first
/// byte was written).
struct BlockListReader {
    private let image: SquashFSImage
    private let inode: Inode
    private let blockCount: Int
    private var cursor: MetadataCursor?
    private var position: UInt64
    private var next = 0

    /// Positions a reader at the start of the block list of `inode`, a regular file.
    init(image: SquashFSImage, inode: Inode) throws(SquashFSError) {
        guard let layout = inode.file else {
            throw SquashFSError(.notAFile, "\(image.name): inode #\(inode.number) is a \(inode.kind), not a file")
        }
        self.image = image
        self.inode = inode
        self.blockCount = layout.blockCount
        self.position = layout.blocksStart
        if layout.blockCount > 0 {
            cursor = try MetadataCursor(
                reader: image.reader, table: image.inodeTable, block: layout.blockListBlock,
                offset: layout.blockListOffset)
        }
    }

    /// Whether every block has been handed out.
    var isFinished: Bool { next >= blockCount }

    /// The next `count` blocks (fewer at the end of the file).
    ///
    /// - Throws: `corrupt` for a size word with unknown bits set, larger than the block size, or pointing outside
    ///   the data region; any error reading the inode table.
    mutating func nextRun(count: Int) throws(SquashFSError) -> BlockRun {
        let first = next
        let end = first + min(max(count, 0), blockCount - first)
        let blockSize = image.superblock.blockSize
        let dataEnd = image.superblock.inodeTableStart
        var sizeWords: [UInt32] = []
        var positions: [UInt64] = []
        sizeWords.reserveCapacity(end - first)
        positions.reserveCapacity(end - first)
        guard var cursor = cursor else { return BlockRun(first: first, sizeWords: [], positions: []) }
        for index in first..<end {
            let word = try cursor.readUInt32()
            let stored = word & 0x00FF_FFFF
            guard word & 0xFE00_0000 == 0, stored <= blockSize else {
                throw SquashFSError.corrupt(
                    "\(image.name): inode #\(inode.number) block \(index) has a bad size word "
                        + "0x\(String(word, radix: 16))")
            }
            let (blockEnd, overflow) = position.addingReportingOverflow(UInt64(stored))
            if stored > 0 {
                guard !overflow, position >= image.dataStart, blockEnd <= dataEnd else {
                    throw SquashFSError.corrupt(
                        "\(image.name): inode #\(inode.number) block \(index) at offset \(position) is outside the "
                            + "data region")
                }
            }
            sizeWords.append(word)
            positions.append(position)
            position = blockEnd
        }
        self.cursor = cursor
        next = end
        return BlockRun(first: first, sizeWords: sizeWords, positions: positions)
    }
}
