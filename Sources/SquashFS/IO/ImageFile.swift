internal import SystemLayer
internal import SystemPackage

/// Owns the file descriptor an image is read from and performs bounded positional reads.
///
/// Every read is checked against ``limit`` (the image's `bytes_used`), so no image-derived offset can reach bytes
/// outside the image, even inside a larger file. Positional reads keep it safe to share between threads.
final class ImageFile: Sendable {
    let descriptor: FileDescriptor
    /// Where the image starts inside the file.
    let baseOffset: UInt64
    /// How many bytes of the file after ``baseOffset`` exist.
    let availableBytes: UInt64
    /// A name for messages (the path, or `fd N`).
    let name: String

    convenience init(path: FilePath, offset: UInt64) throws(SquashFSError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.openForPositionalReads(path)
        } catch {
            throw SquashFSError(.io, "\(path): cannot open", underlyingError: error.underlying)
        }
        try self.init(owning: descriptor, offset: offset, name: path.string)
    }

    /// Takes ownership of `descriptor` (closed in `deinit`, or here if this throws).
    init(owning descriptor: FileDescriptor, offset: UInt64, name: String) throws(SquashFSError) {
        let readable: UInt64?
        do {
            readable = try descriptor.readableSize(name: name)
        } catch {
            try? descriptor.close()
            throw SquashFSError(.io, "\(name): cannot stat", underlyingError: error.underlying)
        }
        guard let size = readable else {
            try? descriptor.close()
            throw SquashFSError(.notSquashFS, "\(name): is a directory")
        }
        guard offset <= size else {
            try? descriptor.close()
            throw SquashFSError(.notSquashFS, "\(name): offset \(offset) is past the end of the file (\(size) bytes)")
        }
        self.descriptor = descriptor
        self.baseOffset = offset
        self.availableBytes = size - offset
        self.name = name
    }

    deinit {
        try? descriptor.close()
    }

    /// Reads exactly `buffer.count` bytes at `position` (relative to the image start), which must lie below `limit`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: UInt64, limit: UInt64) throws(SquashFSError) {
        let count = UInt64(buffer.count)
        let (end, overflow) = position.addingReportingOverflow(count)
        guard !overflow, end <= limit else {
            throw .corrupt("read of \(count) bytes at offset \(position) runs past the end of the image (\(limit))")
        }
        guard count > 0 else { return }
        let fileOffset = baseOffset + position
        let done: Int
        do {
            done = try descriptor.read(exactly: buffer, at: fileOffset, name: name)
        } catch {
            throw SquashFSError(
                .io, "\(name): read of \(count) bytes failed at offset \(fileOffset)", underlyingError: error.underlying
            )
        }
        guard done == buffer.count else {
            throw SquashFSError(.io, "\(name): unexpected end of file at offset \(fileOffset + UInt64(done))")
        }
    }

    /// Reads `count` bytes at `position` into a new array.
    func read(count: Int, at position: UInt64, limit: UInt64) throws(SquashFSError) -> [UInt8] {
        guard count > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(SquashFSError) in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: position, limit: limit)
            initialized = count
        }
    }
}

extension FileSystemError {
    /// The underlying error of a SquashFS error caused by this one: the `errno` (swift-system's `Errno`) when a
    /// system call set one, otherwise this error itself (a symbolic link refused, an invalid name).
    var underlying: any Error & Sendable {
        errno.map { $0 as any Error & Sendable } ?? self
    }
}
