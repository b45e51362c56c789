import SquashFS

/// Walks two trees together and records their differences (see ``ImageDifference``).
///
/// Both walks yield entries in the same order: depth first, each directory's names sorted as bytes, so comparing the
/// entries' paths component by component merges them in one pass. Regular files are compared through their stored
/// layouts: equal stored blocks are equal without decoding; other blocks are decoded and compared. File tails in
/// fragment blocks whose stored bytes differ are queued, and the fragment blocks the queue needs are decoded in
/// batches on all cores before the queued files are settled, in order.
struct TreeComparison {
    private let old: SquashFSImage
    private let new: SquashFSImage
    private let options: ImageDifference.Options
    private var result = ImageDifference.Files()
    private var recordedChanges = 0
    private var comparedBytes: UInt64 = 0
    private var entriesSeen = 0

    /// A changed-file record waiting for its fragment tails to be compared.
    private struct Queued {
        var file: ImageDifference.ChangedFile
        var tails: (old: StoredFileContent.Fragment, new: StoredFileContent.Fragment)?
    }

    /// A decoded fragment block of one of the images.
    private struct FragmentKey: Hashable {
        var isNew: Bool
        var index: UInt32
    }

    private var queue: [Queued] = []
    private var neededFragments: Set<FragmentKey> = []
    private var decodedFragments: [FragmentKey: [UInt8]] = [:]
    /// Whether the stored bytes of fragment block `old` (old image) and `new` (new image) are equal, for the pairs
    /// compared recently.
    private var storedFragmentsEqual: [UInt64: Bool] = [:]
    /// Scratch buffers for stored bytes, one block of each image.
    private let scratch: ScratchBuffers

    /// How many distinct fragment blocks (both images together) a batch decodes at most.
    private static let fragmentBatch = 16
    /// How many changed files may wait in the queue.
    private static let maximumQueued = 4096

    init(old: SquashFSImage, new: SquashFSImage, options: ImageDifference.Options) {
        self.old = old
        self.new = new
        self.options = options
        scratch = ScratchBuffers(old: Int(old.superblock.blockSize), new: Int(new.superblock.blockSize))
    }

    /// One image's walk: the current entry and its path as components.
    private struct Side {
        let image: SquashFSImage
        var walker: TreeWalker
        var components: [[UInt8]] = []
        var current: WalkEntry?

        init(image: SquashFSImage) throws(ImageContentsError) {
            self.image = image
            do {
                walker = try image.walk()
            } catch {
                throw ImageContentsError(reading: .root, in: image, error)
            }
        }

        mutating func advance() throws(ImageContentsError) {
            let previous = current
            do {
                current = try walker.next()
            } catch {
                throw ImageContentsError(reading: previous?.path ?? .root, in: image, error)
            }
            guard let entry = current else { return }
            let parentCount = max(0, entry.depth - 1)
            if components.count > parentCount { components.removeSubrange(parentCount...) }
            if entry.depth > 0 { components.append(entry.name) }
        }
    }

    /// Compares paths given as components: negative, zero or positive.
    private static func compare(_ lhs: [[UInt8]], _ rhs: [[UInt8]]) -> Int {
        for index in 0..<min(lhs.count, rhs.count) {
            let (left, right) = (lhs[index], rhs[index])
            if left == right { continue }
            return left.lexicographicallyPrecedes(right) ? -1 : 1
        }
        return lhs.count - rhs.count
    }

    mutating func run() throws(ImageContentsError) -> ImageDifference.Files {
        var before = try Side(image: old)
        var after = try Side(image: new)
        try before.advance()
        try after.advance()
        while before.current != nil || after.current != nil {
            entriesSeen += 1
            if entriesSeen & 1023 == 0, Task.isCancelled {
                throw ImageContentsError(.cancelled, "comparing \(old.name) with \(new.name) was cancelled")
            }
            let order: Int
            if before.current == nil {
                order = 1
            } else if after.current == nil {
                order = -1
            } else {
                order = Self.compare(before.components, after.components)
            }
            if order < 0, let entry = before.current {
                try record { $0.removed.append(ImageDifference.Entry(path: entry.path, kind: entry.inode.kind)) }
                try before.advance()
            } else if order > 0, let entry = after.current {
                try record { $0.added.append(ImageDifference.Entry(path: entry.path, kind: entry.inode.kind)) }
                try after.advance()
            } else if let was = before.current, let now = after.current {
                try compare(was, now)
                try before.advance()
                try after.advance()
            }
        }
        try flush()
        return result
    }

