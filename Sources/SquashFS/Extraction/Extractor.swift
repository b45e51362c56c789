public import ProgressReporting
import Synchronization
internal import SystemLayer
public import SystemPackage

/// Carries out an ``ExtractionPlan``: creates the directories, links and nodes, writes file contents on several
/// threads, then adds hard links and finally gives directories their metadata, deepest first.
final class Extractor: Sendable {
    /// A stretch of file-content work, in image order. Data blocks are handed out from it a run at a time, their
    /// block list read only then (``BlockListReader``), so memory follows the work in flight, not the image.
    private enum Segment: Sendable {
        /// All data blocks of file `file`.
        case blocks(file: Int)
        /// One fragment block, decoded once, and the files whose tails (or whole contents) it holds.
        case fragment(index: UInt32, start: UInt64, sizeWord: UInt32, files: [Int])
        /// An empty file.
        case empty(file: Int)
    }

    /// One unit of work handed to a worker.
    private enum Job {
        /// A run of data blocks of file `file`.
        case blocks(file: Int, run: BlockRun)
        case fragment(index: UInt32, start: UInt64, sizeWord: UInt32, files: [Int])
        case empty(file: Int)
    }

    /// Where the workers are in the list of segments.
    private struct Queue {
        var segment = 0
        /// The block list of the file whose blocks are being handed out.
        var blockList: BlockListReader?
    }

    private let image: SquashFSImage
    private let entries: [ExtractionPlan.Entry]
    private let destination: DestinationDirectory
    private let metadata: MetadataWriter
    private let jobs: Int
    private let files: [PendingFile]
    private let segments: [Segment]
    /// Entries not created on purpose (device nodes when not root or in safe mode, and hard links to them), by
    /// plan index.
    private let skipped: [Int: String]
    /// What safe mode left out of entries that were created (set-id bits, extended attributes), by plan index.
    private let leftOut = Mutex<[Int: [String]]>([:])
    private let temporaryPrefix: [UInt8]
    /// The data blocks one work item decodes before writing (1 MiB of output).
    private let blocksPerItem: Int
    let totalBytes: UInt64
    let totalEntries: Int
    private let progress: ProgressChannel<ExtractionEvent>?

    private let queue = Mutex(Queue())
    private let stopped = Atomic<Bool>(false)
    private let failure = Mutex<SquashFSError?>(nil)

