import Glibc
import Synchronization
internal import SystemLayer
internal import SystemPackage

/// Carries out an ``ExtractionPlan``: creates the directories, links and nodes, writes file contents on several
/// threads, then adds hard links and finally gives directories their metadata, deepest first.
final class Extractor: Sendable {
    /// One unit of file-content work, in image order.
    private enum Work: Sendable {
        /// Data blocks `blocks` of file `file`.
        case blocks(file: Int, blocks: Range<Int>)
        /// One fragment block, decoded once, and the files whose tails (or whole contents) it holds.
        case fragment(index: UInt32, start: UInt64, sizeWord: UInt32, files: [Int])
        /// An empty file.
        case empty(file: Int)
    }

    private let image: SquashFSImage
    private let entries: [ExtractionPlan.Entry]
    private let destination: DestinationDirectory
    private let metadata: MetadataWriter
    private let jobs: Int
    private let files: [PendingFile]
    private let work: [Work]
    /// Entries not created on purpose (device nodes when not root, and hard links to them), by plan index.
    private let skipped: [Int: String]
    private let temporaryPrefix: [UInt8]
    /// The data blocks one work item decodes before writing (1 MiB of output).
    private let blocksPerItem: Int
    let totalBytes: UInt64
    let totalEntries: Int

    private let bytesWritten = Atomic<UInt64>(0)
    private let entriesDone = Atomic<Int>(0)
    private let nextWork = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let failure = Mutex<SquashFSError?>(nil)

    init(image: SquashFSImage, plan: ExtractionPlan, destination: String, options: ExtractionOptions) throws {
        self.image = image
        self.entries = plan.entries
        self.metadata = MetadataWriter(image: image, options: options)
        self.jobs = options.jobs
        self.totalBytes = plan.totalBytes
        // Random, so an image cannot hold a file named like one of this run's temporaries.
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next() as UInt64, radix: 16)
        self.temporaryPrefix = Array(".maas-images-\(String(repeating: "0", count: 16 - random.count) + random)-".utf8)
        self.blocksPerItem = max(1, (1 << 20) / image.blockSize)