    /// Adds one change to the result, within ``ImageDifference/Options/maximumFileChanges``.
    private mutating func record(_ add: (inout ImageDifference.Files) -> Void) throws(ImageContentsError) {
        recordedChanges += 1
        guard recordedChanges <= options.maximumFileChanges else {
            throw ImageContentsError(
                .limitExceeded,
                "\(old.name) and \(new.name) differ in more than \(options.maximumFileChanges) entries "
                    + "(ImageDifference.Options.maximumFileChanges)")
        }
        add(&result)
    }

    /// Counts bytes read or decoded, within ``ImageDifference/Options/maximumComparedBytes``.
    private mutating func spend(_ bytes: Int) throws(ImageContentsError) {
        comparedBytes += UInt64(max(0, bytes))
        guard comparedBytes <= options.maximumComparedBytes else {
            throw ImageContentsError(
                .limitExceeded,
                "comparing \(old.name) with \(new.name) reads more than \(options.maximumComparedBytes) bytes "
                    + "(ImageDifference.Options.maximumComparedBytes)")
        }
    }

    /// Compares two entries at the same path.
    private mutating func compare(_ was: WalkEntry, _ now: WalkEntry) throws(ImageContentsError) {
        let (before, after) = (was.inode, now.inode)
        var changes: [ImageDifference.Change] = []
        var tails: (old: StoredFileContent.Fragment, new: StoredFileContent.Fragment)?
        if before.kind != after.kind {
            changes.append(.type)
        } else {
            switch before.kind {
            case .regularFile:
                if before.size != after.size {
                    changes += [.size, .content]
                } else {
                    switch try compareContents(before, after, path: now.path) {
                    case .same: break
                    case .different: changes.append(.content)
                    case .tails(let old, let new): tails = (old, new)
                    }
                }
            case .symbolicLink:
                if before.size != after.size { changes.append(.size) }
                if before.symlinkTarget != after.symlinkTarget { changes.append(.linkTarget) }
            case .blockDevice, .characterDevice:
                if before.device != after.device { changes.append(.device) }
            case .directory, .fifo, .socket:
                break
            }
            if before.permissions != after.permissions { changes.append(.mode) }
            if before.uid != after.uid || before.gid != after.gid { changes.append(.owner) }
            if before.xattrIndex != nil || after.xattrIndex != nil {
                if try attributes(of: before, in: old, path: was.path)
                    != attributes(of: after, in: new, path: now.path)
                {
                    changes.append(.extendedAttributes)
                }
            }
            if options.comparesModificationTimes && before.modificationTime != after.modificationTime {
                changes.append(.modificationTime)
            }
        }
        guard !changes.isEmpty || tails != nil else { return }
        let file = ImageDifference.ChangedFile(path: now.path, changes: changes)
        if tails == nil && queue.isEmpty {
            try record { $0.changed.append(file) }
            return
        }
        queue.append(Queued(file: file, tails: tails))
        if let tails {
            for key in [
                FragmentKey(isNew: false, index: tails.old.index), FragmentKey(isNew: true, index: tails.new.index),
            ]
            where decodedFragments[key] == nil {
                neededFragments.insert(key)
            }
        }
        if neededFragments.count >= Self.fragmentBatch || queue.count >= Self.maximumQueued { try flush() }
    }

    /// An inode's extended attributes, sorted by name.
    private func attributes(of inode: Inode, in image: SquashFSImage, path: ImagePath) throws(ImageContentsError)
        -> [ExtendedAttribute]
    {
        do {
            return try image.extendedAttributes(of: inode).sorted { $0.name.lexicographicallyPrecedes($1.name) }
        } catch {
            throw ImageContentsError(reading: path, in: image, error)
        }
    }