    init(
        image: SquashFSImage, plan: ExtractionPlan, destination: FilePath, options: ExtractionOptions,
        progress: ProgressChannel<ExtractionEvent>?
    ) throws(SquashFSError) {
        self.image = image
        self.progress = progress
        self.entries = plan.entries
        self.metadata = MetadataWriter(image: image, options: options)
        self.jobs = options.jobs
        self.totalBytes = plan.totalBytes
        // Random, so an image cannot hold a file named like one of this run's temporaries.
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next() as UInt64, radix: 16)
        self.temporaryPrefix = Array(".maas-images-\(String(repeating: "0", count: 16 - random.count) + random)-".utf8)
        self.blocksPerItem = max(1, (1 << 20) / image.blockSize)
        let work = try Self.workItems(image: image, plan: plan, options: options, blocksPerItem: blocksPerItem)
        self.files = work.files
        self.segments = work.segments
        self.skipped = work.skipped
        self.totalEntries = plan.entries.count - work.skipped.count
        self.destination = try DestinationDirectory(
            path: destination.string, plan: plan, allowsNonEmpty: options.allowsNonEmptyDestination)
    }

    /// The work of an extraction: one pending file per regular file, the segments to read in image order (block runs,
    /// fragment blocks with their users, empty files), and the entries skipped on purpose.
    private static func workItems(
        image: SquashFSImage, plan: ExtractionPlan, options: ExtractionOptions, blocksPerItem: Int
    ) throws(SquashFSError) -> (files: [PendingFile], segments: [Segment], skipped: [Int: String]) {

        var skipped: [Int: String] = [:]
        var files: [PendingFile] = []
        var segments: [(position: UInt64, segment: Segment)] = []
        var fragmentUses: [(fragment: UInt32, file: Int)] = []
        let blockListLimit = image.options.maximumBlockListBytes / 4
        for (index, entry) in plan.entries.enumerated() {
            if let target = entry.linkTarget {
                if skipped[target] != nil { skipped[index] = "a hard link to a device node that was not created" }
                continue
            }
            switch entry.inode.kind {
            case .blockDevice, .characterDevice:
                if options.safe {
                    skipped[index] = "device nodes are not created in safe mode"
                } else if Processes.effectiveUserID != 0 {
                    skipped[index] = "device nodes are only created when running as root"
                }
            case .regularFile:
                // Only the layout is read here; the block list is read run by run as the work is handed out.
                guard let layout = entry.inode.file else {
                    throw SquashFSError(
                        .notAFile, "\(image.name): inode #\(entry.inode.number) is a \(entry.inode.kind), not a file")
                }
                guard layout.blockCount <= blockListLimit else {
                    throw SquashFSError(
                        .limitExceeded,
                        "\(image.name): inode #\(entry.inode.number) has \(layout.blockCount) blocks, more than the "
                            + "limit of \(blockListLimit)")
                }
                let chunks = (layout.blockCount + blocksPerItem - 1) / blocksPerItem
                let parts = chunks + (layout.fragmentIndex == nil ? 0 : 1)
                let file = files.count
                files.append(PendingFile(entry: index, parts: max(parts, 1)))
                if chunks > 0 {
                    segments.append((layout.blocksStart, .blocks(file: file)))
                }
                if let fragment = layout.fragmentIndex {
                    fragmentUses.append((fragment, file))
                } else if parts == 0 {
                    segments.append((0, .empty(file: file)))
                }
            default:
                break
            }
        }
        // One segment per fragment block, with the files whose tails it holds, in file order. (A dictionary of
        // arrays here leaked an array under LeakSanitizer when `fragmentLocation` threw.)
        fragmentUses.sort { ($0.fragment, $0.file) < ($1.fragment, $1.file) }
        var first = 0
        while first < fragmentUses.count {
            let fragment = fragmentUses[first].fragment
            var end = first + 1
            while end < fragmentUses.count && fragmentUses[end].fragment == fragment { end += 1 }
            let (start, sizeWord) = try image.fragmentLocation(fragment)
            let users = fragmentUses[first..<end].map(\.file)
            segments.append((start, .fragment(index: fragment, start: start, sizeWord: sizeWord, files: users)))
            first = end
        }
        // Read the image front to back (a file's blocks are contiguous from its first block).
        segments.sort { $0.position < $1.position }
        return (files, segments.map(\.segment), skipped)
    }

    /// Stops the extraction as soon as possible; ``run()`` then throws `cancelled`.
    func cancel() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Runs the three phases; on failure or cancellation removes the temporary files and throws.
    func run() async throws(SquashFSError) -> ExtractionSummary {
        progress?.setTotals(bytes: Int64(clamping: totalBytes), items: totalEntries)
        if let progress {
            for index in skipped.keys.sorted() {
                guard let reason = skipped[index] else { continue }
                progress.report(.skipped(path: ExtractionPlan.path(of: index, in: entries), reason: reason))
            }
        }
        await onDedicatedThreads(1) { _ in self.recordingFailure(self.createStructure) }
        try finishPhase()
        await onDedicatedThreads(min(jobs, max(segments.count, 1))) { _ in
            self.recordingFailure(self.writeContents)
        }
        try finishPhase()
        await onDedicatedThreads(1) { _ in self.recordingFailure(self.linkAndSetDirectoryMetadata) }
        try finishPhase()
        return summary
    }

    private func recordingFailure(_ body: () throws(SquashFSError) -> Void) {
        do {
            try body()
        } catch {
            // A worker that noticed the stop reports nothing of its own; the first real failure wins.
            if error.code != .cancelled { failure.withLock { if $0 == nil { $0 = error } } }
            stopped.store(true, ordering: .relaxed)
        }
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Throws the first failure, or `cancelled`, after removing temporary files.
    private func finishPhase() throws(SquashFSError) {
        guard isStopped else { return }
        for file in files where file.leftTemporaryFile {
            let parent = entries[file.entry].parent ?? 0
            _ = try? destination.withDirectory(of: parent) { directory in
                try? directory.remove(temporaryName(file.entry))
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        throw SquashFSError(.cancelled, "\(destination.path): extraction cancelled")
    }

    private var summary: ExtractionSummary {
        var summary = ExtractionSummary()
        summary.files = files.count
        summary.bytes = totalBytes
        for (index, entry) in entries.enumerated() where skipped[index] == nil {
            if entry.linkTarget != nil {
                summary.hardLinks += 1
                continue
            }
            switch entry.inode.kind {
            case .directory: summary.directories += 1
            case .symbolicLink: summary.symbolicLinks += 1
            case .regularFile: break
            default: summary.specialFiles += 1
            }
        }
        var reasons = skipped.mapValues { [SkippedEntry(path: .root, reason: $0)] }
        for (index, notes) in leftOut.withLock({ $0 }) {
            reasons[index, default: []].append(
                contentsOf: notes.map { SkippedEntry(path: .root, reason: $0, created: true) })
        }
        summary.skipped = reasons.keys.sorted().flatMap { index in
            let path = ExtractionPlan.path(of: index, in: entries)
            return (reasons[index] ?? []).map { SkippedEntry(path: path, reason: $0.reason, created: $0.created) }
        }
        return summary
    }

    /// Records what safe mode left out of entry `index`.
    private func note(_ index: Int, _ notes: [String]) {
        guard !notes.isEmpty else { return }
        leftOut.withLock { $0[index, default: []].append(contentsOf: notes) }
        if let progress {
            let path = ExtractionPlan.path(of: index, in: entries)
            for note in notes { progress.report(.metadataLeftOut(path: path, reason: note)) }
        }
    }

    private func temporaryName(_ entry: Int) -> [UInt8] {
        temporaryPrefix + Array(String(entry).utf8)
    }

    private func path(of entry: Int) -> String { destination.path(of: entry) }

    // MARK: Phase 1: directories, symbolic links, fifos, sockets and device nodes

    private func createStructure() throws(SquashFSError) {
        for (index, entry) in entries.enumerated() {
            guard !isStopped else { return }
            guard let parent = entry.parent, entry.linkTarget == nil, skipped[index] == nil else { continue }
            switch entry.inode.kind {
            case .regularFile:
                continue
            case .directory:
                try createDirectory(index, entry, in: parent)
            case .symbolicLink:
                let target = entry.inode.symlinkTarget ?? []
                try createNode(index, entry, in: parent) { (directory, name) throws(FileSystemError) in
                    try directory.makeSymbolicLink(name, target: target)
                }
            case .fifo, .socket, .blockDevice, .characterDevice:
                let kind: NodeKind
                switch entry.inode.kind {
                case .fifo: kind = .fifo
                case .socket: kind = .socket
                case .blockDevice: kind = .blockDevice
                default: kind = .characterDevice
                }
                let device = entry.inode.device.map { DeviceID(major: $0.major, minor: $0.minor) }
                try createNode(index, entry, in: parent) { (directory, name) throws(FileSystemError) in
                    try directory.makeNode(name, kind: kind, device: device)
                }
            }
            if entry.inode.kind != .directory { progress?.advance(items: 1) }
        }
    }

    private func createDirectory(_ index: Int, _ entry: ExtractionPlan.Entry, in parent: Int) throws(SquashFSError) {
        let created = try destination.withDirectory(of: parent) { (directory) throws(SquashFSError) in
            try mapping("create the directory", { path(of: index) }) { () throws(FileSystemError) in
                try directory.makeDirectory(entry.name, permissions: [.ownerReadWriteExecute])
            }
        }
        if !created {
            // Only an existing real directory may be reused: opening it refuses symbolic links and files.
            try destination.withDirectory(of: index) { _ in }
        }
    }

    /// Creates a non-directory entry under a temporary name with `create`, sets its metadata, and renames it.
    private func createNode(
        _ index: Int, _ entry: ExtractionPlan.Entry, in parent: Int,
        _ create: (DirectoryDescriptor, [UInt8]) throws(FileSystemError) -> Void
    ) throws(SquashFSError) {
        try destination.withDirectory(of: parent) { (directory) throws(SquashFSError) in
            let temporary = temporaryName(index)
            try mapping("create", { path(of: index) }) { () throws(FileSystemError) in
                try create(directory, temporary)
            }
            do throws(SquashFSError) {
                note(
                    index,
                    try metadata.apply(entry.inode, toEntry: temporary, in: directory, path: path(of: index)))
                try rename(temporary, to: entry.name, in: directory, path: path(of: index))
            } catch {
                try? directory.remove(temporary)
                throw error
            }
        }
    }

    private func rename(
        _ temporary: [UInt8], to name: [UInt8], in directory: DirectoryDescriptor, path: @autoclosure () -> String
    ) throws(SquashFSError) {
        try mapping("move into place", path) { () throws(FileSystemError) in
            try directory.rename(temporary, to: name, in: directory)
        }
    }

    // MARK: Phase 2: file contents, on all workers

    /// The next unit of work, or `nil` when everything has been handed out. A file's block list is read here, one
    /// run at a time, under the queue's lock (a few KiB of metadata per run).
    private func nextJob() throws(SquashFSError) -> Job? {
        try queue.withLock { (queue) throws(SquashFSError) in
            while queue.segment < segments.count {
                switch segments[queue.segment] {
                case .blocks(let file):
                    var blockList: BlockListReader
                    if let current = queue.blockList {
                        blockList = current
                    } else {
                        blockList = try BlockListReader(image: image, inode: inode(ofFile: file))
                    }
                    let run = try blockList.nextRun(count: blocksPerItem)
                    if blockList.isFinished {
                        queue.blockList = nil
                        queue.segment += 1
                    } else {
                        queue.blockList = blockList
                    }
                    return .blocks(file: file, run: run)
                case .fragment(let index, let start, let sizeWord, let users):
                    queue.segment += 1
                    return .fragment(index: index, start: start, sizeWord: sizeWord, files: users)
                case .empty(let file):
                    queue.segment += 1
                    return .empty(file: file)
                }
            }
            return nil
        }
    }

    private func inode(ofFile file: Int) -> Inode {
        entries[files[file].entry].inode
    }

    private func writeContents() throws(SquashFSError) {
        let blockSize = image.blockSize
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blocksPerItem * blockSize, alignment: 64)
        defer { buffer.deallocate() }
        while !isStopped, let job = try nextJob() {
            switch job {
            case .blocks(let file, let run):
                try writeBlocks(run, of: file, using: buffer)
            case .fragment(let index, let start, let sizeWord, let users):
                let fragment = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<blockSize])
                let length: Int
                do {
                    length = try image.reader.readDataBlock(
                        at: start, sizeWord: sizeWord, into: fragment, exact: false,
                        dataEnd: image.superblock.inodeTableStart)
                } catch {
                    throw SquashFSError(
                        error.code, "\(image.name): fragment \(index): \(error.message)",
                        underlyingError: error.underlyingError)
                }
                for file in users {
                    guard !isStopped else { return }
                    let inode = inode(ofFile: file)
                    let range = try image.tailRange(of: inode, inFragmentOf: length)
                    let blockCount = UInt64(inode.file?.blockCount ?? 0)
                    try writePart(of: file, sawHole: false) { (descriptor) throws(SquashFSError) in
                        let offset = blockCount * UInt64(blockSize)
                        try writeAll(descriptor, UnsafeRawBufferPointer(rebasing: fragment[range]), at: offset, file)
                        return UInt64(range.count)
                    }
                }
            case .empty(let file):
                try writePart(of: file, sawHole: false) { _ in 0 }
            }
        }
    }

    /// Decodes the data blocks of `run` of `file` into `buffer` and writes each run of non-hole blocks with one call.
    private func writeBlocks(_ run: BlockRun, of file: Int, using buffer: UnsafeMutableRawBufferPointer)
        throws(SquashFSError)
    {
        let blockSize = image.blockSize
        let inode = inode(ofFile: file)
        let blockCount = inode.file?.blockCount ?? 0
        let hasFragment = inode.file?.fragmentIndex != nil
        let sawHole = run.sizeWords.contains { $0 & 0x00FF_FFFF == 0 }
        try writePart(of: file, sawHole: sawHole) { (descriptor) throws(SquashFSError) in
            var produced: UInt64 = 0
            var pending: Range<Int>?  // bytes of `buffer` decoded but not yet written
            func flush() throws(SquashFSError) {
                guard let bytes = pending else { return }
                let offset = UInt64(run.first) * UInt64(blockSize) + UInt64(bytes.lowerBound)
                try writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[bytes]), at: offset, file)
                pending = nil
            }
            for (slot, (word, position)) in zip(run.sizeWords, run.positions).enumerated() {
                guard !isStopped else { throw SquashFSError(.cancelled, "stopped at \(path(of: files[file].entry))") }
                let block = run.first + slot
                // Every block is full but the last one of a file without a fragment tail.
                let size =
                    block < blockCount - 1 || hasFragment
                    ? blockSize : Int(inode.size - UInt64(block) * UInt64(blockSize))
                produced += UInt64(size)
                if word & 0x00FF_FFFF == 0 {
                    try flush()
                    continue
                }
                let start = slot * blockSize
                do throws(SquashFSError) {
                    _ = try image.reader.readDataBlock(
                        at: position, sizeWord: word,
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<(start + size)]), exact: true,
                        dataEnd: image.superblock.inodeTableStart)
                } catch {
                    throw SquashFSError(
                        error.code, "\(image.name): inode #\(inode.number) block \(block): \(error.message)",
                        underlyingError: error.underlyingError)
                }
                pending = (pending?.lowerBound ?? start)..<(start + size)
            }
            try flush()
            return produced
        }
    }

    /// Writes one part of `file` through its temporary file; the last part sets the size (when some part held a
    /// hole), metadata and name.
    private func writePart(of file: Int, sawHole: Bool, _ body: (FileDescriptor) throws(SquashFSError) -> UInt64)
        throws(SquashFSError)
    {
        let pending = files[file]
        let entry = entries[pending.entry]
        try destination.withDirectory(of: entry.parent ?? 0) { (directory) throws(SquashFSError) in
            let temporary = temporaryName(pending.entry)
            let file = try pending.openTemporary(temporary, in: directory) { path(of: pending.entry) }
            var isOpen = true
            defer { if isOpen { try? file.close() } }
            let written = try body(file)
            guard let hasHoles = pending.finishPart(sawHole: sawHole) else {
                progress?.advance(bytes: Int64(clamping: written))
                return
            }
            // The last part: its bytes and the file are counted together, once it is in place (one lock, not two).
            var counted = false
            defer { if !counted { progress?.advance(bytes: Int64(clamping: written)) } }
            if hasHoles {
                try mapping("set the size of", { path(of: pending.entry) }) { () throws(FileSystemError) in
                    try file.setSize(entry.inode.size, name: path(of: pending.entry))
                }
            }
            let notes = try metadata.apply(entry.inode, toDescriptor: file, path: path(of: pending.entry))
            note(pending.entry, notes)
            isOpen = false
            do {
                try file.close()
            } catch {
                throw SquashFSError(
                    .output, "\(path(of: pending.entry)): cannot write",
                    underlyingError: (error as? Errno) ?? Errno.ioError)
            }
            try rename(temporary, to: entry.name, in: directory, path: path(of: pending.entry))
            pending.markRenamed()
            counted = true
            progress?.advance(bytes: Int64(clamping: written), items: 1)
        }
    }

    /// Writes all of `bytes` at `offset`, retrying short and interrupted writes.
    private func writeAll(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, _ file: Int)
        throws(SquashFSError)
    {
        try mapping(
            "write", { path(of: files[file].entry) },
            { () throws(FileSystemError) in
                try descriptor.write(allOf: bytes, at: offset, name: path(of: files[file].entry))
            })
    }

    // MARK: Phase 3: hard links, then directory metadata deepest first

    private func linkAndSetDirectoryMetadata() throws(SquashFSError) {
        for (index, entry) in entries.enumerated() {
            guard !isStopped else { return }
            guard let target = entry.linkTarget, skipped[index] == nil, let parent = entry.parent else { continue }
            try createHardLink(index, entry, in: parent, to: target)
            progress?.advance(items: 1)
        }
        for (index, entry) in entries.enumerated().reversed() where entry.inode.kind == .directory {
            guard !isStopped else { return }
            try destination.withDirectory(of: index) { (directory) throws(SquashFSError) in
                note(
                    index,
                    try metadata.apply(entry.inode, toDescriptor: directory.descriptor, path: path(of: index)))
            }
            progress?.advance(items: 1)
        }
    }

    /// Links `entry` to the file this extraction created for `target`: under a temporary name, then renamed.
    private func createHardLink(_ index: Int, _ entry: ExtractionPlan.Entry, in parent: Int, to target: Int)
        throws(SquashFSError)
    {
        let targetEntry = entries[target]
        try destination.withDirectory(of: targetEntry.parent ?? 0) { (source) throws(SquashFSError) in
            try destination.withDirectory(of: parent) { (directory) throws(SquashFSError) in
                let temporary = temporaryName(index)
                try mapping("create the hard link to \(path(of: target)) at", { path(of: index) }) {
                    () throws(FileSystemError) in
                    try source.link(targetEntry.name, to: temporary, in: directory)
                }
                defer { try? directory.remove(temporary) }
                // Renaming onto another name of the same inode does nothing: the deferred unlink removes the
                // temporary name then.
                try rename(temporary, to: entry.name, in: directory, path: path(of: index))
            }
        }
    }
}

