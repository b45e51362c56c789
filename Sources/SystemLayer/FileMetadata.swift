internal import Glibc
package import SystemPackage

// Owners, modes, times and sizes of files being created (an extraction restoring an image's metadata), on open
// descriptors and, without following them, on entries of a confined directory; and the entries that are not
// regular files or directories (symbolic links, FIFOs, sockets, device nodes).

/// The kind of node ``DirectoryDescriptor/makeNode(_:kind:device:)`` creates.
package enum NodeKind: Sendable, Hashable {
    /// A named pipe.
    case fifo
    /// A Unix-domain socket node.
    case socket
    /// A block device.
    case blockDevice
    /// A character device.
    case characterDevice

    var modeBits: mode_t {
        switch self {
        case .fifo: S_IFIFO
        case .socket: S_IFSOCK
        case .blockDevice: S_IFBLK
        case .characterDevice: S_IFCHR
        }
    }
}

/// A device number as major and minor numbers.
package struct DeviceID: Sendable, Hashable {
    /// The major number (the driver).
    package var major: UInt32
    /// The minor number (the device).
    package var minor: UInt32

    /// Creates a device number.
    package init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// The `dev_t` (glibc's `makedev`).
    var rawValue: dev_t {
        let major = UInt64(major)
        let minor = UInt64(minor)
        return dev_t((major & 0xFFFF_F000) << 32 | (major & 0xFFF) << 8 | (minor & 0xFFFF_FF00) << 12 | (minor & 0xFF))
    }
}

extension FileDescriptor {
    /// Sets the owner and group. The corresponding C function is `fchown`.
    package func setOwner(user: UInt32, group: UInt32, name: @autoclosure () -> String) throws(FileSystemError) {
        guard fchown(rawValue, user, group) == 0 else { throw .last("set the owner of", name()) }
    }

    /// Sets all twelve permission bits (set-id and sticky bits included). The corresponding C function is `fchmod`.
    package func setPermissions(_ mode: UInt16, name: @autoclosure () -> String) throws(FileSystemError) {
        guard fchmod(rawValue, mode_t(mode)) == 0 else { throw .last("set the mode of", name()) }
    }

    /// Sets the access and modification times to `seconds` since the epoch. The corresponding C function is
    /// `futimens`.
    package func setTimes(secondsSinceEpoch seconds: Int64, name: @autoclosure () -> String) throws(FileSystemError) {
        let time = timespec(tv_sec: Int(seconds), tv_nsec: 0)
        let result = [time, time].withUnsafeBufferPointer { futimens(rawValue, $0.baseAddress) }
        guard result == 0 else { throw .last("set the time of", name()) }
    }

    /// Sets the size (a file whose last blocks are holes). The corresponding C function is `ftruncate`.
    package func setSize(_ size: UInt64, name: @autoclosure () -> String) throws(FileSystemError) {
        guard let length = off_t(exactly: size) else {
            throw FileSystemError("set the size of", name(), .system(.invalidArgument))
        }
        var result: Int32
        repeat { result = ftruncate(rawValue, length) } while result < 0 && errno == EINTR
        guard result == 0 else { throw .last("set the size of", name()) }
    }

    /// Writes all of `bytes` at `offset`, retrying short and interrupted writes. The corresponding C function is
    /// `pwrite`.
    package func write(allOf bytes: UnsafeRawBufferPointer, at offset: UInt64, name: @autoclosure () -> String)
        throws(FileSystemError)
    {
        var done = 0
        while done < bytes.count {
            let (position, overflow) = offset.addingReportingOverflow(UInt64(done))
            guard !overflow, let start = off_t(exactly: position) else {
                throw FileSystemError("write", name(), .system(.fileTooLarge))
            }
            let written = Glibc.pwrite(rawValue, bytes.baseAddress.map { $0 + done }, bytes.count - done, start)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                if written == 0 { throw FileSystemError("write", name(), .system(.noSpace)) }
                throw .last("write", name())
            }
            done += written
        }
    }
}

extension DirectoryDescriptor {
    /// Sets the owner and group of the entry `name`, not following it. The corresponding C function is `fchownat`
    /// with `AT_SYMLINK_NOFOLLOW`.
    package func setOwner(ofEntry name: [UInt8], user: UInt32, group: UInt32) throws(FileSystemError) {
        let result = try Self.withName(name, child(name)) { cName in
            fchownat(descriptor.rawValue, cName, user, group, AT_SYMLINK_NOFOLLOW)
        }
        guard result == 0 else { throw .last("set the owner of", child(name)) }
    }

    /// Sets the permission bits of the entry `name` (which must not be a symbolic link: Linux cannot change a
    /// link's mode). The corresponding C function is `fchmodat`.
    package func setPermissions(ofEntry name: [UInt8], _ mode: UInt16) throws(FileSystemError) {
        let result = try Self.withName(name, child(name)) { cName in
            fchmodat(descriptor.rawValue, cName, mode_t(mode), 0)
        }
        guard result == 0 else { throw .last("set the mode of", child(name)) }
    }

    /// Sets the access and modification times of the entry `name` to `seconds` since the epoch, not following it.
    /// The corresponding C function is `utimensat` with `AT_SYMLINK_NOFOLLOW`.
    package func setTimes(ofEntry name: [UInt8], secondsSinceEpoch seconds: Int64) throws(FileSystemError) {
        let time = timespec(tv_sec: Int(seconds), tv_nsec: 0)
        let result = try Self.withName(name, child(name)) { cName in
            [time, time].withUnsafeBufferPointer {
                utimensat(descriptor.rawValue, cName, $0.baseAddress, AT_SYMLINK_NOFOLLOW)
            }
        }
        guard result == 0 else { throw .last("set the time of", child(name)) }
    }

    /// Creates the symbolic link `name` pointing at `target` (any bytes but NUL). The corresponding C function is
    /// `symlinkat`.
    package func makeSymbolicLink(_ name: [UInt8], target: [UInt8]) throws(FileSystemError) {
        guard !target.contains(0) else { throw FileSystemError("create", child(name), .invalidName) }
        let terminated = target.map { CChar(bitPattern: $0) } + [0]
        let result = try Self.withName(name, child(name)) { cName in
            terminated.withUnsafeBufferPointer { target in
                target.baseAddress.map { symlinkat($0, descriptor.rawValue, cName) } ?? -1
            }
        }
        guard result == 0 else { throw .last("create", child(name)) }
    }

    /// Creates the node `name` of `kind` (owner read and write permissions), with `device` for device nodes. The
    /// corresponding C function is `mknodat`.
    package func makeNode(_ name: [UInt8], kind: NodeKind, device: DeviceID?) throws(FileSystemError) {
        let result = try Self.withName(name, child(name)) { cName in
            mknodat(descriptor.rawValue, cName, kind.modeBits | 0o600, device?.rawValue ?? 0)
        }
        guard result == 0 else { throw .last("create", child(name)) }
    }
}
