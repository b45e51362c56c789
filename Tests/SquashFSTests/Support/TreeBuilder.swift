import Glibc

/// Creates a ``TreeSpecification`` on disk with exact ownership, permissions, times and extended attributes.
///
/// Must run as root (ownership, devices, `trusted.*` attributes). Attributes are applied in the order that keeps them
/// all: owner, then extended attributes (a `chown` clears `security.capability`), then mode (a `chown` clears
/// set-user-id), then times, children before their parents.
enum TreeBuilder {
    /// Builds `specification` under `root`, which must exist and be empty.
    static func build(_ specification: TreeSpecification, at root: [UInt8]) throws {
        for node in specification.nodes {
            try create(node, at: POSIX.join(root, node.path), root: root)
        }
        for node in specification.nodes where !node.isHardLink {
            let path = POSIX.join(root, node.path)
            try POSIX.changeOwner(path, uid: node.uid, gid: node.gid)
            for xattr in node.xattrs {
                try POSIX.setXattr(path, Array(xattr.name.utf8), xattr.value)
            }
            if case .symlink = node.kind { continue }
            try POSIX.changeMode(path, node.permissions)
        }
        for node in specification.nodes.reversed() where !node.isHardLink {
            try POSIX.setModificationTime(POSIX.join(root, node.path), node.modificationTime)
        }
    }

    private static func create(_ node: TreeNode, at path: [UInt8], root: [UInt8]) throws {
        switch node.kind {
        case .directory:
            if !node.path.isEmpty { try POSIX.makeDirectory(path) }
        case .file(let content):
            try POSIX.writeFile(path, size: content.size, extents: content.extents())
        case .symlink(let target):
            try POSIX.makeSymlink(path, target: target)
        case .hardLink(let existing):
            try POSIX.makeHardLink(path, to: POSIX.join(root, existing))
        case .fifo:
            try POSIX.makeNode(path, type: S_IFIFO)
        case .socket:
            try POSIX.makeNode(path, type: S_IFSOCK)
        case .characterDevice(let major, let minor):
            try POSIX.makeNode(path, type: S_IFCHR, major: major, minor: minor)
        case .blockDevice(let major, let minor):
            try POSIX.makeNode(path, type: S_IFBLK, major: major, minor: minor)
        }
    }
}