        var skipped: [Int: String] = [:]
        var files: [PendingFile] = []
        var work: [(position: UInt64, work: Work)] = []
        var fragmentUsers: [UInt32: [Int]] = [:]
        for (index, entry) in plan.entries.enumerated() {
            if let target = entry.linkTarget {
                if skipped[target] != nil { skipped[index] = "a hard link to a device node that was not created" }
                continue
            }
            switch entry.inode.kind {
            case .blockDevice, .characterDevice:
                if geteuid() != 0 { skipped[index] = "device nodes are only created when running as root" }
            case .regularFile:
                let reader = try image.fileReader(for: entry.inode)
                let chunks = (reader.blockCount + blocksPerItem - 1) / blocksPerItem
                let parts = chunks + (reader.fragmentIndex == nil ? 0 : 1)
                let file = files.count
                files.append(PendingFile(entry: index, reader: reader, parts: max(parts, 1)))
                for chunk in 0..<chunks {
                    let first = chunk * blocksPerItem
                    let blocks = first..<min(first + blocksPerItem, reader.blockCount)
                    work.append((reader.position(ofBlock: first), .blocks(file: file, blocks: blocks)))
                }
                if let fragment = reader.fragmentIndex {
                    fragmentUsers[fragment, default: []].append(file)
                } else if parts == 0 {
                    work.append((0, .empty(file: file)))
                }
            default:
                break
            }
        }
        for (index, users) in fragmentUsers {
            let (start, sizeWord) = try image.fragmentLocation(index)
            work.append((start, .fragment(index: index, start: start, sizeWord: sizeWord, files: users)))
        }
        // Read the image front to back.
        work.sort { $0.position < $1.position }
        self.files = files
        self.work = work.map(\.work)
        self.skipped = skipped
        self.totalEntries = plan.entries.count - skipped.count
        self.destination = try DestinationDirectory(
            path: destination, plan: plan, allowsNonEmpty: options.allowsNonEmptyDestination)
    }

    /// How far the extraction has come.
    var progress: ExtractionProgress {
        ExtractionProgress(
            bytesWritten: bytesWritten.load(ordering: .relaxed), totalBytes: totalBytes,
            entriesDone: entriesDone.load(ordering: .relaxed), totalEntries: totalEntries)
    }

    /// Stops the extraction as soon as possible; ``run()`` then throws `cancelled`.
    func cancel() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Runs the three phases; on failure or cancellation removes the temporary files and throws.
    func run() async throws -> ExtractionSummary {
        await onDedicatedThreads(1) { _ in self.recordingFailure(self.createStructure) }
        try finishPhase()
        await onDedicatedThreads(min(jobs, max(work.count, 1))) { _ in self.recordingFailure(self.writeContents) }
        try finishPhase()
        await onDedicatedThreads(1) { _ in self.recordingFailure(self.linkAndSetDirectoryMetadata) }
        try finishPhase()
        return summary
    }

    private func recordingFailure(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            let error =
                error as? SquashFSError ?? SquashFSError(.output, "\(destination.path): \(error)", underlyingError: nil)
            // A worker that noticed the stop reports nothing of its own; the first real failure wins.
            if error.code != .cancelled { failure.withLock { if $0 == nil { $0 = error } } }
            stopped.store(true, ordering: .relaxed)
        }
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Throws the first failure, or `cancelled`, after removing temporary files.
    private func finishPhase() throws {
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
        summary.skipped = skipped.keys.sorted().map { SkippedEntry(path: entries[$0].path, reason: skipped[$0] ?? "") }
        return summary
    }

    private func temporaryName(_ entry: Int) -> [UInt8] {
        temporaryPrefix + Array(String(entry).utf8)
    }

    private func path(of entry: Int) -> String { destination.path(of: entry) }

    // MARK: Phase 1: directories, symbolic links, fifos, sockets and device nodes

    private func createStructure() throws {
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
                try createNode(index, entry, in: parent) { directory, name in
                    try target.withCString { symlinkat($0, directory.descriptor.rawValue, name) }
                }
            case .fifo, .socket, .blockDevice, .characterDevice:
                let type = entry.inode.kind.modeBits
                let device = entry.inode.device.map { Self.deviceNumber($0) } ?? 0
                try createNode(index, entry, in: parent) { directory, name in
                    mknodat(directory.descriptor.rawValue, name, mode_t(type) | 0o600, device)
                }
            }
            entriesDone.add(entry.inode.kind == .directory ? 0 : 1, ordering: .relaxed)
        }
    }

    private func createDirectory(_ index: Int, _ entry: ExtractionPlan.Entry, in parent: Int) throws {
        let created = try destination.withDirectory(of: parent) { directory in
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
        _ create: (DirectoryDescriptor, UnsafePointer<CChar>) throws -> Int32
    ) throws {
        try destination.withDirectory(of: parent) { directory in
            let temporary = temporaryName(index)
            try check(try temporary.withCString { try create(directory, $0) }, "create", { path(of: index) })
            do {
                try metadata.apply(
                    entry.inode, toEntry: temporary, in: directory.descriptor.rawValue, path: path(of: index))
                try rename(temporary, to: entry.name, in: directory, path: path(of: index))
            } catch {
                try? directory.remove(temporary)
                throw error
            }
        }
    }

    private func rename(
        _ temporary: [UInt8], to name: [UInt8], in directory: DirectoryDescriptor, path: @autoclosure () -> String
    ) throws {
        try mapping("move into place", path) { () throws(FileSystemError) in
            try directory.rename(temporary, to: name, in: directory)
        }
    }

    /// The `dev_t` for a squashfs device number (glibc's `makedev`).
    private static func deviceNumber(_ device: DeviceNumber) -> dev_t {
        let major = UInt64(device.major)
        let minor = UInt64(device.minor)
        return dev_t((major & 0xFFFF_F000) << 32 | (major & 0xFFF) << 8 | (minor & 0xFFFF_FF00) << 12 | (minor & 0xFF))
    }

    // MARK: Phase 2: file contents, on all workers

    private func writeContents() throws {
        let blockSize = image.blockSize
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blocksPerItem * blockSize, alignment: 64)
        defer { buffer.deallocate() }
        while !isStopped {
            let next = nextWork.add(1, ordering: .relaxed).oldValue
            guard next < work.count else { return }
            switch work[next] {
            case .blocks(let file, let blocks):
                try writeBlocks(blocks, of: file, using: buffer)
            case .fragment(let index, let start, let sizeWord, let users):
                let fragment = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<blockSize])
                let length: Int
                do {
                    length = try image.reader.readDataBlock(
                        at: start, sizeWord: sizeWord, into: fragment, exact: false,
                        dataEnd: image.superblock.inodeTableStart)
                } catch let error as SquashFSError {
                    throw SquashFSError(
                        error.code, "\(image.name): fragment \(index): \(error.message)",
                        underlyingError: error.underlyingError)
                }
                for file in users {
                    guard !isStopped else { return }
                    try writePart(of: file) { descriptor, reader in
                        let range = try reader.tailRange(inFragmentOf: length)
                        let offset = UInt64(reader.blockCount) * UInt64(blockSize)
                        try writeAll(descriptor, UnsafeRawBufferPointer(rebasing: fragment[range]), at: offset, file)
                        return UInt64(range.count)
                    }
                }
            case .empty(let file):
                try writePart(of: file) { _, _ in 0 }
            }
        }
    }

    /// Decodes data blocks `blocks` of `file` into `buffer` and writes each run of non-hole blocks with one call.
    private func writeBlocks(_ blocks: Range<Int>, of file: Int, using buffer: UnsafeMutableRawBufferPointer) throws {
        let blockSize = image.blockSize
        try writePart(of: file) { descriptor, reader in
            var produced: UInt64 = 0
            var run: Range<Int>?  // bytes of `buffer` decoded but not yet written
            func flush() throws {
                guard let bytes = run else { return }
                let offset = UInt64(blocks.lowerBound) * UInt64(blockSize) + UInt64(bytes.lowerBound)
                try writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[bytes]), at: offset, file)
                run = nil
            }
            for block in blocks {
                guard !isStopped else { throw SquashFSError(.cancelled, "stopped at \(path(of: files[file].entry))") }
                let size = reader.decodedSize(ofBlock: block)
                produced += UInt64(size)
                if reader.isSparse(block) {
                    try flush()
                    continue
                }
                let start = (block - blocks.lowerBound) * blockSize
                try reader.readBlock(
                    block, into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<(start + size)]))
                run = (run?.lowerBound ?? start)..<(start + size)
            }
            try flush()
            return produced
        }
    }

    /// Writes one part of `file` through its temporary file; the last part sets the size, metadata and name.
    private func writePart(of file: Int, _ body: (Int32, FileReader) throws -> UInt64) throws {
        let pending = files[file]
        let entry = entries[pending.entry]
        try destination.withDirectory(of: entry.parent ?? 0) { directory in
            let temporary = temporaryName(pending.entry)
            let file = try pending.openTemporary(temporary, in: directory) { path(of: pending.entry) }
            let descriptor = file.rawValue
            var isOpen = true
            defer { if isOpen { try? file.close() } }
            bytesWritten.add(try body(descriptor, pending.reader), ordering: .relaxed)
            guard pending.finishPart() else { return }
            if pending.hasHoles {
                try check(
                    ftruncate(descriptor, off_t(entry.inode.size)), "set the size of", { path(of: pending.entry) })
            }
            try metadata.apply(entry.inode, toDescriptor: descriptor, path: path(of: pending.entry))
            isOpen = false
            do {
                try file.close()
            } catch {
                let code = (error as? Errno)?.rawValue ?? EIO
                throw SquashFSError(
                    .output, "\(path(of: pending.entry)): cannot write", underlyingError: SystemError(errno: code))
            }
            try rename(temporary, to: entry.name, in: directory, path: path(of: pending.entry))
            pending.markRenamed()
            entriesDone.add(1, ordering: .relaxed)
        }
    }

    /// Writes all of `bytes` at `offset`, retrying short and interrupted writes.
    private func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, _ file: Int) throws {
        var done = 0
        while done < bytes.count {
            let written = pwrite(
                descriptor, bytes.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset) + off_t(done))
            if written < 0 && errno == EINTR { continue }
            try check(written > 0 ? 0 : -1, "write", { path(of: files[file].entry) })
            done += written
        }
    }

    // MARK: Phase 3: hard links, then directory metadata deepest first

    private func linkAndSetDirectoryMetadata() throws {
        for (index, entry) in entries.enumerated() {
            guard !isStopped else { return }
            guard let target = entry.linkTarget, skipped[index] == nil, let parent = entry.parent else { continue }
            try createHardLink(index, entry, in: parent, to: target)
            entriesDone.add(1, ordering: .relaxed)
        }
        for (index, entry) in entries.enumerated().reversed() where entry.inode.kind == .directory {
            guard !isStopped else { return }
            try destination.withDirectory(of: index) { directory in
                try metadata.apply(entry.inode, toDescriptor: directory.descriptor.rawValue, path: path(of: index))
            }
            entriesDone.add(1, ordering: .relaxed)
        }
    }

    /// Links `entry` to the file this extraction created for `target`: under a temporary name, then renamed.
    private func createHardLink(_ index: Int, _ entry: ExtractionPlan.Entry, in parent: Int, to target: Int) throws {
        let targetEntry = entries[target]
        try destination.withDirectory(of: targetEntry.parent ?? 0) { source in
            try destination.withDirectory(of: parent) { directory in
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
    /// let summary = try await image.extract(to: "/srv/root") { progress in
    ///     print(progress.bytesWritten, "of", progress.totalBytes)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - destination: a directory that does not exist yet or is empty (see
    ///     ``ExtractionOptions/allowsNonEmptyDestination``).
    ///   - paths: the subtrees to extract; the whole image when empty.
    ///   - options: ownership, extended attributes, limits and parallelism.
    ///   - progress: called about ten times a second from another task, and once at the end.
    /// - Throws: ``SquashFSError``: `unsafeDestination`, `output`, `limitExceeded`, `cancelled`, `notFound` for a
    ///   missing path, or any reading error.
    public func extract(
        to destination: String, paths: [ImagePath] = [], options: ExtractionOptions = ExtractionOptions(),
        progress: (@Sendable (ExtractionProgress) -> Void)? = nil
    ) async throws -> ExtractionSummary {
        guard options.jobs >= 1 else {
            throw SquashFSError(.invalidArgument, "extraction needs at least one job, not \(options.jobs)")
        }
        let plan = try ExtractionPlan(image: self, paths: paths, options: options)
        guard !Task.isCancelled else { throw SquashFSError(.cancelled, "\(destination): extraction cancelled") }
        let extractor = try Extractor(image: self, plan: plan, destination: destination, options: options)
        let summary = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let progress {
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(nanoseconds: 100_000_000)
                            progress(extractor.progress)
                        }
                    }
                }
                defer { group.cancelAll() }
                return try await extractor.run()
            }
        } onCancel: {
            extractor.cancel()
        }
        progress?(extractor.progress)
        return summary
    }
}
