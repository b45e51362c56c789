import Glibc

/// Owns the file descriptor an image is read from and performs bounded positional reads.
///
/// Every read is checked against ``limit`` (the image's `bytes_used`), so no image-derived offset can reach bytes
/// outside the image, even inside a larger file. `pread` keeps it safe to share between threads.
final class ImageFile: Sendable {
    let descriptor: Int32
    let ownsDescriptor: Bool
    /// Where the image starts inside the file.
    let baseOffset: UInt64
    /// How many bytes of the file after ``baseOffset`` exist.
    let availableBytes: UInt64
    /// A name for messages (the path, or `fd N`).
    let name: String

    convenience init(path: String, offset: UInt64) throws(SquashFSError) {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            throw SquashFSError(.io, "\(path): cannot open", underlyingError: SystemError(errno: errno))
        }
        do {
            try self.init(descriptor: fd, owns: true, offset: offset, name: path)
        } catch {
            close(fd)
            throw error
        }
    }

    init(descriptor: Int32, owns: Bool, offset: UInt64, name: String) throws(SquashFSError) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SquashFSError(.io, "\(name): cannot stat", underlyingError: SystemError(errno: errno))
        }
        var size = UInt64(max(0, info.st_size))
        if info.st_mode & S_IFMT == S_IFBLK {
            let end = lseek(descriptor, 0, SEEK_END)
            if end > 0 { size = UInt64(end) }
        } else if info.st_mode & S_IFMT == S_IFDIR {
            throw SquashFSError(.notSquashFS, "\(name): is a directory")
        }
        guard offset <= size else {
            throw SquashFSError(.notSquashFS, "\(name): offset \(offset) is past the end of the file (\(size) bytes)")
        }
        self.descriptor = descriptor
        self.ownsDescriptor = owns
        self.baseOffset = offset
        self.availableBytes = size - offset
        self.name = name
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Reads exactly `buffer.count` bytes at `position` (relative to the image start), which must lie below `limit`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: UInt64, limit: UInt64) throws(SquashFSError) {
        let count = UInt64(buffer.count)
        let (end, overflow) = position.addingReportingOverflow(count)
        guard !overflow, end <= limit else {
            throw .corrupt("read of \(count) bytes at offset \(position) runs past the end of the image (\(limit))")
        }
        guard count > 0, let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let fileOffset = baseOffset + position + UInt64(done)
            let result = pread(descriptor, base + done, buffer.count - done, off_t(truncatingIfNeeded: fileOffset))
            if result > 0 {
                done += result
            } else if result == 0 {
                throw SquashFSError(.io, "\(name): unexpected end of file at offset \(fileOffset)")
            } else if errno != EINTR {
                throw SquashFSError(
                    .io, "\(name): read failed at offset \(fileOffset)", underlyingError: SystemError(errno: errno))
            }
        }
    }

    /// Reads `count` bytes at `position` into a new array.
    func read(count: Int, at position: UInt64, limit: UInt64) throws -> [UInt8] {
        guard count > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: position, limit: limit)
            initialized = count
        }
    }
}
