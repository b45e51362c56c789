import Glibc

/// A failed system call on a path, with its `errno`.
struct POSIXFailure: Error, CustomStringConvertible {
    var call: String
    var path: [UInt8]
    var errno: Int32

    var description: String {
        "\(call)(\(String(decoding: path, as: UTF8.self))) failed: \(String(cString: strerror(errno)))"
    }
}

/// Byte-exact wrappers of the system calls the tests use; paths are `[UInt8]` because names may not be UTF-8.
enum POSIX {
    /// Calls `body` with `path` as a NUL-terminated C string.
    @discardableResult
    static func withCPath<Result>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) throws -> Result) throws -> Result {
        var buffer = path.map { CChar(bitPattern: $0) }
        buffer.append(0)
        return try buffer.withUnsafeBufferPointer { pointer in
            guard let base = pointer.baseAddress else { throw POSIXFailure(call: "path", path: path, errno: EINVAL) }
            return try body(base)
        }
    }

    /// Throws if a call returned a negative value.
    @discardableResult
    static func check(_ result: Int32, _ call: String, _ path: [UInt8]) throws -> Int32 {
        guard result >= 0 else { throw POSIXFailure(call: call, path: path, errno: errno) }
        return result
    }

    /// `path` joined with `name` by a slash.
    static func join(_ path: [UInt8], _ name: [UInt8]) -> [UInt8] {
        if name.isEmpty { return path }
        return path + [UInt8(ascii: "/")] + name
    }

    static func lstat(_ path: [UInt8]) throws -> stat {
        var info = stat()
        try withCPath(path) { try check(Glibc.lstat($0, &info), "lstat", path) }
        return info
    }

    static func readLink(_ path: [UInt8]) throws -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try withCPath(path) { Glibc.readlink($0, &buffer, buffer.count) }
        guard count >= 0 else { throw POSIXFailure(call: "readlink", path: path, errno: errno) }
        return buffer.prefix(count).map { UInt8(bitPattern: $0) }
    }

    /// The names in a directory, without `.` and `..`, sorted byte-wise.
    static func directoryNames(_ path: [UInt8]) throws -> [[UInt8]] {
        guard let directory = try withCPath(path, { opendir($0) }) else {
            throw POSIXFailure(call: "opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The extended attribute names of `path` (not following symbolic links).
    static func listXattrs(_ path: [UInt8]) throws -> [[UInt8]] {
        let size = try withCPath(path) { try XattrCalls.list($0, nil, 0) }
        guard size >= 0 else { throw POSIXFailure(call: "llistxattr", path: path, errno: errno) }
        if size == 0 { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        let got = try withCPath(path) { try XattrCalls.list($0, &buffer, buffer.count) }
        guard got >= 0 else { throw POSIXFailure(call: "llistxattr", path: path, errno: errno) }
        return buffer.prefix(got).split(separator: 0).map { $0.map { UInt8(bitPattern: $0) } }
    }

    /// The value of extended attribute `name` of `path` (not following symbolic links).
    static func getXattr(_ path: [UInt8], _ name: [UInt8]) throws -> [UInt8] {
        let size = try withCPath(path) { cPath in try withCPath(name) { try XattrCalls.get(cPath, $0, nil, 0) } }
        guard size >= 0 else { throw POSIXFailure(call: "lgetxattr", path: path, errno: errno) }
        if size == 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: size)
        let got = try withCPath(path) { cPath in
            try withCPath(name) { try XattrCalls.get(cPath, $0, &buffer, buffer.count) }
        }
        guard got >= 0 else { throw POSIXFailure(call: "lgetxattr", path: path, errno: errno) }
        return Array(buffer.prefix(got))
    }

    static func setXattr(_ path: [UInt8], _ name: [UInt8], _ value: [UInt8]) throws {
        try withCPath(path) { cPath in
            try withCPath(name) { cName in
                try check(try XattrCalls.set(cPath, cName, value, value.count, 0), "lsetxattr", path)
            }
        }
    }

    /// Reads a whole file.
    static func readFile(_ path: [UInt8]) throws -> [UInt8] {
        let fd = try withCPath(path) { open($0, O_RDONLY | O_CLOEXEC) }
        try check(fd, "open", path)
        defer { close(fd) }
        var info = stat()
        try check(fstat(fd, &info), "fstat", path)
        var result: [UInt8] = []
        result.reserveCapacity(max(0, info.st_size))
        var chunk = [UInt8](repeating: 0, count: min(1 << 20, max(4096, info.st_size + 1)))
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count >= 0 else { throw POSIXFailure(call: "read", path: path, errno: errno) }
            if count == 0 { return result }
            result.append(contentsOf: chunk.prefix(count))
        }
    }

    /// Creates (or truncates) a file, writes `extents` at their offsets and sets its size to `size`; the gaps are
    /// holes.
    static func writeFile(_ path: [UInt8], size: Int, extents: [(offset: Int, bytes: [UInt8])]) throws {
        let fd = try withCPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        try check(fd, "open", path)
        defer { close(fd) }
        for extent in extents {
            var done = 0
            while done < extent.bytes.count {
                let written = extent.bytes[done...].withUnsafeBytes {
                    pwrite(fd, $0.baseAddress, $0.count, off_t(extent.offset + done))
                }
                guard written > 0 else { throw POSIXFailure(call: "pwrite", path: path, errno: errno) }
                done += written
            }
        }
        try check(ftruncate(fd, off_t(size)), "ftruncate", path)
    }

    static func makeDirectory(_ path: [UInt8]) throws {
        try withCPath(path) { try check(mkdir($0, 0o755), "mkdir", path) }
    }

    static func makeSymlink(_ path: [UInt8], target: [UInt8]) throws {
        try withCPath(target) { cTarget in try withCPath(path) { try check(symlink(cTarget, $0), "symlink", path) } }
    }

    /// Makes `path` a hard link to `existing` (a symbolic link is linked itself, not its target).
    static func makeHardLink(_ path: [UInt8], to existing: [UInt8]) throws {
        try withCPath(existing) { cExisting in
            try withCPath(path) { try check(linkat(AT_FDCWD, cExisting, AT_FDCWD, $0, 0), "link", path) }
        }
    }

    /// Creates a device, fifo or socket node; `type` is `S_IFCHR`, `S_IFBLK`, `S_IFIFO` or `S_IFSOCK`.
    static func makeNode(_ path: [UInt8], type: mode_t, major: UInt32 = 0, minor: UInt32 = 0) throws {
        let device = makeDevice(major: major, minor: minor)
        try withCPath(path) { try check(mknod($0, type | 0o644, device), "mknod", path) }
    }

    static func changeOwner(_ path: [UInt8], uid: UInt32, gid: UInt32) throws {
        try withCPath(path) { try check(lchown($0, uid, gid), "lchown", path) }
    }

    static func changeMode(_ path: [UInt8], _ mode: UInt16) throws {
        try withCPath(path) { try check(chmod($0, mode_t(mode)), "chmod", path) }
    }

    /// Sets access and modification time of `path` (not following a symbolic link).
    static func setModificationTime(_ path: [UInt8], _ seconds: Int) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        try withCPath(path) {
            try check(utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW), "utimensat", path)
        }
    }

    /// glibc's `makedev`.
    static func makeDevice(major: UInt32, minor: UInt32) -> dev_t {
        let major = UInt64(major)
        let minor = UInt64(minor)
        return dev_t((minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFF) << 12) | ((major & ~0xFFF) << 32))
    }

    /// glibc's `major` and `minor`.
    static func splitDevice(_ device: dev_t) -> (major: UInt32, minor: UInt32) {
        let value = UInt64(device)
        let major = ((value >> 8) & 0xFFF) | ((value >> 32) & ~0xFFF)
        let minor = (value & 0xFF) | ((value >> 12) & ~0xFF)
        return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
    }
}

