import Synchronization
internal import SystemLayer

/// How a regular file's contents are stored in an image: each data block's size word and position as stored
/// (compressed or not, sparse blocks with size 0), and the fragment block holding its tail.
///
/// Two files whose stored blocks are byte-for-byte identical have identical contents; that can be proven by comparing
/// stored bytes (``SquashFSImage/readStoredBytes(at:count:into:)``) without decompressing anything.
package struct StoredFileContent: Sendable, Hashable {
    /// A data block as stored.
    package struct Block: Sendable, Hashable {
        /// The on-disk size word: the stored size in the low 24 bits, bit 24 set when stored uncompressed.
        package var sizeWord: UInt32
        /// The image offset of the stored bytes (meaningless for a sparse block).
        package var position: UInt64
        /// The number of stored bytes; 0 for a sparse block.
        package var storedSize: Int { Int(sizeWord & 0x00FF_FFFF) }
        /// Whether the block is a hole (reads as zeros, nothing stored).
        package var isSparse: Bool { storedSize == 0 }
        /// Whether the stored bytes are the data itself.
        package var isUncompressed: Bool { sizeWord & 0x0100_0000 != 0 }
    }

    /// The fragment block holding a file's tail, as stored, and where the tail is inside the decoded block.
    package struct Fragment: Sendable, Hashable {
        /// The fragment's index in the fragment table.
        package var index: UInt32
        /// The fragment block as stored (its size word and image offset).
        package var block: Block
        /// Where the tail starts inside the decoded fragment block.
        package var offset: Int
        /// The tail's length in bytes.
        package var length: Int
    }

    /// The file's size in bytes.
    package var size: UInt64
    /// The image's block size: every data block but the last decodes to this many bytes.
    package var blockSize: Int
    /// The data blocks, in file order (not counting the tail in a fragment).
    package var blocks: [Block]
    /// The fragment holding the tail, if the file has one.
    package var fragment: Fragment?

    /// The decoded size of data block `index`.
    package func decodedSize(ofBlock index: Int) -> Int {
        if index < blocks.count - 1 || fragment != nil { return blockSize }
        return Int(size - UInt64(index) * UInt64(blockSize))
    }
}

extension SquashFSImage {
    /// The stored layout of a regular file: its block list read and validated as ``FileReader`` does (each size
    /// word well formed and at most the block size, every stored block inside the data region), and its fragment's
    /// location from the fragment table.
    ///
    /// - Throws: ``SquashFSError`` (`notAFile`, `limitExceeded` for a block list over
    ///   ``Options/maximumBlockListBytes``, `corrupt`).
    package func storedContent(of inode: Inode) throws(SquashFSError) -> StoredFileContent {
        guard let layout = inode.file else {
            throw SquashFSError(.notAFile, "\(name): inode #\(inode.number) is a \(inode.kind), not a file")
        }
        let limit = options.maximumBlockListBytes / 4
        guard layout.blockCount <= limit else {
            throw SquashFSError(
                .limitExceeded,
                "\(name): inode #\(inode.number) has \(layout.blockCount) blocks, more than the limit of \(limit)")
        }
        var blocks: [StoredFileContent.Block] = []
        if layout.blockCount > 0 {
            let dataEnd = superblock.inodeTableStart
            var cursor = try MetadataCursor(
                reader: reader, table: inodeTable, block: layout.blockListBlock, offset: layout.blockListOffset)
            var position = layout.blocksStart
            blocks.reserveCapacity(min(layout.blockCount, 1 << 16))
            for index in 0..<layout.blockCount {
                let word = try cursor.readUInt32()
                let stored = word & 0x00FF_FFFF
                guard word & 0xFE00_0000 == 0, stored <= superblock.blockSize else {
                    throw SquashFSError.corrupt(
                        "\(name): inode #\(inode.number) block \(index) has a bad size word 0x\(String(word, radix: 16))"
                    )
                }
                let (end, overflow) = position.addingReportingOverflow(UInt64(stored))
                if stored > 0 {
                    guard !overflow, position >= dataStart, end <= dataEnd else {
                        throw SquashFSError.corrupt(
                            "\(name): inode #\(inode.number) block \(index) at offset \(position) is outside the data region"
                        )
                    }
                }
                blocks.append(StoredFileContent.Block(sizeWord: word, position: position))
                if !overflow { position = end }
            }
        }
        var fragment: StoredFileContent.Fragment?
        if let index = layout.fragmentIndex {
            let (start, word) = try fragmentLocation(index)
            let length = Int(inode.size % UInt64(superblock.blockSize))
            fragment = StoredFileContent.Fragment(
                index: index, block: StoredFileContent.Block(sizeWord: word, position: start),
                offset: Int(layout.fragmentOffset), length: length)
        }
        return StoredFileContent(size: inode.size, blockSize: blockSize, blocks: blocks, fragment: fragment)
    }

