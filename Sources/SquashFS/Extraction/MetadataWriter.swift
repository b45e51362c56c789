import Glibc
internal import SystemLayer

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
        case .automatic: restoresOwnership = geteuid() == 0
        case .preserve: restoresOwnership = true
        case .ignore: restoresOwnership = false
        }
        restoresExtendedAttributes = options.restoresExtendedAttributes
        safe = options.safe
    }

    /// The permission bits to set.
    func permissions(of inode: Inode) -> mode_t {
        mode_t(restoresOwnership && !safe ? inode.permissions : inode.permissions & 0o1777)
    }

    /// The attributes to restore: all of them with owners restored, otherwise only `user.` ones; never
    /// `trusted.` or `security.` ones in safe mode. In safe mode, also the notes for what was left out.
    private func attributes(of inode: Inode) throws -> (restored: [ExtendedAttribute], notes: [String]) {
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

    private func times(of inode: Inode) -> [timespec] {
        let time = timespec(tv_sec: Int(inode.modificationTime), tv_nsec: 0)
        return [time, time]
    }

    /// Sets everything on an open regular file or directory; returns what safe mode left out, for the report.
    @discardableResult
    func apply(_ inode: Inode, toDescriptor descriptor: Int32, path: @autoclosure () -> String) throws -> [String] {
        if restoresOwnership {
            try check(fchown(descriptor, inode.uid, inode.gid), "set the owner", path)
        }
        let (attributes, notes) = try attributes(of: inode)
        for attribute in attributes {
            let result = try attribute.name.withCString { name in
                attribute.value.withUnsafeBytes { ExtendedAttributeCalls.set(name, $0, onDescriptor: descriptor) }
            }
            try check(result, "set the extended attribute \(attribute.nameString ?? "?")", path)
        }
        try check(fchmod(descriptor, permissions(of: inode)), "set the mode", path)
        try check(
            times(of: inode).withUnsafeBufferPointer { futimens(descriptor, $0.baseAddress) }, "set the time", path)
        return notes
    }

    /// Sets everything on the entry `name` in `directory` without following it (symbolic links, fifos, sockets and
    /// device nodes, which cannot be opened safely); returns what safe mode left out, for the report.
    @discardableResult
    func apply(_ inode: Inode, toEntry name: [UInt8], in directory: Int32, path: @autoclosure () -> String) throws
        -> [String]
    {
        let isLink = inode.kind == .symbolicLink
        return try name.withCString { cName in
            if restoresOwnership {
                let result = fchownat(
                    directory, cName, inode.uid, inode.gid, AT_SYMLINK_NOFOLLOW)
                try check(result, "set the owner", path)
            }
            let (attributes, notes) = try attributes(of: inode)
            if !attributes.isEmpty {
                // No *at form of setxattr in glibc: reach the entry through the directory's descriptor, which
                // /proc resolves to the very directory we hold; the last component is not followed.
                let entryPath = Array("/proc/self/fd/\(directory)/".utf8) + name
                for attribute in attributes {
                    let result = try entryPath.withCString { entry in
                        try attribute.name.withCString { attributeName in
                            attribute.value.withUnsafeBytes {
                                ExtendedAttributeCalls.set(attributeName, $0, onPath: entry)
                            }
                        }
                    }
                    try check(result, "set the extended attribute \(attribute.nameString ?? "?")", path)
                }
            }
            if !isLink {
                try check(fchmodat(directory, cName, permissions(of: inode), 0), "set the mode", path)
            }
            let result = times(of: inode).withUnsafeBufferPointer {
                utimensat(directory, cName, $0.baseAddress, AT_SYMLINK_NOFOLLOW)
            }
            try check(result, "set the time", path)
            return notes
        }
    }
}

/// Throws an `output` error naming `path` when a system call returned -1.
func check(_ result: Int32, _ action: String, _ path: () -> String) throws {
    guard result != -1 else {
        throw SquashFSError(.output, "\(path()): cannot \(action)", underlyingError: SystemError.last)
    }
}

/// Runs a system layer operation, turning its failure into an `output` error naming `path` (`PATH: cannot ACTION`),
/// with the `errno` as the underlying error, as ``check(_:_:_:)`` does for a raw call.
func mapping<Result>(_ action: String, _ path: () -> String, _ body: () throws(FileSystemError) -> Result) throws
    -> Result
{
    do {
        return try body()
    } catch {
        throw SquashFSError(.output, "\(path()): cannot \(action)", underlyingError: error.systemError)
    }
}
