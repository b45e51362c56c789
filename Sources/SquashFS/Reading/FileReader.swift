/// Random access to the contents of one regular file in an image.
///
/// Creating a reader loads and validates the file's block list (every block inside the data region, sizes within
/// the block size); reads then decode only the blocks they touch. Sparse blocks read as zeros without touching the
/// image. A reader is a value: copies may be used from several threads at once.
///
/// ```swift
/// let reader = try image.fileReader(at: "/usr/lib/os-release")
/// let head = try reader.read(at: 0, count: 64)
/// ```
public struct FileReader: Sendable {
    /// The file's inode.
    public let inode: Inode
    /// The file's size in bytes.
    public var size: UInt64 { inode.size }

    private let image: SquashFSImage
    private let layout: FileLayout
    /// The on-disk size word of each data block.
    private let sizeWords: [UInt32]
    /// The image offset of each data block.
    private let positions: [UInt64]

    init(image: SquashFSImage, inode: Inode) throws(SquashFSError) {
        guard let layout = inode.file else {
            throw SquashFSError(.notAFile, "\(image.name): inode #\(inode.number) is a \(inode.kind), not a file")
        }
        let limit = image.options.maximumBlockListBytes / 4
        guard layout.blockCount <= limit else {
            throw SquashFSError(
                .limitExceeded,
                "\(image.name): inode #\(inode.number) has \(layout.blockCount) blocks, more than the limit of \(limit)"
            )
        }
        self.image = image
        self.inode = inode
        self.layout = layout
        var sizeWords: [UInt32] = []
        var positions: [UInt64] = []
        if layout.blockCount > 0 {
            let blockSize = image.superblock.blockSize
            let dataEnd = image.superblock.inodeTableStart
            var cursor = try MetadataCursor(
                reader: image.reader, table: image.inodeTable, block: layout.blockListBlock,
                offset: layout.blockListOffset)
            var position = layout.blocksStart
            sizeWords.reserveCapacity(min(layout.blockCount, 1 << 16))
            positions.reserveCapacity(min(layout.blockCount, 1 << 16))
            for index in 0..<layout.blockCount {
                let word = try cursor.readUInt32()
                let stored = word & 0x00FF_FFFF
                guard word & 0xFE00_0000 == 0, stored <= blockSize else {
                    throw SquashFSError.corrupt(
                        "\(image.name): inode #\(inode.number) block \(index) has a bad size word 0x\(String(word, radix: 16))"
                    )
                }
                if stored > 0 {
                    let (end, overflow) = position.addingReportingOverflow(UInt64(stored))
                    guard !overflow, position >= image.dataStart, end <= dataEnd else {
                        throw SquashFSError.corrupt(
                            "\(image.name): inode #\(inode.number) block \(index) at offset \(position) is outside the data region"
                        )
                    }
                }
                sizeWords.append(word)
                positions.append(position)
                position += UInt64(stored)
            }
        }
        self.sizeWords = sizeWords
        self.positions = positions
    }

    private var blockSize: Int { image.blockSize }

    /// The number of data blocks (not counting the fragment tail).
    var blockCount: Int { layout.blockCount }

    /// The fragment block holding the file's tail, if it has one.
    var fragmentIndex: UInt32? { layout.fragmentIndex }

    /// Whether data block `index` is a hole (stored with size 0; reads as zeros).
    func isSparse(_ index: Int) -> Bool { sizeWords[index] & 0x00FF_FFFF == 0 }

    /// The image offset of data block `index`.
    func position(ofBlock index: Int) -> UInt64 { positions[index] }

    /// The decoded size of data block `index`.
    func decodedSize(ofBlock index: Int) -> Int {
        if index < layout.blockCount - 1 || layout.fragmentIndex != nil { return blockSize }
        return Int(inode.size - UInt64(index) * UInt64(blockSize))
    }

