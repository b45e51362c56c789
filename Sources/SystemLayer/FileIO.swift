internal import Glibc
package import SystemPackage

/// Whole-file reads and writes on descriptors, and bounded reads of files users name, for every module.
package enum FileIO {
    /// The bytes of the regular file at `path` (a path the user gave; symbolic links are followed), at most
    /// `maximumSize` of them.
    ///
    /// The file is opened with `O_NONBLOCK`, so a FIFO never blocks the caller, and anything but a regular file (a
    /// FIFO, a device such as `/dev/zero`, a directory, a socket) is refused before a byte is read; a file that grows
    /// past `maximumSize` while being read is refused too.
    ///
    /// - Throws: ``FileSystemError``, ``FileSystemError/Reason/wrongKind(_:)`` or
    ///   ``FileSystemError/Reason/tooLarge(limit:)`` included.
    package static func readRegularFile(atPath path: String, maximumSize: Int) throws(FileSystemError) -> [UInt8] {
        let file = try openRegularFile(atPath: path)
        defer { try? file.close() }
        return try readAll(file, path, maximumSize: maximumSize)
    }

    /// Opens the regular file at `path` for reading (following symbolic links), refusing anything else without
    /// blocking on it.
    package static func openRegularFile(atPath path: String) throws(FileSystemError) -> FileDescriptor {
        let raw = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard raw >= 0 else { throw .last("open", path) }
        let file = FileDescriptor(rawValue: raw)
        do throws(FileSystemError) {
            try requireRegularFile(file, path)
            try clearNonBlocking(file, path)
        } catch {
            try? file.close()
            throw error
        }
        return file
    }

    /// Reads `file` from its current offset to its end, refusing more than `maximumSize` bytes.
    package static func readAll(_ file: FileDescriptor, _ path: @autoclosure () -> String, maximumSize: Int)
        throws(FileSystemError)
        -> [UInt8]
    {
        var expected = 0
        if let size = try? file.stat().size {
            guard size <= Int64(maximumSize) else {
                throw FileSystemError("read", path(), .tooLarge(limit: Int64(maximumSize)))
            }
            expected = Int(size)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(expected)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(file.rawValue, $0.baseAddress, $0.count) }
            if count < 0 && Glibc.errno == EINTR { continue }
            guard count >= 0 else { throw .last("read", path()) }
            if count == 0 { return bytes }
            guard count <= maximumSize - bytes.count else {
                throw FileSystemError("read", path(), .tooLarge(limit: Int64(maximumSize)))
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Writes all of `bytes` to `file`, retrying short writes.
    package static func writeAll(_ file: FileDescriptor, _ bytes: [UInt8], _ path: @autoclosure () -> String)
        throws(FileSystemError)
    {
        let result = bytes.withUnsafeBytes { buffer in
            Swift.Result { () throws(FileSystemError) in try writeAll(file, buffer, path()) }
        }
        try result.get()
    }

    /// Writes all of `buffer` to `file`, retrying short writes.
    package static func writeAll(
        _ file: FileDescriptor, _ buffer: UnsafeRawBufferPointer, _ path: @autoclosure () -> String
    )
        throws(FileSystemError)
    {
        var done = 0
        while done < buffer.count {
            let written = Glibc.write(file.rawValue, buffer.baseAddress.map { $0 + done }, buffer.count - done)
            if written < 0 && Glibc.errno == EINTR { continue }
            guard written > 0 else { throw .last("write", path()) }
            done += written
        }
    }

    /// Flushes `file` to stable storage.
    package static func synchronize(_ file: FileDescriptor, _ path: @autoclosure () -> String) throws(FileSystemError) {
        guard fsync(file.rawValue) == 0 else { throw .last("flush", path()) }
    }

    /// Truncates `file` to `size` bytes and moves its offset there.
    package static func truncate(_ file: FileDescriptor, to size: Int64, _ path: @autoclosure () -> String)
        throws(FileSystemError)
    {
        guard ftruncate(file.rawValue, off_t(size)) == 0, lseek(file.rawValue, off_t(size), SEEK_SET) == size else {
            throw .last("truncate", path())
        }
    }

    /// Throws ``FileSystemError/Reason/wrongKind(_:)`` unless `file` is a regular file.
    package static func requireRegularFile(_ file: FileDescriptor, _ path: @autoclosure () -> String)
        throws(FileSystemError)
    {
        let type: FileType
        do {
            type = try file.stat().type
        } catch {
            throw FileSystemError("inspect", path(), .system(error))
        }
        guard type != .regular else { return }
        let kind =
            switch type {
            case .directory: "a directory"
            case .fifo: "a FIFO"
            case .characterSpecial, .blockSpecial: "a device"
            case .socket: "a socket"
            case .symbolicLink: "a symbolic link"
            default: "not a regular file"
            }
        throw FileSystemError("read", path(), .wrongKind(kind))
    }

    /// Clears `O_NONBLOCK`, set only so that opening cannot block.
    static func clearNonBlocking(_ file: FileDescriptor, _ path: @autoclosure () -> String) throws(FileSystemError) {
        let flags = fcntl(file.rawValue, F_GETFL)
        guard flags >= 0, fcntl(file.rawValue, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
            throw .last("open", path())
        }
    }
}
