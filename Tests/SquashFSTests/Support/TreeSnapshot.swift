import SquashFS

/// One extended attribute, compared by full name and value.
struct XattrRecord: Hashable, Sendable, Comparable, CustomStringConvertible {
    var name: [UInt8]
    var value: [UInt8]

    static func < (lhs: XattrRecord, rhs: XattrRecord) -> Bool {
        if lhs.name != rhs.name { return lhs.name.lexicographicallyPrecedes(rhs.name) }
        return lhs.value.lexicographicallyPrecedes(rhs.value)
    }

    var description: String { "\(ImagePath(bytes: name))=\(value.count) bytes" }
}

/// What the tests compare about one path of a tree, whether it comes from a directory on disk or from an image.
struct EntryRecord: Hashable, Sendable {
    var kind: FileKind
    var permissions: UInt16
    var uid: UInt32
    var gid: UInt32
    var modificationTime: UInt32
    /// The size of a regular file or the target length of a symbolic link; `nil` for everything else.
    var size: UInt64?
    var symlinkTarget: [UInt8]?
    /// Major and minor number of a device.
    var device: DeviceIdentity?
    var linkCount: UInt32
    /// Sorted by name.
    var xattrs: [XattrRecord]
    /// What makes hard links recognisable: the `st_ino` on disk, the inode reference in an image. Not compared.
    var identity: UInt64
}

/// A device number as major and minor.
struct DeviceIdentity: Hashable, Sendable, CustomStringConvertible {
    var major: UInt32
    var minor: UInt32
    var description: String { "\(major),\(minor)" }
}

/// Every path of a tree (`/` for the root) with its record.
struct TreeSnapshot: Sendable {
    var entries: [ImagePath: EntryRecord] = [:]

    /// The sets of paths of the given kinds that share an identity (hard links); singletons excluded.
    func hardLinkGroups(kinds: Set<FileKind>) -> Set<Set<ImagePath>> {
        var groups: [UInt64: Set<ImagePath>] = [:]
        for (path, record) in entries where kinds.contains(record.kind) {
            groups[record.identity, default: []].insert(path)
        }
        return Set(groups.values.filter { $0.count > 1 })
    }

    /// The snapshot with only the entries for which `include` is true.
    func filter(_ include: (ImagePath, EntryRecord) -> Bool) -> TreeSnapshot {
        TreeSnapshot(entries: entries.filter { include($0.key, $0.value) })
    }
}

/// Which aspects of a source tree an image builder preserves, and so which ones a comparison checks.
struct Fidelity: Sendable {
    /// The root directory's mode, owner and time come from the source directory.
    var rootAttributes = true
    /// Extended attributes are stored (otherwise the image must have none).
    var xattrs = true
    /// Hard links are detected and stored as shared inodes.
    var hardLinks = true
    /// Sockets are stored.
    var sockets = true
    /// Hard links to fifos and devices are kept (GNU tar archives them as separate nodes).
    var specialFileHardLinks = true
    /// Directory link counts are stored as 2 + subdirectories (the squashfs-tools-ng 1.2 writers store 2 + all
    /// entries).
    var directoryLinkCounts = true
    /// Attributes with an empty value are stored (gensquashfs 1.2 `-x` drops them).
    var emptyXattrValues = true
    /// Subtrees of the image that have no counterpart in the source (pseudo files).
    var extraSubtrees: [ImagePath] = []

    /// Everything preserved.
    static let full = Fidelity()
}

extension ImagePath {
    /// Whether this path is `ancestor` or lies below it.
    func isInside(_ ancestor: ImagePath) -> Bool {
        bytes == ancestor.bytes || bytes.starts(with: ancestor.bytes + [UInt8(ascii: "/")])
    }
}
