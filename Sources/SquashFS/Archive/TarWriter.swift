internal import SystemLayer

/// Walks an image and writes it as a pax archive, one entry after the other, file contents streamed block by block
/// through a bounded buffer.
final class TarWriter {
    private let image: SquashFSImage
    private let options: TarOptions
    private let sink: CompressingSink
    /// The archive's bytes not yet handed to the sink.
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// Data blocks decoded in one go (and in parallel).
    private let blocksPerRun: Int
    private let decoder: ParallelBlockDecoder
    private let decoderThreads: Int
    /// The archive name of the first entry of each hard-linked inode seen so far (only inodes with more than one
    /// link are remembered).
    private var firstNames: [InodeReference: [UInt8]] = [:]
    private var summary = TarSummary()

    init(image: SquashFSImage, options: TarOptions, stopFlag: StopFlag, sink: CompressingSink) {
        self.image = image
        self.options = options
        self.stopFlag = stopFlag
        self.sink = sink
        // At least 1 MiB per run, two blocks per thread, at most 16 threads' worth (16 MiB runs of 1 MiB blocks).
        let threads = min(options.jobs, 16)
        blocksPerRun = max(2 * threads, (1 << 20) / image.blockSize)
        buffer = .allocate(byteCount: max(4 << 20, 2 * blocksPerRun * image.blockSize), alignment: 64)
        decoder = ParallelBlockDecoder(image: image, threads: threads)
        decoderThreads = threads
    }

    deinit { buffer.deallocate() }

    private let stopFlag: StopFlag

    /// Writes the archive: every entry, two zero blocks, then the end of the compressed stream.
    func run() throws(SquashFSError) -> TarSummary {
        var walker = try image.walk()
        while let entry = try walker.next() {
            try checkStopped()
            try archive(entry)
        }
        try append([UInt8](repeating: 0, count: 2 * TarHeader.blockSize))
        try flush()
        try sink.finish()
        return summary
    }

    private func checkStopped() throws(SquashFSError) {
        if stopFlag.isSet { throw SquashFSError(.cancelled, "\(image.name): writing the tar archive was cancelled") }
    }

    /// The name of `entry` in the archive: relative to the root, `./` for the root, directories ending in `/`.
    private static func archiveName(_ entry: WalkEntry) -> [UInt8] {
        var bytes = entry.path.bytes
        if bytes.first == UInt8(ascii: "/") { bytes.removeFirst() }
        if bytes.isEmpty { return Array("./".utf8) }
        if entry.inode.kind == .directory { bytes.append(UInt8(ascii: "/")) }
        return bytes
    }

    private func archive(_ entry: WalkEntry) throws(SquashFSError) {
        let inode = entry.inode
        if inode.kind == .socket {
            summary.skippedSockets.append(entry.path)
            return
        }
        let name = Self.archiveName(entry)
        var header = TarHeader(path: name, typeFlag: .regularFile)
        header.mode = UInt32(inode.permissions)
        header.uid = inode.uid
        header.gid = inode.gid
        header.modificationTime = inode.modificationTime
        if inode.kind != .directory && inode.linkCount > 1 {
            if let first = firstNames[inode.reference] {
                header.typeFlag = .hardLink
                header.linkName = first
                try append(header.encoded())
                summary.entries += 1
                summary.hardLinks += 1
                return
            }
            firstNames[inode.reference] = name
        }
        if options.includesExtendedAttributes {
            header.xattrs = try image.extendedAttributes(of: inode)
        }
        switch inode.kind {
        case .directory:
            header.typeFlag = .directory
        case .symbolicLink:
            header.typeFlag = .symbolicLink
            header.linkName = inode.symlinkTarget ?? []
        case .blockDevice, .characterDevice:
            header.typeFlag = inode.kind == .blockDevice ? .blockDevice : .characterDevice
            header.deviceMajor = inode.device?.major ?? 0
            header.deviceMinor = inode.device?.minor ?? 0
        case .fifo:
            header.typeFlag = .fifo
        case .regularFile:
            try archiveFile(header, inode)
            summary.entries += 1
            return
        case .socket:
            return
        }
        try append(header.encoded())
        summary.entries += 1
    }

    // MARK: Regular files