/// `llistxattr`, `lgetxattr` and `lsetxattr` from the C library: `<sys/xattr.h>` is not part of the Glibc module, and
/// the package's own C modules do not export it, so the functions are looked up once with `dlsym`.
private enum XattrCalls {
    typealias List = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias Get = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int
    typealias Set =
        @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32

    private static let listFunction = lookup("llistxattr", as: List.self)
    private static let getFunction = lookup("lgetxattr", as: Get.self)
    private static let setFunction = lookup("lsetxattr", as: Set.self)

    /// `llistxattr`.
    static func list(_ path: UnsafePointer<CChar>, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) throws -> Int {
        try available(listFunction, "llistxattr")(path, buffer, size)
    }

    /// `lgetxattr`.
    static func get(
        _ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ value: UnsafeMutableRawPointer?, _ size: Int
    ) throws -> Int {
        try available(getFunction, "lgetxattr")(path, name, value, size)
    }

    /// `lsetxattr`.
    static func set(
        _ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int,
        _ flags: Int32
    ) throws -> Int32 {
        try available(setFunction, "lsetxattr")(path, name, value, size, flags)
    }

    private static func available<Function>(_ function: Function?, _ name: String) throws -> Function {
        guard let function else { throw POSIXFailure(call: "dlsym(\(name))", path: [], errno: ENOSYS) }
        return function
    }

    private static func lookup<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
