/// Everything an extraction creates, decided before anything is written: the entries in walk order (every
/// directory before its contents), hard-link groups, and the totals that the limits are checked against.
///
/// An entry keeps its parent's index and its own name, never its full path: the plan's memory follows the number
/// of entries, not their depth (4000 levels of 255-byte names once held 2 GB of paths). Paths, needed only for
/// messages and skipped-entry reports, are rebuilt from the parents by ``path(of:in:)``.
struct ExtractionPlan {
    /// One entry to create under the destination.
    struct Entry {
        /// The index of the parent directory's entry (always lower than the entry's own); `nil` for the
        /// destination itself.
        var parent: Int?
        /// The name inside the parent (empty for the destination).
        var name: [UInt8]
        var inode: Inode
        /// For a second or later name of a hard-linked inode, the entry that holds its first name.
        var linkTarget: Int?
    }

    private(set) var entries: [Entry] = []
    /// Bytes of regular-file contents, each inode once.
    private(set) var totalBytes: UInt64 = 0
    private var firstEntryOfInode: [InodeReference: Int] = [:]
    private var indexOfDirectory: [ImagePath: Int] = [:]
    private let image: SquashFSImage
    private let options: ExtractionOptions

    /// Plans the extraction of `paths` (the whole image when empty).
    init(image: SquashFSImage, paths: [ImagePath], options: ExtractionOptions) throws(SquashFSError) {
        self.image = image
        self.options = options
        let root = try image.rootInode()
        try add(Entry(parent: nil, name: [], inode: root))
        indexOfDirectory[.root] = 0
        for target in try Self.selectedTargets(image: image, paths: paths) {
            try addSubtree(at: target.path, inode: target.inode)
        }
    }

    /// Resolves the requested paths (symbolic links followed except in the last component) and drops those inside
    /// another requested subtree.
    private static func selectedTargets(image: SquashFSImage, paths: [ImagePath]) throws(SquashFSError)
        -> [(path: ImagePath, inode: Inode)]
    {
        guard !paths.isEmpty else { return [(.root, try image.rootInode())] }
        let resolved = try paths.map { (path) throws(SquashFSError) in try image.resolve(path, followSymlinks: false) }
            .sorted { $0.path < $1.path }
        var selected: [(path: ImagePath, inode: Inode)] = []
        for target in resolved {
            if selected.contains(where: { $0.path.contains(target.path) }) { continue }
            selected.append((target.path, target.inode))
        }
        return selected
    }

    /// Adds the ancestors of `path` that are not planned yet, then everything under `path`.
    private mutating func addSubtree(at path: ImagePath, inode: Inode) throws(SquashFSError) {
        var parent = 0
        var prefix = ImagePath.root
        for component in path.components.dropLast() {
            prefix = prefix.appending(component)
            if let index = indexOfDirectory[prefix] {
                parent = index
                continue
            }
            let directory = try image.inode(at: prefix, followSymlinks: false)
            try add(Entry(parent: parent, name: component, inode: directory))
            parent = entries.count - 1
            indexOfDirectory[prefix] = parent
        }
        if path.components.isEmpty {
            try addChildren(of: path)
            return
        }
        try add(Entry(parent: parent, name: path.lastComponent, inode: inode))
        if inode.kind == .directory {
            indexOfDirectory[path] = entries.count - 1
            try addChildren(of: path)
        }
    }

    /// Adds everything below the planned directory at `path`, depth-first.
    private mutating func addChildren(of path: ImagePath) throws(SquashFSError) {
        guard let directoryIndex = indexOfDirectory[path] else { return }
        var walker = try image.walk(from: path)
        // The walk is depth-first: the parent of an entry at depth d is the last directory seen at depth d - 1.
        var parents = [directoryIndex]
        _ = try walker.next()
        while let entry = try walker.next() {
            parents.removeSubrange(entry.depth...)
            guard let parent = parents.last else {
                throw SquashFSError.corrupt("\(image.name): \(entry.path): walk depth \(entry.depth) out of order")
            }
            try add(Entry(parent: parent, name: entry.name, inode: entry.inode))
            if entry.inode.kind == .directory { parents.append(entries.count - 1) }
        }
    }

    /// Appends an entry, noting hard links and checking the limits.
    private mutating func add(_ entry: Entry) throws(SquashFSError) {
        guard entries.count < options.maximumEntries else {
            throw SquashFSError(
                .limitExceeded,
                "\(image.name): extraction would create more than \(options.maximumEntries) entries (at \(pathOf(entry)))"
            )
        }
        var entry = entry
        if entry.inode.kind != .directory {
            if let first = firstEntryOfInode[entry.inode.reference] {
                entry.linkTarget = first
            } else {
                firstEntryOfInode[entry.inode.reference] = entries.count
                if entry.inode.kind == .regularFile {
                    let (total, overflow) = totalBytes.addingReportingOverflow(entry.inode.size)
                    guard !overflow, total <= options.maximumTotalBytes else {
                        throw SquashFSError(
                            .limitExceeded,
                            "\(image.name): extraction would write more than \(options.maximumTotalBytes) bytes "
                                + "(at \(pathOf(entry)), \(entry.inode.size) bytes)")
                    }
                    totalBytes = total
                }
            }
        }
        entries.append(entry)
    }

    /// The image path of `entry`, about to be appended, for messages.
    private func pathOf(_ entry: Entry) -> ImagePath {
        guard let parent = entry.parent else { return .root }
        return Self.path(of: parent, in: entries).appending(entry.name)
    }

    /// The path inside the image of entry `index` of `entries`, rebuilt from the parents (`/` for the destination
    /// itself, or for an index outside the plan).
    static func path(of index: Int, in entries: [Entry]) -> ImagePath {
        var names: [[UInt8]] = []
        var current = index
        // Parents always come first, so each step goes down: the loop ends even on a malformed plan.
        while current >= 0, current < entries.count, let parent = entries[current].parent, parent < current {
            names.append(entries[current].name)
            current = parent
        }
        let slash = UInt8(ascii: "/")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(names.reduce(0) { $0 + $1.count + 1 })
        for name in names.reversed() {
            bytes.append(slash)
            bytes.append(contentsOf: name)
        }
        return bytes.isEmpty ? .root : ImagePath(bytes: bytes)
    }
}

extension ImagePath {
    /// Whether `other` is this path or lies below it.
    func contains(_ other: ImagePath) -> Bool {
        let mine = components
        let theirs = other.components
        return theirs.count >= mine.count && Array(theirs.prefix(mine.count)) == mine
    }
}
