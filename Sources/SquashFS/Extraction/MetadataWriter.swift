internal import SystemLayer
internal import SystemPackage

/// Applies an inode's owner, extended attributes, mode and modification time to an extracted entry, in the order
/// that keeps file capabilities (`chown` clears them, so it goes first; `chmod` after `setxattr`), as `unsquashfs`
/// does when run as root.
struct MetadataWriter: Sendable {
    let image: SquashFSImage
    /// Whether owners are restored; when not, set-user-id and set-group-id bits are dropped.
    let restoresOwnership: Bool
    let restoresExtendedAttributes: Bool
    /// Safe mode: set-user-id and set-group-id bits and `trusted.`/`security.` attributes are never restored.
    let safe: Bool

    init(image: SquashFSImage, options: ExtractionOptions) {
        self.image = image
        switch options.ownership {
        case .automatic: restoresOwnership = Processes.effectiveUserID == 0
        case .preserve: restoresOwnership = true
        case .ignore: restoresOwnership = false
        }
        restoresExtendedAttributes = options.restoresExtendedAttributes
        safe = options.safe
    }

    /// The permission bits to set.
    func permissions(of inode: Inode) -> UInt16 {
        restoresOwnership && !safe ? inode.permissions : inode.permissions & 0o1777
    }

    /// The attributes to restore: all of them with owners restored, otherwise only `user.` ones; never
    /// `trusted.` or `security.` ones in safe mode. In safe mode, also the notes for what was left out.
    private func attributes(of inode: Inode) throws(SquashFSError) -> (restored: [ExtendedAttribute], notes: [String]) {
        var notes: [String] = []
        if safe && inode.permissions & 0o6000 != 0 {
            notes.append("set-user-id and set-group-id bits cleared in safe mode")
        }
        guard restoresExtendedAttributes, inode.xattrIndex != nil else { return ([], notes) }
        // Filtered before reading: the values of attributes that will not be restored are never read.
        let attributes = try image.extendedAttributes(of: inode) { name in
            if safe && Self.isPrivileged(name) {
                notes.append("extended attribute \(printable(name)) not restored in safe mode")
                return false
            }
            return restoresOwnership || name.starts(with: "user.".utf8)
        }
        return (attributes, notes)
    }

    /// Whether an attribute is one of the namespaces safe mode leaves out: `trusted.` (root-only, used by overlay
    /// and other file systems) and `security.` (file capabilities, SELinux and IMA labels).
    static func isPrivileged(_ name: [UInt8]) -> Bool {
        name.starts(with: "trusted.".utf8) || name.starts(with: "security.".utf8)
    }

    /// Sets everything on an open regular file or directory; returns what safe mode left out, for the report.
    @discardableResult
    func apply(_ inode: Inode, toDescriptor descriptor: FileDescriptor, path: @autoclosure () -> String)
        throws(SquashFSError)
        -> [String]
    {
        if restoresOwnership {
            try mapping("set the owner", path) { () throws(FileSystemError) in
                try descriptor.setOwner(user: inode.uid, group: inode.gid, name: path())
            }
        }
        let (attributes, notes) = try attributes(of: inode)
        for attribute in attributes {
            try mapping("set the extended attribute \(attribute.nameString ?? "?")", path) {
                () throws(FileSystemError) in
                try descriptor.setExtendedAttribute(attribute.name, to: attribute.value, name: path())
            }
        }
        try mapping("set the mode", path) { () throws(FileSystemError) in
            try descriptor.setPermissions(permissions(of: inode), name: path())
        }
        try mapping("set the time", path) { () throws(FileSystemError) in
            try descriptor.setTimes(secondsSinceEpoch: Int64(inode.modificationTime), name: path())
        }
        return notes
    }

    /// Sets everything on the entry `name` in `directory` without following it (symbolic links, fifos, sockets and
    /// device nodes, which cannot be opened safely); returns what safe mode left out, for the report.
    @discardableResult
    func apply(
        _ inode: Inode, toEntry name: [UInt8], in directory: DirectoryDescriptor, path: @autoclosure () -> String
    ) throws(SquashFSError) -> [String] {
        if restoresOwnership {
            try mapping("set the owner", path) { () throws(FileSystemError) in
                try directory.setOwner(ofEntry: name, user: inode.uid, group: inode.gid)
            }
        }
        let (attributes, notes) = try attributes(of: inode)
        for attribute in attributes {
            try mapping("set the extended attribute \(attribute.nameString ?? "?")", path) {
                () throws(FileSystemError) in
                try directory.setExtendedAttribute(ofEntry: name, attribute.name, to: attribute.value)
            }
        }
        if inode.kind != .symbolicLink {
            try mapping("set the mode", path) { () throws(FileSystemError) in
                try directory.setPermissions(ofEntry: name, permissions(of: inode))
            }
        }
        try mapping("set the time", path) { () throws(FileSystemError) in
            try directory.setTimes(ofEntry: name, secondsSinceEpoch: Int64(inode.modificationTime))
        }
        return notes
    }
}

/// Runs a system layer operation, turning its failure into an `output` error naming `path` (`PATH: cannot ACTION`),
/// with the `errno` (or the system layer's error when no call set one) as the underlying error.
func mapping<Result>(_ action: String, _ path: () -> String, _ body: () throws(FileSystemError) -> Result)
    throws(SquashFSError)
    -> Result
{
    do {
        return try body()
    } catch {
        throw SquashFSError(.output, "\(path()): cannot \(action)", underlyingError: error.underlying)
    }
}
