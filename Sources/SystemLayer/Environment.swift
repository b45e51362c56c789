internal import Glibc
package import SystemPackage

/// The running process's environment: variables, the directory for temporary files, and the executable's own path.
package enum ProcessEnvironment {
    /// The value of the environment variable `name`, or `nil` when it is not set.
    ///
    /// The corresponding C function is `getenv`.
    package static func value(of name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The directory for temporary files: `TMPDIR` when it is set to an absolute path, otherwise `/tmp`.
    package static var temporaryDirectory: FilePath {
        if let configured = value(of: "TMPDIR"), configured.hasPrefix("/") {
            var path = Substring(configured)
            while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
            return FilePath(String(path))
        }
        return "/tmp"
    }

    /// The path of the running executable, with symbolic links resolved (`/proc/self/exe`), or `nil` when the
    /// system does not tell.
    ///
    /// The corresponding C function is `readlink`.
    package static var executablePath: FilePath? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return -1 }
            return readlink("/proc/self/exe", base, buffer.count - 1)
        }
        guard count > 0 else { return nil }
        let bytes = buffer[..<count].map { UInt8(bitPattern: $0) }
        return FilePath(String(decoding: bytes, as: UTF8.self))
    }

    /// Creates a new directory, readable only by its owner, with an unpredictable name that starts with `prefix` in
    /// ``temporaryDirectory``, and returns its path.
    ///
    /// The corresponding C function is `mkdtemp`.
    package static func makeTemporaryDirectory(prefix: String) throws(FileSystemError) -> FilePath {
        let parent = temporaryDirectory
        var template = Array((parent.appending(prefix + "-XXXXXX")).string.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkdtemp($0) } ?? nil }
        guard made != nil else { throw .last("create a temporary directory in", parent.string) }
        return FilePath(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