    /// Decodes data block `index` into `output`, which is exactly ``decodedSize(ofBlock:)`` bytes.
    func readBlock(_ index: Int, into output: UnsafeMutableRawBufferPointer) throws(SquashFSError) {
        let word = sizeWords[index]
        if word & 0x00FF_FFFF == 0 {
            output.initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        do {
            try image.reader.readDataBlock(
                at: positions[index], sizeWord: word, into: output, exact: true,
                dataEnd: image.superblock.inodeTableStart)
        } catch {
            throw SquashFSError(
                error.code, "\(image.name): inode #\(inode.number) block \(index): \(error.message)",
                underlyingError: error.underlyingError)
        }
    }

    /// Where the file's tail lies inside its decoded fragment block of `blockLength` bytes.
    func tailRange(inFragmentOf blockLength: Int) throws(SquashFSError) -> Range<Int> {
        let tail = Int(inode.size % UInt64(blockSize))
        let start = Int(layout.fragmentOffset)
        guard start + tail <= blockLength else {
            throw SquashFSError.corrupt(
                "\(image.name): inode #\(inode.number): tail of \(tail) bytes at \(start) is past the end of "
                    + "fragment \(layout.fragmentIndex ?? 0) (\(blockLength) bytes)")
        }
        return start..<(start + tail)
    }

    /// The decoded fragment block holding this file's tail, and where the tail is in it.
    private func fragmentTail() throws(SquashFSError) -> (block: [UInt8], range: Range<Int>)? {
        guard let fragment = layout.fragmentIndex else { return nil }
        let block = try image.fragmentBlock(fragment)
        return (block, try tailRange(inFragmentOf: block.count))
    }

    /// Reads the whole file into `buffer`, which must be exactly ``size`` bytes.
    func readAll(into buffer: UnsafeMutableRawBufferPointer) throws(SquashFSError) {
        var offset = 0
        for index in 0..<layout.blockCount {
            let count = decodedSize(ofBlock: index)
            try readBlock(index, into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + count)]))
            offset += count
        }
        if let (block, range) = try fragmentTail() {
            block.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + range.count)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range]))
            }
        }
    }

    /// Reads the whole file.
    ///
    /// - Parameter maximumSize: refuse files larger than this many bytes (`limitExceeded`).
    public func readAll(maximumSize: UInt64 = 1 << 30) throws(SquashFSError) -> [UInt8] {
        guard inode.size <= maximumSize, let count = Int(exactly: inode.size) else {
            throw SquashFSError(
                .limitExceeded, "\(image.name): inode #\(inode.number) is \(inode.size) bytes, over \(maximumSize)")
        }
        return try [UInt8](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(SquashFSError) in
            try readAll(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Reads up to `count` bytes starting at byte `offset`; fewer at the end of the file, none past it.
    ///
    /// Only the blocks that overlap the range are decoded.
    public func read(at offset: UInt64, count: Int) throws(SquashFSError) -> [UInt8] {
        guard count >= 0 else { throw SquashFSError(.invalidArgument, "negative read count \(count)") }
        guard offset < inode.size, count > 0 else { return [] }
        let length = Int(min(UInt64(count), inode.size - offset))
        return try [UInt8](unsafeUninitializedCapacity: length) { (buffer, initialized) throws(SquashFSError) in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = length
        }
    }

    /// Fills `buffer` with the bytes at `offset`; the range must lie inside the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(SquashFSError) {
        let blockSize = UInt64(self.blockSize)
        var done = 0
        // Blocks only partly inside the range are decoded here, then copied; allocated on first need.
        var scratch: UnsafeMutableRawBufferPointer?
        defer { scratch?.deallocate() }
        while done < buffer.count {
            let position = offset + UInt64(done)
            let index = Int(position / blockSize)
            let within = Int(position % blockSize)
            let destination = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            if index < layout.blockCount {
                let blockLength = decodedSize(ofBlock: index)
                let chunk = min(blockLength - within, destination.count)
                if within == 0 && chunk == blockLength {
                    try readBlock(index, into: UnsafeMutableRawBufferPointer(rebasing: destination[0..<chunk]))
                } else {
                    let buffer = scratch ?? .allocate(byteCount: self.blockSize, alignment: 16)
                    scratch = buffer
                    let block = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<blockLength])
                    try readBlock(index, into: block)
                    UnsafeMutableRawBufferPointer(rebasing: destination[0..<chunk])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: block[within..<(within + chunk)]))
                }
                done += chunk
            } else {
                guard let (block, range) = try fragmentTail() else {
                    throw SquashFSError.corrupt("\(image.name): inode #\(inode.number) has no data at \(position)")
                }
                let chunk = min(range.count - within, destination.count)
                block.withUnsafeBytes { source in
                    let start = range.lowerBound + within
                    UnsafeMutableRawBufferPointer(rebasing: destination[0..<chunk])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + chunk)]))
                }
                done += chunk
            }
        }
    }
}

