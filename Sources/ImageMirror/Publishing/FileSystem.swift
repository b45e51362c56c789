internal import Glibc
internal import Verification

/// The file operations of a mirror: whole-file reads, atomic writes (temporary name, `fsync`, `rename`), links,
/// removals and free space. Every path here is one the caller built from a checked mirror-relative path.
enum FileSystem {
    /// The bytes of the regular file at `path`, or `nil` if it cannot be read or is larger than `maximumSize`.
    static func readFile(_ path: String, maximumSize: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size <= maximumSize
        else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            guard bytes.count + count <= maximumSize else { return nil }
            bytes.append(contentsOf: chunk.prefix(count))
        }
    }

    /// The size of the regular file at `path`, or `nil` if there is none.
    static func regularFileSize(_ path: String) -> Int64? {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(status.st_size)
    }

    /// Creates `path` and its missing parents (mode 0755).
    static func makeDirectories(_ path: String) throws(ImageMirrorError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw ImageMirrorError(
                    .io, "cannot create the directory \(current)", underlyingError: ErrnoError(errno: errno))
            }
        }
    }

    /// The directory part of `path` (`.` when it has none).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes `bytes` to `path` through a temporary file in the same directory, flushed and then renamed over
    /// `path`, so `path` holds either its old content or all of `bytes`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageMirrorError) {
        try makeDirectories(parent(of: path))
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ImageMirrorError(.io, "cannot create \(temporary)", underlyingError: ErrnoError(errno: errno))
        }
        do throws(ImageMirrorError) {
            try writeAll(descriptor, bytes, path: temporary)
            guard fsync(descriptor) == 0 else {
                throw ImageMirrorError(.io, "cannot flush \(temporary)", underlyingError: ErrnoError(errno: errno))
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        try rename(temporary, to: path)
    }

    /// Writes all of `bytes` to `descriptor`, retrying short writes.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws(ImageMirrorError) {
        try withBytes(of: bytes) { buffer throws(ImageMirrorError) in try writeAll(descriptor, buffer, path: path) }
    }

    /// Runs `body` over the bytes of `array`, keeping its typed error (`withUnsafeBytes` only rethrows untyped).
    static func withBytes<Result>(
        of array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ImageMirrorError) -> Result
    ) throws(ImageMirrorError) -> Result {
        try array.withUnsafeBytes { buffer in Swift.Result { () throws(ImageMirrorError) in try body(buffer) } }.get()
    }

    /// Writes all of `buffer` to `descriptor`, retrying short writes.
    static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, path: String)
        throws(ImageMirrorError)
    {
        var done = 0
        while done < buffer.count {
            let written = write(descriptor, buffer.baseAddress.map { $0 + done }, buffer.count - done)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw ImageMirrorError(.io, "cannot write \(path)", underlyingError: ErrnoError(errno: errno))
            }
            done += written
        }
    }

    /// Renames `source` to `destination`, replacing it atomically.
    static func rename(_ source: String, to destination: String) throws(ImageMirrorError) {
        guard Glibc.rename(source, destination) == 0 else {
            throw ImageMirrorError(
                .io, "cannot rename \(source) to \(destination)", underlyingError: ErrnoError(errno: errno))
        }
    }

    /// Makes `destination` a hard link to `source`, atomically replacing whatever is at `destination`.
    static func link(_ source: String, to destination: String) throws(ImageMirrorError) {
        try makeDirectories(parent(of: destination))
        let temporary = destination + ".link-\(getpid())"
        unlink(temporary)
        guard Glibc.link(source, temporary) == 0 else {
            throw ImageMirrorError(
                .io, "cannot link \(destination) to \(source)", underlyingError: ErrnoError(errno: errno))
        }
        do throws(ImageMirrorError) {
            try rename(temporary, to: destination)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Removes the file at `path`; a missing file is not an error.
    static func remove(_ path: String) throws(ImageMirrorError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ImageMirrorError(.io, "cannot remove \(path)", underlyingError: ErrnoError(errno: errno))
        }
    }

    /// Removes the directories from `directory` up to, but not including, `root`, while they are empty.
    static func removeEmptyDirectories(from directory: String, upTo root: String) {
        var current = directory
        while current.count > root.count && current.hasPrefix(root + "/") {
            guard rmdir(current) == 0 else { return }
            current = parent(of: current)
        }
    }

    /// The bytes available to an unprivileged user on the file system holding `path`.
    static func availableSpace(at path: String) throws(ImageMirrorError) -> Int64 {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else {
            throw ImageMirrorError(
                .io, "cannot read the free space of \(path)", underlyingError: ErrnoError(errno: errno))
        }
        let (bytes, overflow) = UInt64(status.f_bavail).multipliedReportingOverflow(by: UInt64(status.f_frsize))
        return overflow || bytes > UInt64(Int64.max) ? .max : Int64(bytes)
    }

    /// The SHA-256 of the first `length` bytes of the file at `path` (all of it when `nil`), and the bytes read.
    static func sha256(of path: String, length: Int64? = nil) throws(ImageMirrorError) -> (DigestHasher, Int64) {
        var hasher = DigestHasher(.sha256)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ImageMirrorError(.io, "cannot open \(path)", underlyingError: ErrnoError(errno: errno))
        }
        defer { close(descriptor) }
        var total: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while length.map({ total < $0 }) ?? true {
            try Task.checkCancellation(path: path)
            let wanted = length.map { Int(min(Int64(chunk.count), $0 - total)) } ?? chunk.count
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw ImageMirrorError(.io, "cannot read \(path)", underlyingError: ErrnoError(errno: errno))
            }
            if count == 0 { break }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            total += Int64(count)
        }
        return (hasher, total)
    }
}
