internal import Glibc
package import SystemPackage

/// An open directory, and every operation on the names inside it, through its descriptor only: the confined
/// directory that the squashfs extractor and the image mirror write through.
///
/// Names are byte strings of one path component: never empty, `.`, `..`, or holding `/` or NUL (``isPlainName(_:)``).
/// Directories are opened with `O_NOFOLLOW | O_DIRECTORY` and files with `O_NOFOLLOW`, so a symbolic link planted
/// anywhere below the root is refused instead of followed; new files are created with `O_EXCL` (under an
/// unpredictable temporary name, when they replace something) and put in place with `renameat`. Nothing here builds
/// or resolves a path, so nothing outside the root is reached however its tree changes while in use.
///
/// The descriptor is owned: it is closed when the value goes. A value is `Sendable`; the kernel serialises the
/// operations on one descriptor.
package final class DirectoryDescriptor: Sendable {
    /// The open descriptor.
    package let descriptor: FileDescriptor
    /// Where the directory is, for messages only: built from the chain of names when asked, so opening a directory
    /// deep in a tree costs no path string.
    private let location: Location

    /// The directory's path, for messages only (never opened again).
    package var path: String { location.path }

    /// A directory's place: the path it was opened at, or a name in its parent's place. Parents are shared, so a
    /// chain of directories holds each name once.
    private final class Location: Sendable {
        let parent: Location?
        let name: [UInt8]

        init(parent: Location?, name: [UInt8]) {
            self.parent = parent
            self.name = name
        }

        var path: String {
            var names: [[UInt8]] = []
            var current: Location? = self
            while let location = current {
                names.append(location.name)
                current = location.parent
            }
            var bytes: [UInt8] = []
            for (index, name) in names.reversed().enumerated() {
                if index > 0 && bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
                bytes += name
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private init(descriptor: FileDescriptor, location: Location) {
        self.descriptor = descriptor
        self.location = location
    }

    private convenience init(descriptor: FileDescriptor, path: String) {
        self.init(descriptor: descriptor, location: Location(parent: nil, name: Array(path.utf8)))
    }

    deinit { try? descriptor.close() }

    // MARK: - Opening

    /// Opens the directory at `path` (a path the user gave: its parents are resolved as usual, and the last
    /// component must be a directory, not a symbolic link to one, unless `followsSymbolicLink`), creating it with
    /// `permissions` if `create`.
    package static func open(
        _ path: String, create: Bool = false, followsSymbolicLink: Bool = false,
        permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute]
    ) throws(FileSystemError) -> DirectoryDescriptor {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let path = String(trimmed)
        if create {
            try makeParents(of: path)
            if mkdir(path, permissions.rawValue) != 0 && Glibc.errno != EEXIST {
                throw .last("create the directory", path)
            }
        }
        let raw = Glibc.open(path, O_RDONLY | O_DIRECTORY | (followsSymbolicLink ? 0 : O_NOFOLLOW) | O_CLOEXEC)
        guard raw >= 0 else { throw directoryError("open the directory", path) }
        return DirectoryDescriptor(descriptor: FileDescriptor(rawValue: raw), path: path)
    }

    /// Creates the missing parents of `path` (each through the path: they are the user's, above the root).
    private static func makeParents(of path: String) throws(FileSystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        let components = path.split(separator: "/")
        for component in components.dropLast() {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && Glibc.errno != EEXIST { throw .last("create the directory", current) }
        }
    }

    /// Opens the directory `name` inside this one, creating it with `permissions` when `create` and it is missing.
    ///
    /// - Throws: ``FileSystemError/Reason/wrongKind(_:)`` when `name` is a symbolic link or not a directory.
    package func openDirectory(
        _ name: [UInt8], create: Bool = false,
        permissions: FilePermissions = [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute]
    ) throws(FileSystemError) -> DirectoryDescriptor {
        return try Self.withName(name, child(name)) { (cName) throws(FileSystemError) -> DirectoryDescriptor in
            for attempt in 0..<2 {
                let raw = openat(descriptor.rawValue, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if raw >= 0 {
                    return DirectoryDescriptor(
                        descriptor: FileDescriptor(rawValue: raw), location: Location(parent: location, name: name))
                }
                guard create, attempt == 0, Glibc.errno == ENOENT else {
                    throw Self.directoryError("open the directory", child(name))
                }
                if mkdirat(descriptor.rawValue, cName, permissions.rawValue) != 0 && Glibc.errno != EEXIST {
                    throw .last("create the directory", child(name))
                }
            }
            throw FileSystemError("open the directory", child(name), .system(.noSuchFileOrDirectory))
        }
    }

    /// Opens the directory at the relative `components` below this one, one component at a time (each
    /// ``openDirectory(_:create:permissions:)``); no components gives a new descriptor of this directory.
    package func openDirectory(
        components: some Collection<[UInt8]>, create: Bool = false
    ) throws(FileSystemError) -> DirectoryDescriptor {
        var current = try reopened()
        for component in components { current = try current.openDirectory(component, create: create) }
        return current
    }

    /// A new descriptor of this directory.
    package func reopened() throws(FileSystemError) -> DirectoryDescriptor {
        let raw = fcntl(descriptor.rawValue, F_DUPFD_CLOEXEC, 0)
        guard raw >= 0 else { throw .last("open the directory", path) }
        return DirectoryDescriptor(descriptor: FileDescriptor(rawValue: raw), location: location)
    }

    private static func directoryError(_ operation: String, _ path: String) -> FileSystemError {
        let code = Glibc.errno
        if code == ELOOP || code == ENOTDIR {
            return FileSystemError(operation, path, .wrongKind("a symbolic link or not a directory"))
        }
        return FileSystemError(operation, path, .system(Errno(rawValue: code)))
    }

    // MARK: - Files

    /// Opens the existing regular file `name` for reading (or reading and writing), never following a symbolic link
    /// and never blocking on a FIFO.
    ///
    /// - Throws: ``FileSystemError/Reason/wrongKind(_:)`` for anything but a regular file.
    package func openFile(_ name: [UInt8], writable: Bool = false) throws(FileSystemError)
        -> FileDescriptor
    {
        let raw = try Self.withName(name, child(name)) { cName in
            openat(
                descriptor.rawValue, cName,
                (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        }
        guard raw >= 0 else {
            if Glibc.errno == ELOOP { throw FileSystemError("open", child(name), .wrongKind("a symbolic link")) }
            throw .last("open", child(name))
        }
        let file = FileDescriptor(rawValue: raw)
        do throws(FileSystemError) {
            try FileIO.requireRegularFile(file, child(name))
            try FileIO.clearNonBlocking(file, child(name))
        } catch {
            try? file.close()
            throw error
        }
        return file
    }

    /// Creates a new file `name`, which must not exist (`O_CREAT | O_EXCL | O_NOFOLLOW`), open for writing.
    package func createFile(
        _ name: [UInt8], permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws(FileSystemError) -> FileDescriptor {
        let raw = try Self.withName(name, child(name)) { cName in
            openat(
                descriptor.rawValue, cName, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions.rawValue)
        }
        guard raw >= 0 else { throw .last("create", child(name)) }
        return FileDescriptor(rawValue: raw)
    }

    /// Creates a new file with an unpredictable name beside `name` (`.NAME.tmp-<random>`) and returns it with its
    /// name; put it in place with ``rename(_:to:in:)``, or remove it with ``remove(_:)``.
    package func createTemporaryFile(
        for name: [UInt8], permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws(FileSystemError) -> (file: FileDescriptor, name: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        var lastError: FileSystemError? = nil
        for _ in 0..<16 {
            let temporary = Self.temporaryName(for: name, using: &generator)
            do {
                return (try createFile(temporary, permissions: permissions), temporary)
            } catch  where error.errno == .fileExists {
                lastError = error
            }
        }
        throw lastError ?? FileSystemError("create a temporary file for", child(name), .system(.fileExists))
    }

    /// `.NAME.tmp-` and 16 random hexadecimal digits (NAME cut to keep the whole within 255 bytes).
    package static func temporaryName(
        for name: [UInt8], using generator: inout some RandomNumberGenerator
    ) -> [UInt8] {
        let suffix = Array(".tmp-".utf8) + Array(hex(generator.next() as UInt64).utf8)
        return [UInt8(ascii: ".")] + Array(name.prefix(255 - 1 - suffix.count)) + suffix
    }

    /// Whether `name` looks like a name ``temporaryName(for:using:)`` makes.
    package static func isTemporaryName(_ name: [UInt8]) -> Bool {
        let bytes = name
        guard bytes.count > 22, bytes.first == UInt8(ascii: "."),
            bytes[bytes.count - 21..<bytes.count - 16] == ArraySlice(".tmp-".utf8)
        else { return false }
        return bytes.suffix(16).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Writes `bytes` to `name` atomically: a new temporary file beside it, written, flushed, then renamed over
    /// `name`, so `name` holds its old content or all of `bytes`, whatever happens.
    package func writeAtomically(
        _ bytes: [UInt8], to name: [UInt8],
        permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws(FileSystemError) {
        let (file, temporary) = try createTemporaryFile(for: name, permissions: permissions)
        do throws(FileSystemError) {
            try FileIO.writeAll(file, bytes, child(temporary))
            try FileIO.synchronize(file, child(temporary))
            try? file.close()
            try rename(temporary, to: name, in: self)
        } catch {
            try? file.close()
            try? remove(temporary)
            throw error
        }
    }

    // MARK: - Names

    /// What `name` is, without following a symbolic link; `nil` when there is nothing by that name.
    package func status(_ name: [UInt8]) throws(FileSystemError) -> Stat? {
        var raw = Glibc.stat()
        let result = try Self.withName(name, child(name)) { cName in
            fstatat(descriptor.rawValue, cName, &raw, AT_SYMLINK_NOFOLLOW)
        }
        guard result == 0 else {
            if Glibc.errno == ENOENT { return nil }
            throw .last("inspect", child(name))
        }
        return Stat(rawValue: raw)
    }

    /// Renames `name` to `newName` in `directory`, replacing what is there (a symbolic link at `newName` is
    /// replaced, not followed).
    package func rename(
        _ name: [UInt8], to newName: [UInt8], in directory: DirectoryDescriptor
    ) throws(FileSystemError) {
        let result = try Self.withName(name, child(name)) { (from) throws(FileSystemError) -> Int32 in
            try Self.withName(newName, directory.child(newName)) { to in
                renameat(descriptor.rawValue, from, directory.descriptor.rawValue, to)
            }
        }
        guard result == 0 else { throw .last("rename to \(directory.child(newName))", child(name)) }
    }

    /// Makes `newName` in `directory` a hard link to the file `name` here (a symbolic link at `name` is linked as
    /// itself, never followed); fails if `newName` exists.
    package func link(
        _ name: [UInt8], to newName: [UInt8], in directory: DirectoryDescriptor
    ) throws(FileSystemError) {
        let result = try Self.withName(name, child(name)) { (from) throws(FileSystemError) -> Int32 in
            try Self.withName(newName, directory.child(newName)) { to in
                linkat(descriptor.rawValue, from, directory.descriptor.rawValue, to, 0)
            }
        }
        guard result == 0 else { throw .last("link to \(directory.child(newName))", child(name)) }
    }

    /// Removes the file (or symbolic link) `name`; a missing one is not an error.
    package func remove(_ name: [UInt8]) throws(FileSystemError) {
        let result = try Self.withName(name, child(name)) { cName in unlinkat(descriptor.rawValue, cName, 0) }
        guard result == 0 || Glibc.errno == ENOENT else { throw .last("remove", child(name)) }
    }

    /// Removes the directory `name` if it is empty; returns whether it did (a missing or non-empty one is not an
    /// error).
    @discardableResult
    package func removeDirectoryIfEmpty(_ name: [UInt8]) throws(FileSystemError) -> Bool {
        let result = try Self.withName(name, child(name)) { cName in unlinkat(descriptor.rawValue, cName, AT_REMOVEDIR)
        }
        if result == 0 { return true }
        let code = Glibc.errno
        if code == ENOENT || code == ENOTEMPTY || code == EEXIST || code == ENOTDIR { return false }
        throw FileSystemError("remove the directory", child(name), .system(Errno(rawValue: code)))
    }

    /// The names in this directory (without `.` and `..`), in the order the file system gives them.
    package func names() throws(FileSystemError) -> [[UInt8]] {
        var names: [[UInt8]] = []
        try forEachName { name in
            names.append(Array(name))
            return true
        }
        return names
    }

    /// Calls `body` with each name in this directory but `.` and `..` (the bytes are valid during the call only),
    /// while it returns `true`.
    package func forEachName(_ body: (UnsafeRawBufferPointer) -> Bool) throws(FileSystemError) {
        let duplicate = fcntl(descriptor.rawValue, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .last("list", path) }
        guard let stream = fdopendir(duplicate) else {
            let error = FileSystemError.last("list", path)
            Glibc.close(duplicate)
            throw error
        }
        defer { closedir(stream) }
        rewinddir(stream)
        while let entry = readdir(stream) {
            let goOn = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let name = UnsafeRawBufferPointer(rebasing: raw.prefix { $0 != 0 })
                if name.elementsEqual([0x2E]) || name.elementsEqual([0x2E, 0x2E]) { return true }
                return body(name)
            }
            if !goOn { return }
        }
    }

    /// The bytes available to an unprivileged user on this directory's file system.
    package func availableSpace() throws(FileSystemError) -> Int64 {
        var status = statvfs()
        guard fstatvfs(descriptor.rawValue, &status) == 0 else { throw .last("read the free space of", path) }
        let (bytes, overflow) = UInt64(status.f_bavail).multipliedReportingOverflow(by: UInt64(status.f_frsize))
        return overflow || bytes > UInt64(Int64.max) ? .max : Int64(bytes)
    }

    // MARK: - Helpers

    /// Whether `name` is one plain path component: not empty, `.` or `..`, and without `/` or NUL.
    package static func isPlainName(_ name: [UInt8]) -> Bool {
        guard !name.isEmpty, name.count <= 255 else { return false }
        if name.elementsEqual([0x2E]) || name.elementsEqual([0x2E, 0x2E]) { return false }
        return !name.contains(0) && !name.contains(UInt8(ascii: "/"))
    }

    /// `PATH/NAME`, for messages (the name decoded leniently).
    package func child(_ name: [UInt8]) -> String {
        (path == "/" ? "/" : path + "/") + String(decoding: name, as: UTF8.self)
    }

    /// Calls `body` with `name` as a C string, after checking it is a plain name (``isPlainName(_:)``); `location`
    /// is built only for an error.
    package static func withName<Result>(
        _ name: [UInt8], _ location: @autoclosure () -> String,
        _ body: (UnsafePointer<CChar>) throws(FileSystemError) -> Result
    ) throws(FileSystemError) -> Result {
        guard isPlainName(name) else { throw FileSystemError("use", location(), .invalidName) }
        var terminated = name
        terminated.append(0)
        let result = terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                Swift.Result { () throws(FileSystemError) -> Result in
                    guard let base = characters.baseAddress else {
                        throw FileSystemError("use", location(), .invalidName)
                    }
                    return try body(base)
                }
            }
        }
        return try result.get()
    }
}
