import Foundation
import Glibc

/// A directory made with `mkdtemp` under the system temporary directory, removed with everything in it by
/// ``remove()``.
struct TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    let path: String

    /// Creates a fresh, empty directory whose name starts with `prefix`.
    init(prefix: String) throws {
        var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else { throw CocoaError(.fileWriteUnknown) }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path of `name` inside the directory.
    func appending(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and everything below it (the CLI tests only create UTF-8 names).
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
