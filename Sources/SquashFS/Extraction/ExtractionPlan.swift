/// Everything an extraction creates, decided before anything is written: the entries in walk order (every
/// directory before its contents), hard-link groups, and the totals that the limits are checked against.
struct ExtractionPlan {
    /// One entry to create under the destination.
    struct Entry {
        /// The index of the parent directory's entry; `nil` for the destination itself.
        var parent: Int?
        /// The name inside the parent (empty for the destination).
        var name: [UInt8]
        /// The entry's path inside the image, for messages.
        var path: ImagePath
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
    init(image: SquashFSImage, paths: [ImagePath], options: ExtractionOptions) throws {
        self.image = image
        self.options = options
        let root = try image.rootInode()
        try add(Entry(parent: nil, name: [], path: .root, inode: root))
        indexOfDirectory[.root] = 0
        for target in try Self.selectedTargets(image: image, paths: paths) {
            try addSubtree(at: target.path, inode: target.inode)
        }
    }

    /// Resolves the requested paths (symbolic links followed except in the last component) and drops those inside
    /// another requested subtree.
    private static func selectedTargets(image: SquashFSImage, paths: [ImagePath]) throws
        -> [(path: ImagePath, inode: Inode)]
    {
        guard !paths.isEmpty else { return [(.root, try image.rootInode())] }
        let resolved = try paths.map { try image.resolve($0, followSymlinks: false) }.sorted { $0.path < $1.path }
        var selected: [(path: ImagePath, inode: Inode)] = []
        for target in resolved {
            if selected.contains(where: { $0.path.contains(target.path) }) { continue }
            selected.append(target)
        }
        return selected
    }

    /// Adds the ancestors of `path` that are not planned yet, then everything under `path`.
    private mutating func addSubtree(at path: ImagePath, inode: Inode) throws {
        var parent = 0
        var prefix = ImagePath.root
        for component in path.components.dropLast() {
            prefix = prefix.appending(component)
            if let index = indexOfDirectory[prefix] {
                parent = index
                continue
            }
            let directory = try image.inode(at: prefix, followSymlinks: false)
            try add(Entry(parent: parent, name: component, path: prefix, inode: directory))
            parent = entries.count - 1
            indexOfDirectory[prefix] = parent
        }
        if path.components.isEmpty {
            try addChildren(of: path)
            return
        }
        try add(Entry(parent: parent, name: path.lastComponent, path: path, inode: inode))
        if inode.kind == .directory {
            indexOfDirectory[path] = entries.count - 1
            try addChildren(of: path)
        }
    }

    /// Adds everything below the planned directory at `path`, depth-first.
    private mutating func addChildren(of path: ImagePath) throws {
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
            try add(Entry(parent: parent, name: entry.path.lastComponent, path: entry.path, inode: entry.inode))
            if entry.inode.kind == .directory { parents.append(entries.count - 1) }
        }
    }

    /// Appends an entry, noting hard links and checking the limits.
    private mutating func add(_ entry: Entry) throws {
        guard entries.count < options.maximumEntries else {
            throw SquashFSError(
                .limitExceeded,
                "\(image.name): extraction would create more than \(options.maximumEntries) entries (at \(entry.path))"
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
                                + "(at \(entry.path), \(entry.inode.size) bytes)")
                    }
                    totalBytes = total
                }
            }
        }
        entries.append(entry)
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
