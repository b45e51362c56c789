/// The last metadata block a reader used, so that the next lookup in the same block skips the shared cache.
struct MetadataBlockMemo {
    var position: UInt64 = .max
    var block: MetadataBlock?
}

/// A table made of consecutive metadata blocks: the inode table, the directory table, the xattr key/value table.
struct MetadataTable: Sendable {
    var start: UInt64
    var end: UInt64
    /// For messages; static so that copying a cursor costs no reference counting.
    var name: StaticString
}

/// Reads records from a metadata table, crossing block boundaries as records straddle them.
///
/// Blocks are only ever followed forwards (`next = position + 2 + size`, bounded by the table's end), so a single
/// read cannot loop.
struct MetadataCursor {
    let reader: BlockReader
    let table: MetadataTable
    private(set) var blockPosition: UInt64
    private var block: [UInt8]
    private var next: UInt64
    private(set) var offset: Int

    /// Positions a cursor at `offset` inside the block `relativeBlock` bytes after the table's start.
    init(reader: BlockReader, table: MetadataTable, block relativeBlock: UInt64, offset: Int) throws(SquashFSError) {
        var memo = MetadataBlockMemo()
        try self.init(reader: reader, table: table, block: relativeBlock, offset: offset, memo: &memo)
    }

    /// Positions a cursor as above, reusing `memo`'s block when it is the same one (consecutive inodes of a
    /// directory usually share a block), and remembering the block in `memo` otherwise.
    init(
        reader: BlockReader, table: MetadataTable, block relativeBlock: UInt64, offset: Int,
        memo: inout MetadataBlockMemo
    ) throws(SquashFSError) {
        let (position, overflow) = table.start.addingReportingOverflow(relativeBlock)
        guard !overflow, position < table.end else {
            throw SquashFSError.corrupt("reference to block \(relativeBlock) is outside the \(table.name)")
        }
        let decoded: MetadataBlock
        if memo.position == position, let block = memo.block {
            decoded = block
        } else {
            decoded = try reader.metadataBlock(at: position, end: table.end)
            memo = MetadataBlockMemo(position: position, block: decoded)
        }
        guard offset >= 0, offset <= decoded.bytes.count else {
            throw SquashFSError.corrupt(
                "offset \(offset) is past the end of the \(table.name) block at \(relativeBlock) "
                    + "(\(decoded.bytes.count) bytes)"
            )
        }
        self.reader = reader
        self.table = table
        self.blockPosition = position
        self.block = decoded.bytes
        self.next = decoded.next
        self.offset = offset
    }

    /// A cursor with no data, for an empty directory listing (which may point past an empty directory table).
    init(emptyIn table: MetadataTable, reader: BlockReader) {
        self.reader = reader
        self.table = table
        self.blockPosition = table.end
        self.block = []
        self.next = table.end
        self.offset = 0
    }

    /// The position as (block relative to the table, offset), as references store it.
    var position: (block: UInt64, offset: Int) { (blockPosition - table.start, offset) }

    private mutating func advance() throws(SquashFSError) {
        guard next < table.end else {
            throw SquashFSError.corrupt("record runs past the end of the \(table.name)")
        }
        let decoded = try reader.metadataBlock(at: next, end: table.end)
        blockPosition = next
        block = decoded.bytes
        next = decoded.next
        offset = 0
    }

    /// Copies `count` bytes into `destination`, crossing blocks as needed.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) throws(SquashFSError) {
        var done = 0
        while done < destination.count {
            if offset == block.count { try advance() }
            let chunk = min(destination.count - done, block.count - offset)
            block.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: destination[done..<(done + chunk)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + chunk)]))
            }
            done += chunk
            offset += chunk
        }
    }

    /// Calls `body` with the next `count` bytes and moves past them: a pointer into the decoded block when the bytes
    /// are contiguous there (no copy), a temporary copy when they straddle blocks. `count` must be bounded.
    mutating func withBytes<Result>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws(SquashFSError) -> Result)
        throws(SquashFSError)
        -> Result
    {
        if offset + count <= block.count {
            let start = offset
            offset += count
            return try block.withUnsafeBufferPointer { (buffer) throws(SquashFSError) in
                try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[start..<(start + count)]))
            }
        }
        let copy = try readBytes(count)
        return try copy.withUnsafeBufferPointer { (buffer) throws(SquashFSError) in
            try body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Reads `count` bytes as a slice that shares the decoded block's storage when the bytes are contiguous there
    /// (no copy); `count` must be bounded.
    mutating func readSlice(_ count: Int) throws(SquashFSError) -> ArraySlice<UInt8> {
        if offset + count <= block.count {
            defer { offset += count }
            return block[offset..<(offset + count)]
        }
        return try readBytes(count)[...]
    }

    /// Reads `count` bytes; `count` must already be bounded by the caller.
    mutating func readBytes(_ count: Int) throws(SquashFSError) -> [UInt8] {
        if offset + count <= block.count {
            defer { offset += count }
            return Array(block[offset..<(offset + count)])
        }
        return try [UInt8](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(SquashFSError) in
            try read(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    @inline(__always)
    private mutating func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws(SquashFSError) -> T {
        let size = MemoryLayout<T>.size
        if offset + size <= block.count {
            let value = block.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
            offset += size
            return T(littleEndian: value)
        }
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { (bytes) throws(SquashFSError) in try read(into: bytes) }
        return T(littleEndian: value)
    }

    mutating func readUInt16() throws(SquashFSError) -> UInt16 { try readInteger(UInt16.self) }
    mutating func readUInt32() throws(SquashFSError) -> UInt32 { try readInteger(UInt32.self) }
    mutating func readUInt64() throws(SquashFSError) -> UInt64 { try readInteger(UInt64.self) }
}
