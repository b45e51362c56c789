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
        guard options.include.isEmpty && options.exclude.isEmpty else {
            try addMatching(paths: paths)
            return
        }
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

// MARK: Patterns

extension ExtractionPlan {
    /// A directory on the path to the entry being walked, in a pattern extraction.
    private struct PatternLevel {
        var name: [UInt8]
        var inode: Inode
        /// Its plan index, once it is planned; `nil` while it is only a possible parent of matches.
        var index: Int?
        /// Whether it and everything below it are selected.
        var selected: Bool
        /// The positions each include pattern reached at this directory (empty: it cannot match below).
        var include: [[Int]]
        /// The positions each exclude pattern reached.
        var exclude: [[Int]]
    }

    /// Plans the entries the include patterns and `paths` select, minus those the exclude patterns leave out, in one
    /// walk that prunes every subtree no pattern can match in (or that is excluded). Matched directories bring their
    /// subtree; the parents of selected entries are planned only when something below them is selected.
    private mutating func addMatching(paths: [ImagePath]) throws(SquashFSError) {
        var include = options.include
        let userPatterns = include.count
        for path in paths {
            include.append(.literal(try image.resolve(path, followSymlinks: false).path))
        }
        let exclude = options.exclude
        var matched = [Bool](repeating: false, count: userPatterns)
        var root = PatternLevel(
            name: [], inode: entries[0].inode, index: 0, selected: include.isEmpty,
            include: include.map(\.initialPositions), exclude: exclude.map(\.initialPositions))
        for (number, pattern) in include.enumerated() where pattern.accepts(root.include[number]) {
            root.selected = true
            if number < userPatterns { matched[number] = true }
        }
        let rootExcluded = zip(exclude, root.exclude).contains { $0.accepts($1) }
        if !rootExcluded {
            // A walk that may visit most of the tree decodes the metadata up front on all cores.
            let broad = root.selected || include.contains { $0.components.first == .anyComponents }
            var walker = broad ? try image.walk() : try TreeWalker(image: image, from: .root)
            _ = try walker.next()
            var levels = [root]
            while let entry = try walker.next() {
                if entry.depth < levels.count { levels.removeSubrange(entry.depth...) }
                guard let parent = levels.last, levels.count == entry.depth else {
                    throw SquashFSError.corrupt("\(image.name): \(entry.path): walk depth \(entry.depth) out of order")
                }
                let name = entry.name
                var excluded = false
                var excludeStates: [[Int]] = []
                excludeStates.reserveCapacity(exclude.count)
                for (number, pattern) in exclude.enumerated() {
                    let from = parent.exclude[number]
                    let next = from.isEmpty ? from : pattern.advance(from, name: name)
                    if pattern.accepts(next) {
                        excluded = true
                        break
                    }
                    excludeStates.append(next)
                }
                if excluded {
                    walker.skipDescendants()
                    continue
                }
                var selected = parent.selected
                var live = false
                var includeStates: [[Int]] = []
                includeStates.reserveCapacity(include.count)
                for (number, pattern) in include.enumerated() {
                    let from = parent.include[number]
                    // Inside a selected subtree a pattern is followed only until it has matched (a pattern that
                    // selects nothing is reported).
                    if from.isEmpty || parent.selected && (number >= userPatterns || matched[number]) {
                        includeStates.append([])
                        continue
                    }
                    let next = pattern.advance(from, name: name)
                    if pattern.accepts(next) {
                        selected = true
                        if number < userPatterns { matched[number] = true }
                    }
                    live = live || !next.isEmpty
                    includeStates.append(next)
                }
                let isDirectory = entry.inode.kind == .directory
                var level = PatternLevel(
                    name: name, inode: entry.inode, index: nil, selected: selected, include: includeStates,
                    exclude: excludeStates)
                if selected {
                    let parentIndex = try planAncestors(&levels)
                    try add(Entry(parent: parentIndex, name: name, inode: entry.inode))
                    level.index = entries.count - 1
                } else if !(isDirectory && live) {
                    walker.skipDescendants()
                    continue
                }
                if isDirectory { levels.append(level) }
            }
        }
        if let missing = matched.firstIndex(of: false) {
            let outside = exclude.isEmpty ? "" : " outside the excluded entries"
            throw SquashFSError(.notFound, "\(image.name): nothing matches '\(include[missing])'\(outside)")
        }
    }

    /// Plans the directories of `levels` that are not planned yet, outermost first; returns the plan index of the
    /// last one.
    private mutating func planAncestors(_ levels: inout [PatternLevel]) throws(SquashFSError) -> Int {
        var first = levels.count - 1
        while first > 0 && levels[first].index == nil { first -= 1 }
        guard var parent = levels[first].index else {
            throw SquashFSError.corrupt("\(image.name): pattern walk lost the root")
        }
        for level in (first + 1)..<levels.count {
            try add(Entry(parent: parent, name: levels[level].name, inode: levels[level].inode))
            parent = entries.count - 1
            levels[level].index = parent
        }
        return parent
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
