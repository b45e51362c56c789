/// One entry produced by a ``TreeWalker``: a path and its inode.
///
/// An entry holds its directory's path (shared with the walker and the entry's siblings, not copied) and its own
/// name; ``path`` joins them when it is read, so a walk that reads only ``name`` costs the same at every depth.
public struct WalkEntry: Hashable, Sendable {
    /// The path of the entry's directory, or the entry's whole path when `leaf` is empty.
    private var directoryBytes: [UInt8]
    /// The entry's name in its directory; empty for the starting point of a walk (or a path set by hand).
    private var leaf: [UInt8]

    /// The path from the image root (`/` for the root itself), built when read: its cost follows the path's length.
    public var path: ImagePath {
        get { leaf.isEmpty ? ImagePath(bytes: directoryBytes) : ImagePath(bytes: directoryBytes).appending(leaf) }
        set {
            directoryBytes = newValue.bytes
            leaf = []
        }
    }
    /// The entry's inode.
    public var inode: Inode
    /// How deep the entry is: 0 for the root, 1 for its children.
    public var depth: Int

    /// The entry's name in its directory (the last component of ``path``, `/` for the root), without building the
    /// path.
    public var name: [UInt8] { leaf.isEmpty ? path.lastComponent : leaf }

    init(path: ImagePath, inode: Inode, depth: Int) {
        self.init(directory: path.bytes, name: [], inode: inode, depth: depth)
    }

    init(directory: [UInt8], name: [UInt8], inode: Inode, depth: Int) {
        directoryBytes = directory
        leaf = name
        self.inode = inode
        self.depth = depth
    }

    public static func == (lhs: WalkEntry, rhs: WalkEntry) -> Bool {
        lhs.inode == rhs.inode && lhs.depth == rhs.depth
            && (lhs.directoryBytes == rhs.directoryBytes && lhs.leaf == rhs.leaf || lhs.path == rhs.path)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(inode)
        hasher.combine(depth)
    }
}

/// Walks an image's tree depth-first, in on-disk (sorted) order, without recursion.
///
/// Each directory is entered once: a directory reachable twice (a loop or a directory hard link), or two directories
/// sharing one listing, is an error, as is a tree deeper than ``SquashFSImage/Options/maximumDepth``. Hard-linked files are reported at every path; their
/// inodes share a ``Inode/reference``.
///
/// ```swift
/// var walker = try image.walk()
/// while let entry = try walker.next() {
///     print(entry.inode.modeString, entry.path)
/// }
/// ```
public struct TreeWalker {
    /// One directory being listed. A frame holds no path: its directory's name is the part of
    /// `directoryPath` after `parentPathLength`, and its parent is the frame below it, so the walker's
    /// state grows with the depth plus the length of one path, never with depth × path length (4000 levels of
    /// 255-byte names once kept 2 GB of paths).
    private struct Frame {
        /// How long `directoryPath` was before this directory's name was appended: its parent's path.
        var parentPathLength: Int
        var depth: Int
        var listing: DirectoryListingReader
    }

    private let image: SquashFSImage
    private var stack: [Frame] = []
    /// The path of the directory on top of the stack, the only full path the walker keeps; the entries of that
    /// directory share it, and build their own path only when asked.
    private var directoryPath: [UInt8] = []
    private var pendingRoot: WalkEntry?
    private var visitedDirectories: Set<InodeReference> = []
    /// Where the non-empty listings entered so far start (directory table block << 16 | offset).
    private var visitedListings: Set<UInt64> = []
    private var inodeBlockMemo = MetadataBlockMemo()
    private let skipsDescendants: Bool
    /// Whether the entry ``next()`` returned last is a directory whose listing is on top of the stack.
    private var enteredLastEntry = false

    init(image: SquashFSImage, from path: ImagePath, recursive: Bool = true) throws(SquashFSError) {
        self.image = image
        self.skipsDescendants = !recursive
        let resolved = try image.resolve(path)
        let (canonical, inode) = (resolved.path, resolved.inode)
        directoryPath = canonical.bytes
        pendingRoot = WalkEntry(path: canonical, inode: inode, depth: 0)
    }

