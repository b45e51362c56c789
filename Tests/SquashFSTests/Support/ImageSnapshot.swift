import SquashFS

/// The result of walking a whole image: every entry in walk order and the same data as a ``TreeSnapshot``.
struct ImageSnapshot: Sendable {
    /// The walk's entries, root first, in the walker's order.
    var walk: [WalkEntry] = []
    /// The records, keyed by path.
    var tree = TreeSnapshot()

    /// Walks `image` from the root, recording every entry and its extended attributes.
    init(_ image: SquashFSImage) throws {
        var walker = try image.walk()
        while let entry = try walker.next() {
            walk.append(entry)
            tree.entries[entry.path] = try Self.record(entry.inode, image: image)
        }
    }

    /// The record of one inode.
    static func record(_ inode: Inode, image: SquashFSImage) throws -> EntryRecord {
        var size: UInt64?
        if inode.kind == .regularFile || inode.kind == .symbolicLink { size = inode.size }
        return EntryRecord(
            kind: inode.kind, permissions: inode.permissions, uid: inode.uid, gid: inode.gid,
            modificationTime: inode.modificationTime, size: size, symlinkTarget: inode.symlinkTarget,
            device: inode.device.map { DeviceIdentity(major: $0.major, minor: $0.minor) }, linkCount: inode.linkCount,
            xattrs: try image.extendedAttributes(of: inode).map { XattrRecord(name: $0.name, value: $0.value) }
                .sorted(),
            identity: inode.reference.rawValue)
    }

    /// The children of each directory path, in walk order (which must be the on-disk, sorted order).
    var children: [ImagePath: [WalkEntry]] {
        var result: [ImagePath: [WalkEntry]] = [:]
        var stack: [ImagePath] = []
        for entry in walk {
            stack.removeSubrange(min(entry.depth, stack.count)...)
            if let parent = stack.last { result[parent, default: []].append(entry) }
            if entry.inode.kind == .directory {
                result[entry.path] = result[entry.path] ?? []
            }
            stack.append(entry.path)
        }
        return result
    }
}