    /// One stretch of a file's data as the archive stores it: `length` bytes at `offset` in the file.
    private struct Region {
        var offset: UInt64
        var length: UInt64
    }

    private func archiveFile(_ header: TarHeader, _ inode: Inode) throws(SquashFSError) {
        guard let layout = inode.file else {
            throw SquashFSError(.notAFile, "\(image.name): inode #\(inode.number) is a \(inode.kind), not a file")
        }
        let blockListLimit = image.options.maximumBlockListBytes / 4
        guard layout.blockCount <= blockListLimit else {
            throw SquashFSError(
                .limitExceeded,
                "\(image.name): inode #\(inode.number) has \(layout.blockCount) blocks, more than the limit of "
                    + "\(blockListLimit)")
        }
        // The tail's place in its fragment is checked before the header promises its bytes.
        var tail: (block: [UInt8], range: Range<Int>)?
        if let fragment = layout.fragmentIndex {
            let block = try fragmentBlock(fragment)
            tail = (block, try image.tailRange(of: inode, inFragmentOf: block.count))
        }
        // First pass over the block list: is there a hole, and what does the archive store?
        var regionCount = 0
        var storedBytes: UInt64 = 0
        var hasHole = false
        try forEachRegion(inode, tailLength: tail?.range.count ?? 0) { region in
            regionCount += 1
            storedBytes += region.length
        } holes: {
            hasHole = true
        }
        var header = header
        if !hasHole {
            header.size = inode.size
            try append(header.encoded())
            try appendContents(inode, tail: tail)
            summary.contentBytes += inode.size
            return
        }
        // GNU sparse 1.0: the map (count, then offset and length of each region, in decimal lines) padded to a
        // block, then the regions' bytes. The last region ends at the real size (a zero-length one when the file
        // ends in a hole).
        var mapLength = UInt64(String(regionCount).utf8.count + 1)
        try forEachRegion(inode, tailLength: tail?.range.count ?? 0) { region in
            mapLength += UInt64(String(region.offset).utf8.count + String(region.length).utf8.count + 2)
        } holes: {
        }
        let paddedMap = (mapLength + 511) / 512 * 512
        header.size = paddedMap + storedBytes
        header.sparseRealSize = inode.size
        try append(header.encoded())
        try append(Array("\(regionCount)\n".utf8))
        try forEachRegion(inode, tailLength: tail?.range.count ?? 0) { (region) throws(SquashFSError) in
            try self.append(Array("\(region.offset)\n\(region.length)\n".utf8))
        } holes: {
        }
        try appendZeros(Int(paddedMap - mapLength))
        try appendContents(inode, tail: tail, padding: false)
        try appendZeros(Self.padding(storedBytes))
        summary.sparseFiles += 1
        summary.contentBytes += storedBytes
    }

    /// Fragment block `index`, decoded through the image's fragment cache. On a miss, the fragments that follow it
    /// (which hold the next files' tails: writers store fragments in tree order) are decoded at the same time on the
    /// other threads, so small files are decompressed in parallel although they are written one after the other.
    private func fragmentBlock(_ index: UInt32) throws(SquashFSError) -> [UInt8] {
        if let cached = image.fragmentCache.value(for: index) { return cached }
        let ahead = min(decoderThreads, image.options.fragmentCacheBlocks / 2)
        if ahead > 1 {
            let image = self.image
            let batch = (0..<UInt32(ahead)).map { index &+ $0 }
                .filter {
                    $0 >= index && $0 < image.superblock.fragmentCount && image.fragmentCache.value(for: $0) == nil
                }
            if batch.count > 1 {
                // Failures are left for the real request below to report.
                onDedicatedThreadsWaiting(batch.count) { slot in _ = try? image.fragmentBlock(batch[slot]) }
            }
        }
        return try image.fragmentBlock(index)
    }

    private static func padding(_ size: UInt64) -> Int {
        Int((512 - size % 512) % 512)
    }

