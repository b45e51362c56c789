import Glibc

/// `fsetxattr` and `lsetxattr` from the C library.
///
/// `<sys/xattr.h>` is not part of Swift's Glibc module and this module's C targets wrap only the decompressors, so
/// the two functions are looked up once with `dlsym`; where they are missing, setting an attribute fails with
/// `ENOSYS`.
enum ExtendedAttributeCalls {
    private typealias SetOnDescriptor =
        @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias SetOnPath =
        @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32

    private static let setOnDescriptor = lookup("fsetxattr", as: SetOnDescriptor.self)
    private static let setOnPath = lookup("lsetxattr", as: SetOnPath.self)

    /// `fsetxattr(descriptor, name, value, size, 0)`; -1 with `errno` set on failure.
    static func set(_ name: UnsafePointer<CChar>, _ value: UnsafeRawBufferPointer, onDescriptor descriptor: Int32)
        -> Int32
    {
        guard let setOnDescriptor else { return unavailable() }
        return setOnDescriptor(descriptor, name, value.baseAddress, value.count, 0)
    }

    /// `lsetxattr(path, name, value, size, 0)`: the last component of `path` is not followed.
    static func set(_ name: UnsafePointer<CChar>, _ value: UnsafeRawBufferPointer, onPath path: UnsafePointer<CChar>)
        -> Int32
    {
        guard let setOnPath else { return unavailable() }
        return setOnPath(path, name, value.baseAddress, value.count, 0)
    }

    private static func unavailable() -> Int32 {
        errno = ENOSYS
        return -1
    }

    private static func lookup<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
