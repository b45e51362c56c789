import Glibc
import SquashFS

/// Records a directory tree on disk with `lstat`, `readlink` and `llistxattr`/`lgetxattr`, byte-exact names, no
/// symbolic link followed.
enum DirectorySnapshot {
    /// The snapshot of everything under `root` (which becomes `/`).
    static func take(_ root: [UInt8]) throws -> TreeSnapshot {
        var snapshot = TreeSnapshot()
        var pending: [(disk: [UInt8], path: ImagePath)] = [(root, .root)]
        while let (disk, path) = pending.popLast() {
            let record = try self.record(disk)
            snapshot.entries[path] = record
            if record.kind == .directory {
                for name in try POSIX.directoryNames(disk) {
                    pending.append((POSIX.join(disk, name), path.appending(name)))
                }
            }
        }
        return snapshot
    }

    /// The record of one path.
    static func record(_ path: [UInt8]) throws -> EntryRecord {
        let info = try POSIX.lstat(path)
        let kind = try kind(of: info.st_mode, path: path)
        var record = EntryRecord(
            kind: kind, permissions: UInt16(info.st_mode & 0o7777), uid: info.st_uid, gid: info.st_gid,
            modificationTime: UInt32(truncatingIfNeeded: info.st_mtim.tv_sec), size: nil, symlinkTarget: nil,
            device: nil, linkCount: UInt32(info.st_nlink), xattrs: [], identity: UInt64(info.st_ino))
        switch kind {
        case .regularFile:
            record.size = UInt64(info.st_size)
        case .symbolicLink:
            let target = try POSIX.readLink(path)
            record.symlinkTarget = target
            record.size = UInt64(target.count)
        case .blockDevice, .characterDevice:
            let (major, minor) = POSIX.splitDevice(info.st_rdev)
            record.device = DeviceIdentity(major: major, minor: minor)
        default:
            break
        }
        record.xattrs = try POSIX.listXattrs(path).map { XattrRecord(name: $0, value: try POSIX.getXattr(path, $0)) }
            .sorted()
        return record
    }

    private static func kind(of mode: mode_t, path: [UInt8]) throws -> FileKind {
        switch mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regularFile
        case S_IFLNK: return .symbolicLink
        case S_IFBLK: return .blockDevice
        case S_IFCHR: return .characterDevice
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        default: throw POSIXFailure(call: "lstat (unknown file type)", path: path, errno: EINVAL)
        }
    }
}