    /// Calls `body` for each stretch of stored data of the file (adjacent blocks merged, the fragment tail
    /// included), then for a final zero-length region at the file's end when it ends in a hole; `holes` once per
    /// sparse block.
    private func forEachRegion(
        _ inode: Inode, tailLength: Int, _ body: (Region) throws(SquashFSError) -> Void,
        holes: () -> Void
    ) throws(SquashFSError) {
        guard let layout = inode.file else { return }
        let blockSize = UInt64(image.blockSize)
        var list = try BlockListReader(image: image, inode: inode)
        var current: Region?
        while !list.isFinished {
            try checkStopped()
            let run = try list.nextRun(count: 4096)
            for (slot, word) in run.sizeWords.enumerated() {
                let index = run.first + slot
                let offset = UInt64(index) * blockSize
                if word & 0x00FF_FFFF == 0 {
                    holes()
                    if let region = current { try body(region) }
                    current = nil
                    continue
                }
                let size = decodedSize(ofBlock: index, inode: inode, layout: layout)
                if let region = current {
                    current = Region(offset: region.offset, length: region.length + UInt64(size))
                } else {
                    current = Region(offset: offset, length: UInt64(size))
                }
            }
        }
        if tailLength > 0 {
            let offset = UInt64(layout.blockCount) * blockSize
            if let region = current {
                current = Region(offset: region.offset, length: region.length + UInt64(tailLength))
            } else {
                current = Region(offset: offset, length: UInt64(tailLength))
            }
        }
        if let region = current {
            try body(region)
            if region.offset + region.length < inode.size { try body(Region(offset: inode.size, length: 0)) }
        } else {
            try body(Region(offset: inode.size, length: 0))
        }
    }

    private func decodedSize(ofBlock index: Int, inode: Inode, layout: FileLayout) -> Int {
        let blockSize = image.blockSize
        if index < layout.blockCount - 1 || layout.fragmentIndex != nil { return blockSize }
        return Int(inode.size - UInt64(index) * UInt64(blockSize))
    }

    /// Appends the stored bytes of the file: its data blocks but the holes, decoded straight into the buffer (runs
    /// of blocks in parallel), then its tail; then the padding to a block unless `padding` is `false`.
    private func appendContents(_ inode: Inode, tail: (block: [UInt8], range: Range<Int>)?, padding: Bool = true)
        throws(SquashFSError)
    {
        guard let layout = inode.file else { return }
        var list = try BlockListReader(image: image, inode: inode)
        var written: UInt64 = 0
        while !list.isFinished {
            try checkStopped()
            let run = try list.nextRun(count: blocksPerRun)
            var jobs: [ParallelBlockDecoder.Job] = []
            jobs.reserveCapacity(run.sizeWords.count)
            var total = 0
            for (slot, (word, position)) in zip(run.sizeWords, run.positions).enumerated() {
                guard word & 0x00FF_FFFF != 0 else { continue }
                let index = run.first + slot
                let size = decodedSize(ofBlock: index, inode: inode, layout: layout)
                jobs.append(.init(block: index, position: position, sizeWord: word, offset: total, size: size))
                total += size
            }
            if buffer.count - buffered < total { try flush() }
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<(buffered + total)])
            try decoder.decode(jobs, into: target, inode: inode)
            buffered += total
            written += UInt64(total)
        }
        if let tail {
            try append(Array(tail.block[tail.range]))
            written += UInt64(tail.range.count)
        }
        if padding { try appendZeros(Self.padding(written)) }
    }

    // MARK: Output

    private func append(_ bytes: [UInt8]) throws(SquashFSError) {
        let result = bytes.withUnsafeBytes { (bytes) -> Result<Void, SquashFSError> in
            do throws(SquashFSError) {
                try append(bytes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws(SquashFSError) {
        var done = 0
        while done < bytes.count {
            if buffered == buffer.count { try flush() }
            let count = min(bytes.count - done, buffer.count - buffered)
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<(buffered + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[done..<(done + count)]))
            buffered += count
            done += count
        }
    }

    private func appendZeros(_ count: Int) throws(SquashFSError) {
        var remaining = count
        while remaining > 0 {
            if buffered == buffer.count { try flush() }
            let chunk = min(remaining, buffer.count - buffered)
            UnsafeMutableRawBufferPointer(rebasing: buffer[buffered..<(buffered + chunk)])
                .initializeMemory(as: UInt8.self, repeating: 0)
            buffered += chunk
            remaining -= chunk
        }
    }

    private func flush() throws(SquashFSError) {
        guard buffered > 0 else { return }
        try sink.consume(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        summary.archiveBytes += UInt64(buffered)
        buffered = 0
    }
}
