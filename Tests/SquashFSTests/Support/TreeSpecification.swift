import TestSupport

/// The contents of a regular file in a source tree, generated deterministically from a seed.
enum FileContent: Sendable {
    /// These exact bytes.
    case bytes([UInt8])
    /// Incompressible random bytes.
    case random(count: Int, seed: UInt64)
    /// Compressible text: random words from a small vocabulary.
    case text(count: Int, seed: UInt64)
    /// A random 1000-byte period repeated (compresses very well, so large sizes stay cheap to build).
    case pattern(count: Int, seed: UInt64)
    /// A sparse file: `size` bytes of which only `extents` are written (random bytes); the rest are holes.
    case sparse(size: Int, extents: [SparseExtent])

    /// The file's size in bytes.
    var size: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .random(let count, _), .text(let count, _), .pattern(let count, _): count
        case .sparse(let size, _): size
        }
    }

    /// The data to write: (offset, bytes) pairs; anything not covered is a hole.
    func extents() -> [(offset: Int, bytes: [UInt8])] {
        switch self {
        case .bytes(let bytes): return [(0, bytes)]
        case .random(let count, let seed):
            var generator = SeededGenerator(seed: seed)
            return [(0, generator.bytes(count))]
        case .text(let count, let seed): return [(0, Self.text(count: count, seed: seed))]
        case .pattern(let count, let seed):
            var generator = SeededGenerator(seed: seed)
            let period = generator.bytes(1000)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            while bytes.count < count { bytes.append(contentsOf: period.prefix(count - bytes.count)) }
            return [(0, bytes)]
        case .sparse(_, let extents):
            return extents.map { extent in
                var generator = SeededGenerator(seed: extent.seed)
                return (extent.offset, generator.bytes(extent.count))
            }
        }
    }

    private static func text(count: Int, seed: UInt64) -> [UInt8] {
        let words = [
            "squashfs", "inode", "fragment", "block", "directory", "metadata", "maas", "image", "kernel", "initrd",
            "boot", "ubuntu", "xattr", "symlink", "the", "a", "of", "and", "compressed", "table", "\n",
        ].map { Array($0.utf8) }
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 16)
        while bytes.count < count {
            bytes.append(contentsOf: words[Int(generator.next() % UInt64(words.count))])
            bytes.append(0x20)
        }
        return Array(bytes.prefix(count))
    }
}

/// A written region of a sparse file.
struct SparseExtent: Sendable {
    var offset: Int
    var count: Int
    var seed: UInt64
}

/// An extended attribute to set on a node.
struct XattrSpecification: Sendable {
    var name: String
    var value: [UInt8]

    init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }

    init(_ name: String, _ value: String) {
        self.init(name, Array(value.utf8))
    }
}

/// One node of a source tree to create on disk.
struct TreeNode: Sendable {
    /// What the node is.
    enum Kind: Sendable {
        case directory
        case file(FileContent)
        case symlink(target: [UInt8])
        /// A hard link to an earlier node (path relative to the tree root); it shares that node's attributes.
        case hardLink(to: [UInt8])
        case fifo
        case socket
        case characterDevice(major: UInt32, minor: UInt32)
        case blockDevice(major: UInt32, minor: UInt32)
    }

    /// The path relative to the tree root, `/`-separated, as bytes; empty for the root itself.
    var path: [UInt8]
    var kind: Kind
    /// The 12 permission bits (ignored for symbolic links).
    var permissions: UInt16
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    var modificationTime: Int
    var xattrs: [XattrSpecification] = []

    /// Whether this node is a hard link to another one (and so has no attributes of its own).
    var isHardLink: Bool {
        if case .hardLink = kind { return true }
        return false
    }
}

/// An ordered list of nodes: parents before children, link targets before their hard links.
struct TreeSpecification: Sendable {
    var nodes: [TreeNode] = []
}

extension TreeSpecification {
    /// The modification time the next node gets unless one is given: distinct, increasing values.
    private var nextTime: Int { 1_600_000_000 + nodes.count * 97 }

    /// Adds the root directory's attributes; call first.
    mutating func root(permissions: UInt16 = 0o755, uid: UInt32 = 0, gid: UInt32 = 0, time: Int? = nil) {
        nodes.append(
            TreeNode(
                path: [], kind: .directory, permissions: permissions, uid: uid, gid: gid,
                modificationTime: time ?? nextTime))
    }

    /// Adds a node at `path` (a string path) with the given attributes.
    mutating func add(
        _ path: String, _ kind: TreeNode.Kind, permissions: UInt16? = nil, uid: UInt32 = 0, gid: UInt32 = 0,
        time: Int? = nil, xattrs: [XattrSpecification] = []
    ) {
        add(bytes: Array(path.utf8), kind, permissions: permissions, uid: uid, gid: gid, time: time, xattrs: xattrs)
    }

    /// Adds a node at `path` (raw bytes, for names that are not UTF-8).
    mutating func add(
        bytes path: [UInt8], _ kind: TreeNode.Kind, permissions: UInt16? = nil, uid: UInt32 = 0, gid: UInt32 = 0,
        time: Int? = nil, xattrs: [XattrSpecification] = []
    ) {
        let defaultPermissions: UInt16
        switch kind {
        case .directory: defaultPermissions = 0o755
        case .symlink: defaultPermissions = 0o777
        default: defaultPermissions = 0o644
        }
        nodes.append(
            TreeNode(
                path: path, kind: kind, permissions: permissions ?? defaultPermissions, uid: uid, gid: gid,
                modificationTime: time ?? nextTime, xattrs: xattrs))
    }

    /// Adds a directory.
    mutating func directory(
        _ path: String, permissions: UInt16 = 0o755, uid: UInt32 = 0, gid: UInt32 = 0, time: Int? = nil,
        xattrs: [XattrSpecification] = []
    ) {
        add(path, .directory, permissions: permissions, uid: uid, gid: gid, time: time, xattrs: xattrs)
    }

    /// Adds a regular file.
    mutating func file(
        _ path: String, _ content: FileContent, permissions: UInt16 = 0o644, uid: UInt32 = 0, gid: UInt32 = 0,
        time: Int? = nil, xattrs: [XattrSpecification] = []
    ) {
        add(path, .file(content), permissions: permissions, uid: uid, gid: gid, time: time, xattrs: xattrs)
    }

    /// Adds a symbolic link.
    mutating func symlink(_ path: String, _ target: String, time: Int? = nil, xattrs: [XattrSpecification] = []) {
        add(path, .symlink(target: Array(target.utf8)), time: time, xattrs: xattrs)
    }
}