    /// Reads a block's stored bytes (compressed or not, exactly as they are in the image) into `buffer`, which must
    /// hold at least ``StoredFileContent/Block/storedSize`` bytes; returns the number of bytes read.
    ///
    /// - Throws: ``SquashFSError`` (`corrupt` when the range is not inside the data region, `io`).
    @discardableResult
    package func readStoredBytes(of block: StoredFileContent.Block, into buffer: UnsafeMutableRawBufferPointer)
        throws(SquashFSError) -> Int
    {
        let count = block.storedSize
        guard count <= buffer.count else {
            throw SquashFSError(
                .invalidArgument, "\(name): a buffer of \(buffer.count) bytes for \(count) stored bytes")
        }
        guard count > 0 else { return 0 }
        let (end, overflow) = block.position.addingReportingOverflow(UInt64(count))
        guard !overflow, block.position >= dataStart, end <= superblock.inodeTableStart else {
            throw SquashFSError.corrupt(
                "\(name): \(count) stored bytes at offset \(block.position) are outside the data region")
        }
        try reader.file.read(
            into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: block.position,
            limit: superblock.inodeTableStart)
        return count
    }

    /// Decodes fragment block `index` (through the fragment cache).
    ///
    /// - Throws: ``SquashFSError`` (`corrupt`, `decompression`, `io`).
    package func decodedFragmentBlock(_ index: UInt32) throws(SquashFSError) -> [UInt8] {
        try fragmentBlock(index)
    }
}

/// Decodes fragment blocks of one or more images on all cores, each request at most once; the result for request
/// `i` is at index `i` (a failure for one block does not stop the others).
package func decodeFragmentBlocks(_ requests: [(image: SquashFSImage, index: UInt32)]) -> [Result<
    [UInt8], SquashFSError
>] {
    let workers = min(requests.count, Processes.onlineProcessorCount)
    guard workers > 1 else {
        return requests.map { request in
            Result { () throws(SquashFSError) in try request.image.fragmentBlock(request.index) }
        }
    }
    let results = DecodeResults(count: requests.count)
    let work = requests.map { ($0.image, $0.index) }
    onDedicatedThreadsWaiting(workers) { worker in
        for slot in stride(from: worker, to: work.count, by: workers) {
            let (image, index) = work[slot]
            results.set(slot, Result { () throws(SquashFSError) in try image.fragmentBlock(index) })
        }
    }
    return results.take()
}

/// The results of parallel decoding, each slot written by exactly one worker.
private final class DecodeResults: Sendable {
    private let results: Mutex<[Result<[UInt8], SquashFSError>]>

    init(count: Int) { results = Mutex(Array(repeating: .success([]), count: count)) }

    func set(_ slot: Int, _ result: Result<[UInt8], SquashFSError>) {
        results.withLock { $0[slot] = result }
    }

    func take() -> [Result<[UInt8], SquashFSError>] { results.withLock { $0 } }
}
