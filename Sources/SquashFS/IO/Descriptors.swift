import Glibc

func duplicateDescriptor(_ fd: Int32) throws -> Int32 {
    let duplicate = fcntl(fd, F_DUPFD_CLOEXEC, 0)
    guard duplicate >= 0 else {
        throw SquashFSError(.io, "fd \(fd): cannot duplicate", underlyingError: SystemError(errno: errno))
    }
    return duplicate
}

func closeDescriptor(_ fd: Int32) {
    close(fd)
}

/// The number of processors online, at least 1.
var activeProcessorCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
