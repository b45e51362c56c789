internal import Glibc
package import SystemPackage

/// A file opened read-only for positional reads (`pread`) at any offset, such as headers found by identification;
/// a block device can be read too, with its size found by seeking to its end.
///
/// Opening never blocks (`O_NONBLOCK`): a FIFO or a character device is opened with the size its status gives
/// (0), so nothing is read from it. A directory is refused. The descriptor is closed when the value goes.
package final class PositionalFile: Sendable {
    /// The path, for messages.
    package let path: String
    /// The number of bytes: the file's size, or a block device's.
    package let size: UInt64
    private let descriptor: FileDescriptor

    /// Opens the file at `path` (symbolic links are followed) for reading.
    ///
    /// - Throws: ``FileSystemError``, ``FileSystemError/Reason/wrongKind(_:)`` for a directory.
    ///
    /// The corresponding C functions are `open`, `fstat` and `lseek`.
    package init(openingForReadAt path: String) throws(FileSystemError) {
        var raw: Int32
        repeat { raw = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) } while raw < 0 && errno == EINTR
        guard raw >= 0 else { throw .last("open", path) }
        let descriptor = FileDescriptor(rawValue: raw)
        let size: UInt64?
        do {
            size = try descriptor.readableSize(name: path)
        } catch {
            try? descriptor.close()
            throw error
        }
        guard let size else {
            try? descriptor.close()
            throw FileSystemError("read", path, .wrongKind("a directory"))
        }
        self.path = path
        self.size = size
        self.descriptor = descriptor
    }

    deinit {
        try? descriptor.close()
    }

    /// Reads `buffer.count` bytes at `offset`, fewer only at the end of the file (retrying short and interrupted
    /// reads); returns how many were read.
    ///
    /// The corresponding C function is `pread`.
    package func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(FileSystemError) -> Int {
        try descriptor.read(exactly: buffer, at: offset, name: path)
    }
}
