import Foundation
import Glibc

/// A directory made with `mkdtemp` under the system temporary directory.
///
/// Removal is byte-exact (it walks with `nftw`, not with `FileManager`), so trees holding names that are not valid
/// UTF-8 are removed completely.
struct TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    let path: String

    /// Creates a fresh, empty directory whose name starts with `prefix`.
    init(prefix: String) throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else { throw POSIXFailure(call: "mkdtemp", path: Array(base.utf8), errno: errno) }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path of `name` inside the directory.
    func appending(_ name: String) -> String { path + "/" + name }

    /// The directory's path as bytes.
    var bytes: [UInt8] { Array(path.utf8) }

    /// Removes the directory and everything below it, without following symbolic links.
    func remove() {
        removeTree(path)
    }
}

/// Removes `path` and everything below it (depth first, symbolic links not followed); errors are ignored.
func removeTree(_ path: String) {
    removeTree(bytes: Array(path.utf8))
}

/// Removes `path` (raw bytes) and everything below it.
private func removeTree(bytes path: [UInt8]) {
    guard let info = try? POSIX.lstat(path) else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
        for name in (try? POSIX.directoryNames(path)) ?? [] {
            removeTree(bytes: POSIX.join(path, name))
        }
        _ = try? POSIX.withCPath(path) { rmdir($0) }
    } else {
        _ = try? POSIX.withCPath(path) { unlink($0) }
    }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards, whether or not `body` throws.
func withTemporaryDirectory<Result>(
    prefix: String = "squashfs-tests", _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try await body(directory)
}
