internal import Decompression
internal import SystemLayer

/// One decoded metadata block and the image offset of the block after it.
struct MetadataBlock: Sendable {
    var bytes: [UInt8]
    var next: UInt64
}

/// Reads and decodes the image's blocks: 8 KiB metadata blocks (cached) and data blocks (into caller buffers).
final class BlockReader: Sendable {
    static let metadataBlockSize = 8192

    let file: ImageFile
    let superblock: Superblock
    let pool: DecompressorPool
    let metadataCache: BoundedCache<UInt64, MetadataBlock>

    init(file: ImageFile, superblock: Superblock, options: SquashFSImage.Options) throws(SquashFSError) {
        self.file = file
        self.superblock = superblock
        self.pool = try DecompressorPool(
            compressor: superblock.compressor, zlibEngine: options.zlibEngine, xzEngine: options.xzDecoder.engine,
            blockSize: Int(superblock.blockSize))
        self.metadataCache = BoundedCache(capacity: options.metadataCacheBlocks)
    }

    /// Reads the metadata block whose 2-byte header is at `position`; the block must end at or before `end`.
    func metadataBlock(at position: UInt64, end: UInt64) throws(SquashFSError) -> MetadataBlock {
        if let cached = metadataCache.value(for: position) { return cached }
        guard position < end, end <= superblock.bytesUsed else {
            throw SquashFSError.corrupt("metadata block at offset \(position) is outside its table (ends at \(end))")
        }
        let block = try pool.withSlot { (slot) throws(SquashFSError) -> MetadataBlock in
            let available = Int(min(UInt64(Self.metadataBlockSize + 2), end - position))
            let raw = UnsafeMutableRawBufferPointer(rebasing: slot.scratch[0..<available])
            try file.read(into: raw, at: position, limit: end)
            return try decodeMetadataBlock(UnsafeRawBufferPointer(raw), at: position, using: slot.decompressor)
        }
        metadataCache.insert(block, for: position)
        return block
    }

    /// Decodes the metadata block at the start of `raw` (its header at image offset `position`); `raw` may extend
    /// past the block.
    private func decodeMetadataBlock(
        _ raw: UnsafeRawBufferPointer, at position: UInt64, using decompressor: any BlockDecompressor
    )
        throws(SquashFSError) -> MetadataBlock
    {
        guard raw.count >= 3 else { throw SquashFSError.corrupt("metadata block at offset \(position) is truncated") }
        let header = raw.le16(0)
        let size = Int(header & 0x7FFF)
        guard size > 0, size <= Self.metadataBlockSize, size + 2 <= raw.count else {
            throw SquashFSError.corrupt(
                "metadata block at offset \(position) has a bad size \(size) (header 0x\(String(header, radix: 16)))")
        }
        let payload = UnsafeRawBufferPointer(rebasing: raw[2..<(2 + size)])
        let next = position + 2 + UInt64(size)
        if header & 0x8000 != 0 { return MetadataBlock(bytes: Array(payload), next: next) }
        do {
            let bytes = try [UInt8](unsafeUninitializedCapacity: Self.metadataBlockSize) {
                (output, count) throws(SquashFSError) in
                count = try decompressor.decode(payload, into: UnsafeMutableRawBufferPointer(output))
            }
            return MetadataBlock(bytes: bytes, next: next)
        } catch {
            throw SquashFSError(
                .decompression, "metadata block at offset \(position) does not decompress",
                underlyingError: error.underlyingError)
        }
    }

    /// Decodes every metadata block of the table region `start..<end` into the cache, on all cores, so that a
    /// following walk of the whole tree finds them decoded.
    ///
    /// The region is read with one `pread` and its block headers are followed without decompressing; blocks are then
    /// decoded in parallel, one decompressor per worker. Nothing is done when the region holds more blocks than the
    /// cache keeps. Errors are ignored here: the reads that need a bad block report it.
    func preloadMetadata(from start: UInt64, to end: UInt64, maximumBlocks: Int) {
        // Each block takes at most 8194 bytes on disk; a region larger than the cache could hold is left alone.
        let (limit, overflow) = UInt64(max(0, maximumBlocks)).multipliedReportingOverflow(by: 8194)
        guard start < end, end <= superblock.bytesUsed, overflow || end - start <= limit else { return }
        guard let region = try? file.read(count: Int(end - start), at: start, limit: end) else { return }
        var blocks: [Range<Int>] = []
        var offset = 0
        while offset + 2 <= region.count, blocks.count < maximumBlocks {
            let size = Int(region.withUnsafeBytes { $0.le16(offset) } & 0x7FFF)
            guard size > 0, size <= Self.metadataBlockSize, offset + 2 + size <= region.count else { break }
            if metadataCache.value(for: start + UInt64(offset)) == nil { blocks.append(offset..<(offset + 2 + size)) }
            offset += 2 + size
        }
        let pending = blocks
        let workers = min(pending.count / 8, Processes.onlineProcessorCount)
        guard workers > 1 else { return }
        onDedicatedThreadsWaiting(workers) { [self] worker in
            _ = try? pool.withSlot { (slot) throws(SquashFSError) in
                try region.withUnsafeBufferPointer { (buffer) throws(SquashFSError) in
                    let bytes = UnsafeRawBufferPointer(buffer)
                    for index in stride(from: worker, to: pending.count, by: workers) {
                        let range = pending[index]
                        let position = start + UInt64(range.lowerBound)
                        let block = try decodeMetadataBlock(
                            UnsafeRawBufferPointer(rebasing: bytes[range]), at: position, using: slot.decompressor)
                        metadataCache.insert(block, for: position)
                    }
                }
            }
        }
    }

