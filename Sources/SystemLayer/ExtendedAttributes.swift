internal import Glibc
package import SystemPackage

/// `fsetxattr` and `lsetxattr` from the C library.
///
/// `<sys/xattr.h>` is not part of Swift's Glibc module, so the two functions are looked up once with `dlsym`; where
/// they are missing, setting an attribute fails with `ENOSYS`.
private enum ExtendedAttributeCalls {
    typealias SetOnDescriptor =
        @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32
    typealias SetOnPath =
        @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32

    static let setOnDescriptor = lookup("fsetxattr", as: SetOnDescriptor.self)
    static let setOnPath = lookup("lsetxattr", as: SetOnPath.self)

    static func lookup<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}

/// `bytes` NUL-terminated, for a C call; `nil` if they hold a NUL.
private func cString(_ bytes: [UInt8]) -> [CChar]? {
    bytes.contains(0) ? nil : bytes.map { CChar(bitPattern: $0) } + [0]
}

extension FileDescriptor {
    /// Sets the extended attribute `attribute` (a full name such as `user.comment`) to `value` on the open file.
    ///
    /// The corresponding C function is `fsetxattr`.
    package func setExtendedAttribute(_ attribute: [UInt8], to value: [UInt8], name: @autoclosure () -> String)
        throws(FileSystemError)
    {
        let action = "set the extended attribute \(String(decoding: attribute, as: UTF8.self)) of"
        guard let attributeName = cString(attribute) else { throw FileSystemError(action, name(), .invalidName) }
        guard let call = ExtendedAttributeCalls.setOnDescriptor else {
            throw FileSystemError(action, name(), .system(.noFunction))
        }
        let result = attributeName.withUnsafeBufferPointer { cName in
            value.withUnsafeBytes { call(rawValue, cName.baseAddress, $0.baseAddress, $0.count, 0) }
        }
        guard result == 0 else { throw .last(action, name()) }
    }
}

extension DirectoryDescriptor {
    /// Sets the extended attribute `attribute` to `value` on the entry `name`, not following it.
    ///
    /// There is no `*at` form of `setxattr` in glibc: the entry is reached through `/proc/self/fd/N/name`, which
    /// the kernel resolves to the very directory this descriptor holds; `lsetxattr` does not follow the last
    /// component.
    package func setExtendedAttribute(ofEntry name: [UInt8], _ attribute: [UInt8], to value: [UInt8])
        throws(FileSystemError)
    {
        let action = "set the extended attribute \(String(decoding: attribute, as: UTF8.self)) of"
        guard Self.isPlainName(name), let entry = cString(Array("/proc/self/fd/\(descriptor.rawValue)/".utf8) + name),
            let attributeName = cString(attribute)
        else { throw FileSystemError(action, child(name), .invalidName) }
        guard let call = ExtendedAttributeCalls.setOnPath else {
            throw FileSystemError(action, child(name), .system(.noFunction))
        }
        let result = entry.withUnsafeBufferPointer { path in
            attributeName.withUnsafeBufferPointer { cName in
                value.withUnsafeBytes { call(path.baseAddress, cName.baseAddress, $0.baseAddress, $0.count, 0) }
            }
        }
        guard result == 0 else { throw .last(action, child(name)) }
    }
}
