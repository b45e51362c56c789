import BootAssets
import Foundation
import SimpleStreams
import Testing

/// The checked-in fixtures (Fixtures/).
enum Fixture {
    /// The path of a fixture file.
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return url.path
    }

    /// The bytes of a fixture file.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }

    /// A fixture parsed as a products document.
    static func products(_ name: String) throws -> ProductsDocument {
        try ProductsDocument(parsing: try bytes(name))
    }

    /// The three real MAAS products documents (trimmed copies of images.maas.io, canonical/maas test data).
    static let maasProducts = [
        "maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json", "maas/simplestreams_bootloaders.json",
    ]
}

/// A temporary directory, removed by ``remove()``.
struct ScratchDirectory: Sendable {
    let path: String

    init(prefix: String) throws {
        path = try Self.makeTemporaryDirectory(prefix: prefix)
    }

    /// Writes `bytes` at `relativePath`, creating the directories on the way.
    @discardableResult
    func write(_ bytes: [UInt8], to relativePath: String) throws -> String {
        let full = path + "/" + relativePath
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes `text` as UTF-8 at `relativePath`.
    @discardableResult
    func write(_ text: String, to relativePath: String) throws -> String {
        try write(Array(text.utf8), to: relativePath)
    }

    /// The bytes at `relativePath`.
    func read(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path + "/" + relativePath)))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func makeTemporaryDirectory(prefix: String) throws -> String {
        var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else { throw CocoaError(.fileWriteUnknown) }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A tool that failed.
struct ToolFailure: Error, CustomStringConvertible {
    var description: String
}

/// What a finished process produced.
struct ToolResult: Sendable {
    var status: Int32
    var standardOutput: [UInt8]
    var standardError: [UInt8]

    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    var errorText: String { String(decoding: standardError, as: UTF8.self) }
}

/// Runs external programs (gpg, python3), capturing their output through temporary files.
enum Tool {
    /// The full path of `name` in `/usr/bin`, `/bin` or `/usr/local/bin`, or `nil`.
    static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        return ["/usr/bin/", "/bin/", "/usr/local/bin/"].map { $0 + name }.first { access($0, X_OK) == 0 }
    }

    /// Whether `name` is installed.
    static func exists(_ name: String) -> Bool { find(name) != nil }

    /// Runs `executable` with `arguments`; with `check`, a non-zero exit status throws.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], check: Bool = false) async throws -> ToolResult {
        guard let path = find(executable) else { throw ToolFailure(description: "\(executable) is not installed") }
        let scratch = try ScratchDirectory(prefix: "bootassets-tool")
        defer { scratch.remove() }
        let outputPath = scratch.path + "/stdout"
        let errorPath = scratch.path + "/stderr"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        guard let output = FileHandle(forWritingAtPath: outputPath), let error = FileHandle(forWritingAtPath: errorPath)
        else { throw ToolFailure(description: "cannot create capture files in \(scratch.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? output.close()
        try? error.close()
        let result = ToolResult(
            status: status,
            standardOutput: Array(FileManager.default.contents(atPath: outputPath) ?? Data()),
            standardError: Array(FileManager.default.contents(atPath: errorPath) ?? Data()))
        if check && status != 0 {
            throw ToolFailure(
                description: "\(executable) \(arguments.prefix(2)) exited with \(status): \(result.errorText)")
        }
        return result
    }
}

/// Runs `body` and returns the ``BootAssetsError`` it threw, or records an issue and returns `nil`.
func bootAssetsError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T)
    -> BootAssetsError?
{
    do {
        let value = try body()
        Issue.record("expected a BootAssetsError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as BootAssetsError {
        return error
    } catch {
        Issue.record("expected a BootAssetsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Runs `body` and returns the ``BootAssetsError`` it threw, or records an issue and returns `nil`.
func bootAssetsError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async
    -> BootAssetsError?
{
    do {
        let value = try await body()
        Issue.record("expected a BootAssetsError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as BootAssetsError {
        return error
    } catch {
        Issue.record("expected a BootAssetsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