    /// Reads a table of `count` fixed-size entries stored in metadata blocks whose locations are listed (as
    /// little-endian `UInt64`s) at `start`; every block but the last must decode to exactly 8 KiB.
    ///
    /// - Returns: the block locations, validated to be increasing and inside `blockRegion`.
    func lookupTableBlocks(
        start: UInt64, count: Int, entrySize: Int, blockRegion: Range<UInt64>, end: UInt64, name: String
    )
        throws(SquashFSError) -> [UInt64]
    {
        let bytes = try count.multiplied(by: entrySize, "\(name) size")
        let blocks = (bytes + Self.metadataBlockSize - 1) / Self.metadataBlockSize
        let indexBytes = try blocks.multiplied(by: 8, "\(name) index size")
        guard UInt64(indexBytes) <= end, start <= end - UInt64(indexBytes) else {
            throw SquashFSError.corrupt("\(name) index at offset \(start) (\(blocks) blocks) runs past offset \(end)")
        }
        let index = try file.read(count: indexBytes, at: start, limit: end)
        var locations: [UInt64] = []
        locations.reserveCapacity(blocks)
        for block in 0..<blocks {
            let location = try index.le64(at: block * 8)
            guard blockRegion.contains(location), location > (locations.last ?? 0) || block == 0 else {
                throw SquashFSError.corrupt(
                    "\(name) block \(block) at offset \(location) is outside \(blockRegion) or out of order")
            }
            locations.append(location)
        }
        return locations
    }

    /// Reads entry `index` of a lookup table whose blocks are at `locations`.
    func lookupTableEntry(_ index: Int, entrySize: Int, locations: [UInt64], end: UInt64, name: String)
        throws(SquashFSError)
        -> [UInt8]
    {
        let byteOffset = try index.multiplied(by: entrySize, "\(name) entry offset")
        let block = byteOffset / Self.metadataBlockSize
        let offset = byteOffset % Self.metadataBlockSize
        guard block < locations.count else {
            throw SquashFSError.corrupt("\(name) entry \(index) is past the end of the table")
        }
        let decoded = try metadataBlock(at: locations[block], end: end)
        let isLast = block == locations.count - 1
        guard isLast || decoded.bytes.count == Self.metadataBlockSize, offset + entrySize <= decoded.bytes.count else {
            throw SquashFSError.corrupt(
                "\(name) block at offset \(locations[block]) is \(decoded.bytes.count) bytes; entry \(index) missing")
        }
        return Array(decoded.bytes[offset..<(offset + entrySize)])
    }

    /// Reads one data or fragment block (on-disk size word `sizeWord`) at `position` into `output`.
    ///
    /// With `exact`, the block must decode to exactly `output.count` bytes (data blocks); otherwise `output.count`
    /// is only the cap (fragment blocks). Returns the decoded size.
    @discardableResult
    func readDataBlock(
        at position: UInt64, sizeWord: UInt32, into output: UnsafeMutableRawBufferPointer, exact: Bool,
        dataEnd: UInt64
    ) throws(SquashFSError) -> Int {
        let stored = Int(sizeWord & 0x00FF_FFFF)
        guard sizeWord & 0xFE00_0000 == 0, stored > 0, stored <= Int(superblock.blockSize) else {
            throw SquashFSError.corrupt(
                "data block at offset \(position) has a bad size word 0x\(String(sizeWord, radix: 16))")
        }
        if sizeWord & 0x0100_0000 != 0 {
            guard exact ? stored == output.count : stored <= output.count else {
                throw SquashFSError.corrupt(
                    "uncompressed data block at offset \(position) is \(stored) bytes, expected \(output.count)")
            }
            try file.read(
                into: UnsafeMutableRawBufferPointer(rebasing: output[0..<stored]), at: position, limit: dataEnd)
            return stored
        }
        return try pool.withSlot { (slot) throws(SquashFSError) in
            let input = UnsafeMutableRawBufferPointer(rebasing: slot.scratch[0..<stored])
            try file.read(into: input, at: position, limit: dataEnd)
            let produced: Int
            do throws(SquashFSError) {
                produced = try slot.decompressor.decode(UnsafeRawBufferPointer(input), into: output)
            } catch {
                throw SquashFSError(
                    .decompression, "data block at offset \(position) does not decompress",
                    underlyingError: error.underlyingError)
            }
            guard !exact || produced == output.count else {
                throw SquashFSError(
                    .decompression,
                    "data block at offset \(position) decoded to \(produced) bytes, expected \(output.count)")
            }
            return produced
        }
    }
}