extension SquashFSImage {
    /// The image offset and on-disk size word of fragment block `index`, validated to lie in the data region.
    func fragmentLocation(_ index: UInt32) throws(SquashFSError) -> (start: UInt64, sizeWord: UInt32) {
        let entry = try reader.lookupTableEntry(
            Int(index), entrySize: 16, locations: fragmentIndex, end: superblock.fragmentTableStart,
            name: "fragment table")
        let start = try entry.le64(at: 0)
        let word = try entry.le32(at: 8)
        let stored = UInt64(word & 0x00FF_FFFF)
        let (end, overflow) = start.addingReportingOverflow(stored)
        guard !overflow, start >= dataStart, end <= superblock.inodeTableStart else {
            throw SquashFSError.corrupt("\(name): fragment \(index) at offset \(start) is outside the data region")
        }
        return (start, word)
    }

    /// Decodes fragment block `index` (cached).
    func fragmentBlock(_ index: UInt32) throws(SquashFSError) -> [UInt8] {
        if let cached = fragmentCache.value(for: index) { return cached }
        let (start, word) = try fragmentLocation(index)
        do {
            let block = try [UInt8](unsafeUninitializedCapacity: blockSize) {
                (buffer, initialized) throws(SquashFSError) in
                initialized = try reader.readDataBlock(
                    at: start, sizeWord: word, into: UnsafeMutableRawBufferPointer(buffer), exact: false,
                    dataEnd: superblock.inodeTableStart)
            }
            fragmentCache.insert(block, for: index)
            return block
        } catch {
            throw SquashFSError(
                error.code, "\(name): fragment \(index): \(error.message)", underlyingError: error.underlyingError)
        }
    }

    /// A random-access reader for the regular file at `path` (symbolic links followed).
    public func fileReader(at path: ImagePath) throws(SquashFSError) -> FileReader {
        try FileReader(image: self, inode: try inode(at: path))
    }

    /// A random-access reader for a regular file's inode.
    public func fileReader(for inode: Inode) throws(SquashFSError) -> FileReader {
        try FileReader(image: self, inode: inode)
    }

    /// Reads the whole regular file at `path`, following symbolic links inside the image.
    ///
    /// - Parameters:
    ///   - path: the file's path inside the image.
    ///   - maximumSize: refuse files larger than this (`limitExceeded`), so a hostile size cannot exhaust memory.
    /// - Throws: ``SquashFSError`` (`notFound`, `notAFile`, `corrupt`, `decompression`, `limitExceeded`).
    public func contentsOfFile(at path: ImagePath, maximumSize: UInt64 = 1 << 30) throws(SquashFSError) -> [UInt8] {
        try fileReader(at: path).readAll(maximumSize: maximumSize)
    }

    /// Reads the whole regular file at `path`; see ``contentsOfFile(at:maximumSize:)-(ImagePath,_)``.
    public func contentsOfFile(at path: String, maximumSize: UInt64 = 1 << 30) throws(SquashFSError) -> [UInt8] {
        try contentsOfFile(at: ImagePath(path), maximumSize: maximumSize)
    }
}

extension SquashFSImage {
    /// Where the tail of the file `inode` lies inside its decoded fragment block of `blockLength` bytes.
    func tailRange(of inode: Inode, inFragmentOf blockLength: Int) throws(SquashFSError) -> Range<Int> {
        let tail = Int(inode.size % UInt64(blockSize))
        let start = Int(inode.file?.fragmentOffset ?? 0)
        guard start + tail <= blockLength else {
            throw SquashFSError.corrupt(
                "\(name): inode #\(inode.number): tail of \(tail) bytes at \(start) is past the end of "
                    + "fragment \(inode.file?.fragmentIndex ?? 0) (\(blockLength) bytes)")
        }
        return start..<(start + tail)
    }
}