    /// The next entry, or `nil` when the walk is complete.
    ///
    /// - Throws: ``SquashFSError``; after an error the walk cannot continue.
    public mutating func next() throws(SquashFSError) -> WalkEntry? {
        enteredLastEntry = false
        if let root = pendingRoot.take() {
            if let layout = root.inode.directory {
                try enter(root.path, inode: root.inode, layout: layout, depth: 0)
                enteredLastEntry = true
            }
            return root
        }
        while let top = stack.indices.last {
            // Advance the top frame's listing in place (no copy of the frame per entry); only the name is copied.
            let next = try stack.withUnsafeMutableBufferPointer { (frames) throws(SquashFSError) in
                try frames[top].listing.nextEntry { (name, kind, number, reference) throws(SquashFSError) in
                    ([UInt8](name), kind, number, reference, frames[top].depth + 1)
                }
            }
            guard let (name, kind, number, reference, depth) = next else {
                let finished = stack.removeLast()
                if finished.parentPathLength < directoryPath.count {
                    directoryPath.removeSubrange(finished.parentPathLength...)
                }
                continue
            }
            let entry = try WalkEntry(
                directory: directoryPath, name: name,
                inode: image.inode(
                    at: reference, listedAs: kind, number: number,
                    entryName: ImagePath(bytes: directoryPath).appending(name).description, memo: &inodeBlockMemo),
                depth: depth)
            if !skipsDescendants, let layout = entry.inode.directory {
                try enter(entry.path, inode: entry.inode, layout: layout, depth: depth)
                enteredLastEntry = true
            }
            return entry
        }
        return nil
    }

    /// Skips the descendants of the directory ``next()`` returned last: the walk goes on with its next sibling (a
    /// pattern extraction prunes subtrees that cannot match). Does nothing after any other entry.
    package mutating func skipDescendants() {
        guard enteredLastEntry, let finished = stack.popLast() else { return }
        enteredLastEntry = false
        if finished.parentPathLength < directoryPath.count {
            directoryPath.removeSubrange(finished.parentPathLength...)
        }
    }

    /// Pushes a frame for the directory `inode` found at `path`, which becomes `directoryPath`.
    private mutating func enter(_ path: ImagePath, inode: Inode, layout: DirectoryLayout, depth: Int)
        throws(SquashFSError)
    {
        let reference = inode.reference
        guard visitedDirectories.insert(reference).inserted else {
            throw SquashFSError.corrupt("\(image.name): directory loop: \(path) (\(reference)) was already visited")
        }
        // No writer shares a listing between directories; an image that does would multiply the walk (4000
        // directory inodes sharing one 4000-entry listing list 16 million entries), so it is refused.
        let listingStart = UInt64(layout.startBlock) << 16 | UInt64(layout.startOffset)
        guard layout.listingSize == 0 || visitedListings.insert(listingStart).inserted else {
            throw SquashFSError.corrupt(
                "\(image.name): directory \(path) (\(reference)) shares its listing (directory block "
                    + "\(layout.startBlock), offset \(layout.startOffset)) with a directory already walked")
        }
        guard depth < image.options.maximumDepth else {
            throw SquashFSError(
                .limitExceeded, "\(image.name): \(path) is deeper than \(image.options.maximumDepth) levels")
        }
        let listing = try DirectoryListingReader(
            image: image, block: layout.startBlock, offset: Int(layout.startOffset),
            listingSize: Int(layout.listingSize), directoryInode: inode.number)
        stack.append(Frame(parentPathLength: directoryPath.count, depth: depth, listing: listing))
        directoryPath = path.bytes
    }
}

extension SquashFSImage {
    /// Walks the tree under `path` (the whole image by default), the starting directory first.
    ///
    /// - Parameters:
    ///   - path: where to start; symbolic links are followed to find it.
    ///   - recursive: `false` lists only the starting directory and its direct children.
    public func walk(from path: ImagePath = .root, recursive: Bool = true) throws(SquashFSError) -> TreeWalker {
        if recursive && path.components.isEmpty {
            // A whole-tree walk needs every inode and directory block: decode them up front on all cores.
            let blocks = options.metadataCacheBlocks / 2
            reader.preloadMetadata(from: superblock.directoryTableStart, to: directoryTableEnd, maximumBlocks: blocks)
            reader.preloadMetadata(
                from: superblock.inodeTableStart, to: superblock.directoryTableStart, maximumBlocks: blocks)
        }
        return try TreeWalker(image: self, from: path, recursive: recursive)
    }
}