    private enum ContentComparison {
        case same
        case different
        /// The data blocks are equal; the tails in these fragments remain to be compared.
        case tails(StoredFileContent.Fragment, StoredFileContent.Fragment)
    }

    /// Compares two regular files of the same size.
    private mutating func compareContents(_ before: Inode, _ after: Inode, path: ImagePath)
        throws(ImageContentsError) -> ContentComparison
    {
        let was: StoredFileContent
        let now: StoredFileContent
        do {
            was = try old.storedContent(of: before)
        } catch {
            throw ImageContentsError(reading: path, in: old, error)
        }
        do {
            now = try new.storedContent(of: after)
        } catch {
            throw ImageContentsError(reading: path, in: new, error)
        }
        guard was.blockSize == now.blockSize, was.blocks.count == now.blocks.count,
            (was.fragment == nil) == (now.fragment == nil)
        else {
            return try compareDecoded(before, after, path: path) ? .same : .different
        }
        var readers: (old: FileReader, new: FileReader)?
        for index in was.blocks.indices {
            let (left, right) = (was.blocks[index], now.blocks[index])
            if left.sizeWord == right.sizeWord {
                if left.isSparse { continue }
                if try sameStoredBytes(left, right, path: path) { continue }
            }
            // The stored bytes differ: decode both blocks.
            if readers == nil { readers = try fileReaders(before, after, path: path) }
            guard let (oldReader, newReader) = readers else { return .different }
            let count = was.decodedSize(ofBlock: index)
            let offset = UInt64(index) * UInt64(was.blockSize)
            try spend(2 * count)
            let decoded = try read(oldReader, in: old, at: offset, count: count, path: path)
            if decoded != (try read(newReader, in: new, at: offset, count: count, path: path)) { return .different }
        }
        guard let left = was.fragment, let right = now.fragment else { return .same }
        if left.offset == right.offset, left.length == right.length, left.block.sizeWord == right.block.sizeWord {
            let key = UInt64(left.index) << 32 | UInt64(right.index)
            let equal: Bool
            if let known = storedFragmentsEqual[key] {
                equal = known
            } else {
                equal = try sameStoredBytes(left.block, right.block, path: path)
                if storedFragmentsEqual.count >= 4096 { storedFragmentsEqual.removeAll(keepingCapacity: true) }
                storedFragmentsEqual[key] = equal
            }
            if equal { return .same }
        }
        return .tails(left, right)
    }

    /// Whether two stored blocks (of the same size word) hold the same stored bytes.
    private mutating func sameStoredBytes(
        _ left: StoredFileContent.Block, _ right: StoredFileContent.Block, path: ImagePath
    ) throws(ImageContentsError) -> Bool {
        let count = left.storedSize
        try spend(2 * count)
        do {
            try old.readStoredBytes(of: left, into: scratch.old)
        } catch {
            throw ImageContentsError(reading: path, in: old, error)
        }
        do {
            try new.readStoredBytes(of: right, into: scratch.new)
        } catch {
            throw ImageContentsError(reading: path, in: new, error)
        }
        return UnsafeRawBufferPointer(rebasing: scratch.old[0..<count]).elementsEqual(
            UnsafeRawBufferPointer(rebasing: scratch.new[0..<count]))
    }

    private func fileReaders(_ before: Inode, _ after: Inode, path: ImagePath) throws(ImageContentsError)
        -> (FileReader, FileReader)
    {
        let oldReader: FileReader
        do {
            oldReader = try old.fileReader(for: before)
        } catch {
            throw ImageContentsError(reading: path, in: old, error)
        }
        do {
            return (oldReader, try new.fileReader(for: after))
        } catch {
            throw ImageContentsError(reading: path, in: new, error)
        }
    }

    private func read(_ reader: FileReader, in image: SquashFSImage, at offset: UInt64, count: Int, path: ImagePath)
        throws(ImageContentsError) -> [UInt8]
    {
        do {
            return try reader.read(at: offset, count: count)
        } catch {
            throw ImageContentsError(reading: path, in: image, error)
        }
    }