extension SquashFSImage {
    /// Extracts the whole image, or the subtrees at `paths`, into the directory `destination`.
    ///
    /// The result is what `unsquashfs -d destination image paths...` produces when run by the same user: every
    /// file type, hard links as hard links, holes for sparse blocks, and owners, all mode bits, modification times
    /// and extended attributes as ``ExtractionOptions`` allow. Requested paths are resolved inside the image
    /// (symbolic links in all but the last component are followed) and extracted at their canonical location, their
    /// ancestor directories created with the image's metadata.
    ///
    /// Extraction is safe against hostile images and destinations: everything is created relative to directory
    /// descriptors without following symbolic links, so nothing is written outside `destination`; a destination
    /// that is a symbolic link is refused; hard links only point at files this extraction created; the limits in
    /// `options` are checked before anything is written. File contents are decoded and written on
    /// ``ExtractionOptions/jobs`` threads, each fragment block decoded once, with memory bounded by about 1 MiB per
    /// thread. Every file is written under a temporary name and renamed when complete, so a failed or cancelled
    /// extraction leaves no partial file under a real name (it removes its temporary files).
    ///
    /// ```swift
    /// let progress = ProgressChannel<ExtractionEvent>()
    /// async let summary = image.extract(to: "/srv/root", progress: progress)
    /// for await update in progress {
    ///     print(update.completedBytes, "of", update.totalBytes ?? 0)
    /// }
    /// print(try await summary.entries, "entries")
    /// ```
    ///
    /// - Parameters:
    ///   - destination: a directory that does not exist yet or is empty (see
    ///     ``ExtractionOptions/allowsNonEmptyDestination``).
    ///   - paths: the subtrees to extract; the whole image when empty.
    ///   - options: ownership, extended attributes, limits and parallelism.
    ///   - progress: where counts and ``ExtractionEvent``s are reported while the extraction runs; it is finished
    ///     (its final update sent) when this returns or throws.
    /// - Throws: ``SquashFSError``: `unsafeDestination`, `output`, `limitExceeded`, `cancelled`, `notFound` for a
    ///   missing path, or any reading error.
    public func extract(
        to destination: FilePath, paths: [ImagePath] = [], options: ExtractionOptions = ExtractionOptions(),
        progress: ProgressChannel<ExtractionEvent>? = nil
    ) async throws(SquashFSError) -> ExtractionSummary {
        defer { progress?.finish() }
        guard options.jobs >= 1 else {
            throw SquashFSError(.invalidArgument, "extraction needs at least one job, not \(options.jobs)")
        }
        let plan = try ExtractionPlan(image: self, paths: paths, options: options)
        guard !Task.isCancelled else { throw SquashFSError(.cancelled, "\(destination): extraction cancelled") }
        let extractor = try Extractor(
            image: self, plan: plan, destination: destination, options: options, progress: progress)
        // `withTaskCancellationHandler` rethrows untyped: the outcome comes back as a typed `Result`.
        let outcome = await withTaskCancellationHandler { () async -> Result<ExtractionSummary, SquashFSError> in
            do throws(SquashFSError) {
                return .success(try await extractor.run())
            } catch {
                return .failure(error)
            }
        } onCancel: {
            extractor.cancel()
        }
        return try outcome.get()
    }

    /// Extracts the whole image, or the subtrees at `paths`, into the directory at the path `destination`: see
    /// ``extract(to:paths:options:progress:)-(FilePath,_,_,_)``.
    public func extract(
        to destination: String, paths: [ImagePath] = [], options: ExtractionOptions = ExtractionOptions(),
        progress: ProgressChannel<ExtractionEvent>? = nil
    ) async throws(SquashFSError) -> ExtractionSummary {
        try await extract(to: FilePath(destination), paths: paths, options: options, progress: progress)
    }
}
