internal import Glibc
package import SystemPackage

/// What the squashfs extractor needs beyond the mirror's operations: a destination created without its parents,
/// an emptiness check that stops at the first entry, and a directory created without being opened.
extension DirectoryDescriptor {
    /// Opens the directory at `path`, first creating it with `permissions` if it is missing (its parents must exist:
    /// they are not created), and says whether it was created. The last component must be a directory, not a
    /// symbolic link to one (as ``open(_:create:permissions:)``).
    ///
    /// - Throws: ``FileSystemError``: ``FileSystemError/Reason/wrongKind(_:)`` for a symbolic link or anything but a
    ///   directory, ``FileSystemError/Reason/system(_:)`` when it cannot be created or opened (the operation is then
    ///   `create the directory` or `open the directory`).
    package static func openCreatingLast(
        _ path: String, permissions: FilePermissions
    ) throws(FileSystemError) -> (directory: DirectoryDescriptor, created: Bool) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let path = String(trimmed)
        let created = mkdir(path, permissions.rawValue) == 0
        if !created && Glibc.errno != EEXIST { throw .last("create the directory", path) }
        return (try open(path), created)
    }

    /// Whether the directory holds nothing but `.` and `..` (it reads up to the first other entry only).
    package func isEmpty() throws(FileSystemError) -> Bool {
        var empty = true
        try forEachName { _ in
            empty = false
            return false
        }
        return empty
    }

    /// Creates the directory `name` with `permissions` (`mkdirat`) without opening it; returns `false` when
    /// something by that name exists already (of any kind: open it with ``openDirectory(_:create:permissions:)`` to
    /// be sure it is a real directory).
    @discardableResult
    package func makeDirectory(
        _ name: [UInt8], permissions: FilePermissions
    ) throws(FileSystemError) -> Bool {
        let result = try Self.withName(name, child(name)) { cName in
            mkdirat(descriptor.rawValue, cName, permissions.rawValue)
        }
        if result == 0 { return true }
        if Glibc.errno == EEXIST { return false }
        throw .last("create the directory", child(name))
    }

    /// Opens the existing file `name` for writing, never following a symbolic link (`O_WRONLY | O_NOFOLLOW`), for a
    /// file this process created with ``createFile(_:permissions:)`` and writes again from another thread.
    package func reopenFileForWriting(_ name: [UInt8]) throws(FileSystemError) -> FileDescriptor {
        let raw = try Self.withName(name, child(name)) { cName in
            openat(descriptor.rawValue, cName, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard raw >= 0 else { throw .last("open", child(name)) }
        return FileDescriptor(rawValue: raw)
    }

}
