internal import Glibc
package import SystemPackage

/// Private working directories (a GnuPG home): created with an unpredictable name and mode 0700, resolved, and
/// removed once emptied.
package enum PrivateDirectory {
    /// Creates a directory named `namePrefix` followed by six unpredictable characters in `parent`, with mode 0700
    /// whatever the umask, and returns its path.
    ///
    /// The corresponding C functions are `mkdtemp` and `chmod`.
    package static func create(in parent: FilePath, namePrefix: String) throws(FileSystemError) -> FilePath {
        var template = Array(parent.appending(namePrefix + "XXXXXX").string.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let pointer = buffer.baseAddress else { return false }
            return mkdtemp(pointer) != nil
        }
        guard made else { throw .last("create a private directory in", parent.string) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkdtemp already uses 0700; chmod makes it independent of the umask and of the libc.
        guard chmod(path, 0o700) == 0 else {
            let error = FileSystemError.last("protect", path)
            rmdir(path)
            throw error
        }
        return FilePath(path)
    }

    /// `path` with every symbolic link and `.`/`..` resolved, or `nil` when it cannot be resolved.
    ///
    /// The corresponding C function is `realpath`.
    package static func resolved(_ path: FilePath) -> FilePath? {
        guard let resolved = realpath(path.string, nil) else { return nil }
        defer { free(resolved) }
        return FilePath(String(cString: resolved))
    }

    /// Removes the empty directory at `path`; returns whether it was removed.
    ///
    /// The corresponding C function is `rmdir`.
    @discardableResult
    package static func removeIfEmpty(_ path: FilePath) -> Bool {
        rmdir(path.string) == 0
    }
}
