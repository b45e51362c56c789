// The .xz container (file format spec 1.x, sections 2-4): stream header and footer, block headers with their filter
// flags, block padding and check, and the index. The rules are liblzma 5.4's, which the spec states: variable
// length integers of at most nine bytes with no redundant trailing zero byte, reserved flag bits and padding zero,
// every CRC32 verified, the index equal to the blocks decoded, the footer's flags equal to the header's.

/// The parts of a .xz stream, read from one input buffer.
enum XZStream {
    /// The six magic bytes that open a stream.
    static let headerMagic: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]
    /// The two magic bytes that close it.
    static let footerMagic: [UInt8] = [0x59, 0x5A]
    /// Stream header and footer size.
    static let headerSize = 12
    /// The largest unpadded block size the index may record (`LZMA_VLI_MAX` rounded down to a multiple of 4).
    static let maximumUnpaddedSize: UInt64 = (UInt64.max >> 1) & ~3
    /// The smallest unpadded block size (a header of 8 bytes, no check, 1 byte of data... as liblzma counts: 5).
    static let minimumUnpaddedSize: UInt64 = 5
    /// Filter IDs from here up are reserved (liblzma's `LZMA_FILTER_RESERVED_START`).
    static let reservedFilterIDs: UInt64 = 1 << 62
    /// The LZMA2 filter ID.
    static let lzma2FilterID: UInt64 = 0x21
    /// The delta filter ID.
    static let deltaFilterID: UInt64 = 0x03

    /// What went wrong, by liblzma's return code (`lzma_ret`) for the same condition.
    enum Code: Int {
        case memoryLimit = 6
        case format = 7
        case options = 8
        case data = 9
        case buffer = 10
    }

    /// A failure of the native xz decoder.
    static func failure(_ code: Code, _ detail: String) -> DecompressionFailure {
        DecompressionFailure(library: "native xz", code: code.rawValue, detail: detail)
    }

    // MARK: - Primitive fields

    /// A little-endian 32-bit field at `offset` (the caller guarantees four bytes).
    static func read32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    /// The CRC32 of `bytes[range]` (the caller guarantees the range is inside).
    static func crc32(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt32 {
        IntegrityCheck.crc32(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// A variable-length integer at `position`, which must end before `limit`: seven bits a byte, least
    /// significant first, at most nine bytes, and no trailing zero byte after the first (liblzma refuses the
    /// redundant form).
    static func readInteger(_ bytes: UnsafeRawBufferPointer, _ position: inout Int, limit: Int)
        throws(DecompressionFailure) -> UInt64
    {
        var value: UInt64 = 0
        for index in 0..<9 {
            guard position < limit else { throw failure(.data, "integer field cut short") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                guard byte != 0 || index == 0 else { throw failure(.data, "integer field with a redundant zero byte") }
                return value
            }
        }
        throw failure(.data, "integer field longer than nine bytes")
    }

    /// The number of bytes the shortest encoding of `value` takes.
    static func integerSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    // MARK: - Stream header and footer

    /// The check ID from the stream header at the start of `bytes`.
    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws(DecompressionFailure) -> UInt8 {
        guard bytes.count >= headerSize else { throw failure(.buffer, "truncated stream header") }
        for index in 0..<6 where bytes[index] != headerMagic[index] {
            throw failure(.format, "not an xz stream (magic bytes)")
        }
        guard crc32(bytes, 6..<8) == read32(bytes, 8) else { throw failure(.data, "stream header CRC32 mismatch") }
        return try checkID(flags: bytes[6], bytes[7])
    }

    /// The check ID from the two stream flag bytes (the first and the high half of the second are reserved).
    static func checkID(flags first: UInt8, _ second: UInt8) throws(DecompressionFailure) -> UInt8 {
        guard first == 0, second & 0xF0 == 0 else { throw failure(.options, "reserved stream flags set") }
        return second
    }

    /// Checks the stream footer at `offset` (which must be the end of `bytes`): CRC32, backward size equal to the
    /// index size, flags equal to the header's, magic.
    static func readFooter(_ bytes: UnsafeRawBufferPointer, at offset: Int, indexSize: Int, checkID: UInt8)
        throws(DecompressionFailure)
    {
        guard bytes.count - offset >= headerSize else { throw failure(.buffer, "truncated stream footer") }
        guard bytes[offset + 10] == footerMagic[0], bytes[offset + 11] == footerMagic[1] else {
            throw failure(.data, "stream footer magic bytes missing")
        }
        guard crc32(bytes, offset + 4..<offset + 10) == read32(bytes, offset) else {
            throw failure(.data, "stream footer CRC32 mismatch")
        }
        let footerCheck = try Self.checkID(flags: bytes[offset + 8], bytes[offset + 9])
        let backwardSize = (Int(read32(bytes, offset + 4)) + 1) * 4
        guard backwardSize == indexSize else { throw failure(.data, "backward size does not match the index") }
        guard footerCheck == checkID else { throw failure(.data, "stream footer flags differ from the header's") }
        guard offset + headerSize == bytes.count else {
            throw failure(.data, "\(bytes.count - offset - headerSize) bytes after the end of the stream")
        }
    }

    // MARK: - Block header

    /// One filter of a block's chain, with its decoded properties.
    enum Filter: Equatable {
        /// LZMA2 with its dictionary size.
        case lzma2(dictionarySize: UInt32)
        /// A BCJ filter with its start offset.
        case branch(BranchFilter, startOffset: UInt32)
        /// Delta with its distance (1...256).
        case delta(distance: Int)
    }

    /// A decoded block header.
    struct BlockHeader {
        /// The header's size in bytes, 8...1024.
        var size: Int
        /// The compressed size the header declares, if it does.
        var compressedSize: UInt64?
        /// The uncompressed size the header declares, if it does.
        var uncompressedSize: UInt64?
        /// The filter chain in header order (LZMA2 last).
        var filters: [Filter]
        /// The LZMA2 dictionary size.
        var dictionarySize: UInt32
    }

    /// The block header at `offset` (whose first byte is non-zero), checked as liblzma checks it, for a stream
    /// whose check has `checkSize` bytes.
    static func readBlockHeader(_ bytes: UnsafeRawBufferPointer, at offset: Int, checkSize: Int)
        throws(DecompressionFailure) -> BlockHeader
    {
        let size = (Int(bytes[offset]) + 1) * 4
        guard bytes.count - offset >= size else { throw failure(.buffer, "truncated block header") }
        let end = offset + size - 4
        guard crc32(bytes, offset..<end) == read32(bytes, end) else {
            throw failure(.data, "block header CRC32 mismatch")
        }
        let flags = bytes[offset + 1]
        guard flags & 0x3C == 0 else { throw failure(.options, "reserved block flags set") }
        var position = offset + 2
        var compressedSize: UInt64?
        if flags & 0x40 != 0 {
            let value = try readInteger(bytes, &position, limit: end)
            // liblzma's lzma_block_unpadded_size: non-zero, and the unpadded size a valid VLI.
            guard value != 0, value <= maximumUnpaddedSize - UInt64(size + checkSize) else {
                throw failure(.data, "invalid compressed size in the block header")
            }
            compressedSize = value
        }
        var uncompressedSize: UInt64?
        if flags & 0x80 != 0 { uncompressedSize = try readInteger(bytes, &position, limit: end) }
        var filters: [Filter] = []
        for _ in 0...Int(flags & 0x03) {
            filters.append(try readFilter(bytes, &position, limit: end))
        }
        while position < end {
            guard bytes[position] == 0 else { throw failure(.options, "non-zero block header padding") }
            position += 1
        }
        // The chain: LZMA2 last, and only last (liblzma's validate_chain).
        var dictionarySize: UInt32 = 0
        for (index, filter) in filters.enumerated() {
            let isLast = index == filters.count - 1
            switch filter {
            case .lzma2(let size):
                guard isLast else { throw failure(.options, "LZMA2 is not the last filter") }
                dictionarySize = size
            case .branch, .delta:
                guard !isLast else { throw failure(.options, "the last filter is not LZMA2") }
            }
        }
        // liblzma's memory use for the chain is the dictionary plus under 64 KiB; with the dictionary sizes the
        // property can express, its 64 MiB limit refuses exactly the dictionaries of 64 MiB and more.
        guard UInt64(dictionarySize) + 65536 <= blockLZMAMemoryLimit else {
            throw failure(.memoryLimit, "needs more than \(blockLZMAMemoryLimit >> 20) MiB")
        }
        return BlockHeader(
            size: size, compressedSize: compressedSize, uncompressedSize: uncompressedSize, filters: filters,
            dictionarySize: dictionarySize)
    }

    /// One filter flags field: ID, properties size, properties.
    private static func readFilter(_ bytes: UnsafeRawBufferPointer, _ position: inout Int, limit: Int)
        throws(DecompressionFailure) -> Filter
    {
        let id = try readInteger(bytes, &position, limit: limit)
        guard id < reservedFilterIDs else { throw failure(.data, "reserved filter ID \(id)") }
        let propertiesSize = try readInteger(bytes, &position, limit: limit)
        guard propertiesSize <= UInt64(limit - position) else {
            throw failure(.data, "filter properties larger than the block header")
        }
        let properties = UnsafeRawBufferPointer(rebasing: bytes[position..<position + Int(propertiesSize)])
        position += Int(propertiesSize)
        switch id {
        case lzma2FilterID:
            guard properties.count == 1, properties[0] & 0xC0 == 0, properties[0] <= 40 else {
                throw failure(.options, "invalid LZMA2 properties")
            }
            let byte = UInt32(properties[0])
            let size: UInt32 = byte == 40 ? .max : (2 | (byte & 1)) << (byte / 2 + 11)
            return .lzma2(dictionarySize: size)
        case deltaFilterID:
            guard properties.count == 1 else { throw failure(.options, "invalid delta properties") }
            return .delta(distance: Int(properties[0]) + 1)
        default:
            guard let branch = BranchFilter(rawValue: id) else {
                throw failure(.options, "unsupported filter ID \(id)")
            }
            switch properties.count {
            case 0:
                return .branch(branch, startOffset: 0)
            case 4:
                let start = read32(properties, 0)
                guard start % branch.alignment == 0 else {
                    throw failure(.options, "BCJ start offset \(start) not a multiple of \(branch.alignment)")
                }
                return .branch(branch, startOffset: start)
            default:
                throw failure(.options, "invalid BCJ properties")
            }
        }
    }

    // MARK: - Index

    /// One block as the index records it.
    struct Record: Equatable {
        /// Block header + compressed data + check (no padding).
        var unpaddedSize: UInt64
        /// The block's uncompressed size.
        var uncompressedSize: UInt64
    }

    /// Checks the index at `offset` (its indicator byte 0x00) against the blocks decoded, and returns its size.
    static func readIndex(_ bytes: UnsafeRawBufferPointer, at offset: Int, blocks: [Record])
        throws(DecompressionFailure) -> Int
    {
        let limit = bytes.count
        var position = offset + 1
        let count = try readInteger(bytes, &position, limit: limit)
        guard count == UInt64(blocks.count) else {
            throw failure(.data, "the index lists \(count) blocks, the stream has \(blocks.count)")
        }
        for block in blocks {
            let unpadded = try readInteger(bytes, &position, limit: limit)
            guard unpadded >= minimumUnpaddedSize, unpadded <= maximumUnpaddedSize else {
                throw failure(.data, "invalid unpadded size in the index")
            }
            let uncompressed = try readInteger(bytes, &position, limit: limit)
            guard Record(unpaddedSize: unpadded, uncompressedSize: uncompressed) == block else {
                throw failure(.data, "the index does not match the blocks")
            }
        }
        while (position - offset) % 4 != 0 {
            guard position < limit else { throw failure(.buffer, "truncated index") }
            guard bytes[position] == 0 else { throw failure(.data, "non-zero index padding") }
            position += 1
        }
        guard limit - position >= 4 else { throw failure(.buffer, "truncated index") }
        guard crc32(bytes, offset..<position) == read32(bytes, position) else {
            throw failure(.data, "index CRC32 mismatch")
        }
        return position + 4 - offset
    }
}
