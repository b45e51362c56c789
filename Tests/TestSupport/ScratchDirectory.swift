import Foundation

/// A temporary directory, removed by ``remove()``.
public struct ScratchDirectory: Sendable {
    /// The directory.
    public let path: String

    /// Creates a directory under the temporary directory whose name starts with `prefix`.
    public init(prefix: String) throws {
        path = try Self.makeTemporaryDirectory(prefix: prefix)
    }

    /// Writes `bytes` at `relativePath`, creating the directories on the way.
    @discardableResult
    public func write(_ bytes: [UInt8], to relativePath: String) throws -> String {
        let full = path + "/" + relativePath
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes `text` as UTF-8 at `relativePath`.
    @discardableResult
    public func write(_ text: String, to relativePath: String) throws -> String {
        try write(Array(text.utf8), to: relativePath)
    }

    /// The bytes at `relativePath`.
    public func read(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path + "/" + relativePath)))
    }

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Creates a new directory under the temporary directory whose name starts with `prefix`, and returns its path.
    public static func makeTemporaryDirectory(prefix: String) throws -> String {
        var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else { throw CocoaError(.fileWriteUnknown) }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
