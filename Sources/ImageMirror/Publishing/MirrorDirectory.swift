internal import SimpleStreams
internal import SystemLayer
internal import SystemPackage
internal import Verification

/// The mirror's destination, written only through directory descriptors (the system layer's confined directory).
///
/// Every path is mirror-relative and checked with `StreamPath`; each directory on the way is opened relative to
/// its parent with `O_NOFOLLOW | O_DIRECTORY` from the destination down, files with `O_NOFOLLOW` (and `O_EXCL` when
/// new), and temporary names are random. A symbolic link planted anywhere in the destination (at a directory, a
/// `.part`, a published file or the mirror's own `.mirror/`) is refused or replaced, never followed, so nothing
/// outside the destination is read or written.
final class MirrorDirectory: Sendable {
    /// The destination, open.
    let root: DirectoryDescriptor

    /// The destination path, for messages.
    var path: String { root.path }

    private init(root: DirectoryDescriptor) { self.root = root }

    /// Opens the destination at `path`, creating it when `create`; `nil` when it does not exist and `create` is
    /// false. The path the user gave is resolved as usual (a destination that is a symbolic link to a directory is
    /// that directory); everything below it is confined.
    static func open(_ path: String, create: Bool) throws(ImageMirrorError) -> MirrorDirectory? {
        do {
            return MirrorDirectory(root: try DirectoryDescriptor.open(path, create: create, followsSymbolicLink: true))
        } catch  where error.errno == .noSuchFileOrDirectory && !create {
            return nil
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// The parent directories and the name of a mirror-relative path.
    static func split(_ path: String) throws(ImageMirrorError) -> (directories: [[UInt8]], name: [UInt8]) {
        var components = Array(path.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { Array($0) }
        guard StreamPath.isSafe(path), let name = components.popLast(),
            components.allSatisfy(DirectoryDescriptor.isPlainName), DirectoryDescriptor.isPlainName(name)
        else {
            throw ImageMirrorError(.invalidArgument, "'\(path)' is not a safe mirror-relative path")
        }
        return (components, name)
    }

    /// The open directory holding `path`, and the path's last component; `nil` when a directory on the way is
    /// missing and `create` is false.
    func directory(holding path: String, create: Bool) throws(ImageMirrorError)
        -> (directory: DirectoryDescriptor, name: [UInt8])?
    {
        let (directories, name) = try Self.split(path)
        do {
            return (try root.openDirectory(components: directories, create: create), name)
        } catch  where error.errno == .noSuchFileOrDirectory && !create {
            return nil
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// The size of the regular file at `path`, or `nil` when there is none (missing, a symbolic link, a directory).
    func regularFileSize(_ path: String) -> Int64? {
        guard let (directory, name) = try? directory(holding: path, create: false),
            let status = try? directory.status(name), status.type == .regular
        else { return nil }
        return status.size
    }

    /// The bytes of the regular file at `path`, or `nil` when there is none or it is larger than `maximumSize`.
    func readFile(_ path: String, maximumSize: Int) -> [UInt8]? {
        guard let (directory, name) = try? directory(holding: path, create: false),
            let file = try? directory.openFile(name)
        else { return nil }
        defer { try? file.close() }
        return try? FileIO.readAll(file, directory.child(name), maximumSize: maximumSize)
    }

    /// Writes `bytes` to `path` atomically (a random temporary name, flushed, renamed over `path`), creating the
    /// directories on the way.
    func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageMirrorError) {
        guard let (directory, name) = try directory(holding: path, create: true) else { return }
        do {
            try directory.writeAtomically(bytes, to: name)
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// Makes `path` a hard link to the regular file at `existing`, replacing whatever is at `path` atomically (a new
    /// link under a random name, renamed over it).
    func link(_ existing: String, to path: String) throws(ImageMirrorError) {
        guard let (sourceDirectory, sourceName) = try directory(holding: existing, create: false) else {
            throw ImageMirrorError(.io, "\(root.path)/\(existing) does not exist")
        }
        guard let (directory, name) = try directory(holding: path, create: true) else { return }
        var generator = SystemRandomNumberGenerator()
        let temporary = DirectoryDescriptor.temporaryName(for: name, using: &generator)
        do throws(FileSystemError) {
            guard try sourceDirectory.status(sourceName)?.type == .regular else {
                throw FileSystemError("link", sourceDirectory.child(sourceName), .wrongKind("not a regular file"))
            }
            try sourceDirectory.link(sourceName, to: temporary, in: directory)
            // What was linked is what the name held at that instant: check it is still a regular file.
            guard try directory.status(temporary)?.type == .regular else {
                try? directory.remove(temporary)
                throw FileSystemError("link", sourceDirectory.child(sourceName), .wrongKind("not a regular file"))
            }
            do {
                try directory.rename(temporary, to: name, in: directory)
            } catch {
                try? directory.remove(temporary)
                throw error
            }
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// Removes the file at `path` and its `.part`; a missing one is not an error.
    func remove(_ path: String) throws(ImageMirrorError) {
        guard let (directory, name) = try directory(holding: path, create: false) else { return }
        do {
            try directory.remove(name)
            try directory.remove(name + Array(".part".utf8))
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// Removes the directories holding `path`, deepest first, while they are empty (never the destination).
    func removeEmptyDirectories(holding path: String) {
        guard var (directories, _) = try? Self.split(path) else { return }
        while let last = directories.popLast() {
            guard let parent = try? root.openDirectory(components: directories),
                (try? parent.removeDirectoryIfEmpty(last)) == true
            else { return }
        }
    }

    /// Removes the random-named temporaries an interrupted run left in the directory holding `path`.
    func removeTemporaries(besides path: String) {
        guard let (directory, _) = try? directory(holding: path, create: false),
            let names = try? directory.names()
        else { return }
        for name in names where DirectoryDescriptor.isTemporaryName(name) {
            try? directory.remove(name)
        }
    }

    /// The bytes available on the destination's file system.
    func availableSpace() throws(ImageMirrorError) -> Int64 {
        do {
            return try root.availableSpace()
        } catch {
            throw ImageMirrorError(error)
        }
    }

    /// The digest (`algorithm`) of the regular file at `path`, or `nil` when there is none.
    func digest(of path: String, _ algorithm: DigestAlgorithm) throws(ImageMirrorError) -> ContentDigest? {
        guard let (directory, name) = try directory(holding: path, create: false) else { return nil }
        let file: FileDescriptor
        do {
            file = try directory.openFile(name)
        } catch  where error.errno == .noSuchFileOrDirectory {
            return nil
        } catch {
            throw ImageMirrorError(error)
        }
        defer { try? file.close() }
        var hasher = DigestHasher(algorithm)
        try Self.hash(file, from: 0, length: nil, into: &hasher, path: directory.child(name))
        return hasher.finalize()
    }

    /// Hashes `length` bytes of `file` (all of them when `nil`) from `offset`, and returns how many were read.
    @discardableResult
    static func hash(
        _ file: FileDescriptor, from offset: Int64, length: Int64?, into hasher: inout DigestHasher, path: String
    ) throws(ImageMirrorError) -> Int64 {
        var total: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while length.map({ total < $0 }) ?? true {
            try Task.checkCancellation(path: path)
            let wanted = length.map { Int(min(Int64(chunk.count), $0 - total)) } ?? chunk.count
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { buffer in
                    try file.read(
                        fromAbsoluteOffset: offset + total,
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
                }
            } catch {
                throw ImageMirrorError(.io, "cannot read \(path)", underlyingError: error)
            }
            if count == 0 { break }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            total += Int64(count)
        }
        return total
    }
}

extension ImageMirrorError {
    /// A destination error: ``Code/unsafeDestination`` for a symbolic link or another kind of file where the mirror
    /// writes, ``Code/io`` otherwise.
    init(_ error: FileSystemError) {
        if case .wrongKind = error.reason {
            self.init(.unsafeDestination, error.description, underlyingError: error)
        } else {
            self.init(.io, error.description, underlyingError: error)
        }
    }
}