    /// Compares two files of the same size stored differently (another block size, a tail in a fragment on one side
    /// only) by decoding both, 1 MiB at a time.
    private mutating func compareDecoded(_ before: Inode, _ after: Inode, path: ImagePath)
        throws(ImageContentsError) -> Bool
    {
        let (oldReader, newReader) = try fileReaders(before, after, path: path)
        let chunk = 1 << 20
        var offset: UInt64 = 0
        while offset < before.size {
            let count = Int(min(UInt64(chunk), before.size - offset))
            try spend(2 * count)
            let decoded = try read(oldReader, in: old, at: offset, count: count, path: path)
            if decoded != (try read(newReader, in: new, at: offset, count: count, path: path)) { return false }
            offset += UInt64(count)
        }
        return true
    }

    /// Decodes the fragment blocks the queue needs (on all cores), settles the queued files in order and records
    /// those that changed.
    private mutating func flush() throws(ImageContentsError) {
        guard !queue.isEmpty else { return }
        let missing = Array(neededFragments)
        if !missing.isEmpty {
            let decoded = decodeFragmentBlocks(missing.map { (image: $0.isNew ? new : old, index: $0.index) })
            for (key, outcome) in zip(missing, decoded) {
                switch outcome {
                case .success(let block):
                    try spend(block.count)
                    decodedFragments[key] = block
                case .failure(let error):
                    throw ImageContentsError(
                        .image, "\(key.isNew ? new.name : old.name): fragment block \(key.index) cannot be read",
                        underlyingError: error)
                }
            }
        }
        neededFragments.removeAll(keepingCapacity: true)
        var lastTails: (old: FragmentKey, new: FragmentKey)?
        for queued in queue {
            var file = queued.file
            if let tails = queued.tails {
                let keys = (
                    old: FragmentKey(isNew: false, index: tails.old.index),
                    new: FragmentKey(isNew: true, index: tails.new.index)
                )
                lastTails = keys
                let same = try sameTail(
                    tails.old, in: decodedFragments[keys.old] ?? [], of: old,
                    as: tails.new, in: decodedFragments[keys.new] ?? [], of: new, path: file.path)
                if !same { file.changes.insert(.content, at: 0) }
            }
            if !file.changes.isEmpty {
                let changed = file
                try record { $0.changed.append(changed) }
            }
        }
        queue.removeAll(keepingCapacity: true)
        // The files after the last queued one most likely continue in the same fragment blocks: keep those.
        let keep = decodedFragments.filter { key, _ in key == lastTails?.old || key == lastTails?.new }
        decodedFragments = keep
    }

    /// Whether two tails, in decoded fragment blocks, are equal; a tail outside its block is a corrupt image.
    private func sameTail(
        _ left: StoredFileContent.Fragment, in leftBlock: [UInt8], of leftImage: SquashFSImage,
        as right: StoredFileContent.Fragment, in rightBlock: [UInt8], of rightImage: SquashFSImage,
        path: ImagePath
    ) throws(ImageContentsError) -> Bool {
        for (tail, block, image) in [(left, leftBlock, leftImage), (right, rightBlock, rightImage)] {
            guard tail.offset <= block.count, tail.length <= block.count - tail.offset else {
                throw ImageContentsError(
                    .image,
                    "\(image.name): \(path): the tail of \(tail.length) bytes at \(tail.offset) is past the end of "
                        + "fragment \(tail.index) (\(block.count) bytes)",
                    underlyingError: SquashFSError(.corrupt, "\(image.name): fragment \(tail.index) is too short"))
            }
        }
        return leftBlock[left.offset..<(left.offset + left.length)]
            == rightBlock[right.offset..<(right.offset + right.length)]
    }
}

/// Two buffers for stored blocks, one per image, released with the comparison.
private final class ScratchBuffers {
    let old: UnsafeMutableRawBufferPointer
    let new: UnsafeMutableRawBufferPointer

    init(old: Int, new: Int) {
        self.old = .allocate(byteCount: old, alignment: 16)
        self.new = .allocate(byteCount: new, alignment: 16)
    }

    deinit {
        old.deallocate()
        new.deallocate()
    }
}
