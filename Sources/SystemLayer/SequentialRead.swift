internal import Glibc
package import SystemPackage

extension FileIO {
    /// Opens the regular file at `path` (a path the user gave; symbolic links are followed) to be read front to
    /// back once, and returns it with its size when the system states one.
    ///
    /// Anything but a regular file (a FIFO, a device such as `/dev/zero`, a directory) is refused without blocking,
    /// as by ``openRegularFile(atPath:)``. The kernel is told the file will be read sequentially (`posix_fadvise`).
    package static func openForSequentialRead(atPath path: String) throws(FileSystemError)
        -> (file: FileDescriptor, size: Int64)
    {
        let file = try openRegularFile(atPath: path)
        let size: Int64
        do {
            size = try file.stat().size
        } catch {
            try? file.close()
            throw FileSystemError("inspect", path, .system(error))
        }
        _ = posix_fadvise(file.rawValue, 0, 0, POSIX_FADV_SEQUENTIAL)
        return (file, size)
    }

    /// Reads at most `buffer.count` bytes of `file` into `buffer` (retrying on `EINTR`); returns how many were read,
    /// 0 at the end of the file.
    package static func read(
        _ file: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, _ path: @autoclosure () -> String
    ) throws(FileSystemError) -> Int {
        while true {
            let count = Glibc.read(file.rawValue, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .last("read", path()) }
            return count
        }
    }
}
