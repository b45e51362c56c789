internal import Glibc
package import SystemPackage

/// Positional reads of a file shared between threads (a squashfs image): opening, duplicating a caller's
/// descriptor, its size, and exact reads at an offset.
extension FileDescriptor {
    /// Opens `path` read-only (symbolic links followed, close-on-exec), retrying on `EINTR`.
    ///
    /// The corresponding C function is `open`.
    package static func openForPositionalReads(_ path: FilePath) throws(FileSystemError) -> FileDescriptor {
        var raw: Int32
        repeat {
            raw = path.withPlatformString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        } while raw < 0 && errno == EINTR
        guard raw >= 0 else { throw .last("open", path.string) }
        return FileDescriptor(rawValue: raw)
    }

    /// A new descriptor (close-on-exec) for the same open file, which the caller then owns.
    ///
    /// The corresponding C function is `fcntl(F_DUPFD_CLOEXEC)`.
    package func duplicateForReads(name: String) throws(FileSystemError) -> FileDescriptor {
        let duplicate = fcntl(rawValue, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .last("duplicate", name) }
        return FileDescriptor(rawValue: duplicate)
    }

    /// The number of bytes that can be read: the size of a regular file, or of a block device (found by seeking to
    /// its end); `nil` for a directory.
    ///
    /// The corresponding C functions are `fstat` and `lseek`.
    package func readableSize(name: String) throws(FileSystemError) -> UInt64? {
        var info = Glibc.stat()
        guard Glibc.fstat(rawValue, &info) == 0 else { throw .last("inspect", name) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            return nil
        case S_IFBLK:
            let end = Glibc.lseek(rawValue, 0, SEEK_END)
            return end > 0 ? UInt64(end) : UInt64(max(0, info.st_size))
        default:
            return UInt64(max(0, info.st_size))
        }
    }

    /// Reads into all of `buffer` from `offset`, retrying short and interrupted reads; returns the number of bytes
    /// read, less than `buffer.count` only at the end of the file.
    ///
    /// The corresponding C function is `pread`; it keeps the descriptor safe to share between threads.
    package func read(exactly buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, name: String)
        throws(FileSystemError) -> Int
    {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let (position, overflow) = offset.addingReportingOverflow(UInt64(done))
            guard !overflow, let start = off_t(exactly: position) else { return done }
            let result = Glibc.pread(rawValue, base + done, buffer.count - done, start)
            if result > 0 {
                done += result
            } else if result == 0 {
                return done
            } else if errno != EINTR {
                throw .last("read", name)
            }
        }
        return done
    }
}
