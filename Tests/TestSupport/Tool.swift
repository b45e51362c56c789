import Foundation

/// A tool that failed.
public struct ToolFailure: Error, CustomStringConvertible {
    /// What failed.
    public var description: String

    /// A failure described by `description`.
    public init(description: String) { self.description = description }
}

/// What a finished process produced.
public struct ToolResult: Sendable {
    /// The exit status.
    public var status: Int32
    /// Everything written to standard output.
    public var standardOutput: [UInt8]
    /// Everything written to standard error.
    public var standardError: [UInt8]

    /// Standard output as UTF-8 text.
    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    /// Standard error as UTF-8 text.
    public var errorText: String { String(decoding: standardError, as: UTF8.self) }
}

/// Runs external programs (gpg, python3), capturing their output through temporary files.
public enum Tool {
    /// The full path of `name` in `/usr/bin`, `/bin` or `/usr/local/bin`, or `nil`.
    public static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        return ["/usr/bin/", "/bin/", "/usr/local/bin/"].map { $0 + name }.first { access($0, X_OK) == 0 }
    }

    /// Whether `name` is installed.
    public static func exists(_ name: String) -> Bool { find(name) != nil }

    /// Runs `executable` with `arguments`; with `check`, a non-zero exit status throws.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], check: Bool = false) async throws -> ToolResult
    {
        guard let path = find(executable) else { throw ToolFailure(description: "\(executable) is not installed") }
        let scratch = try ScratchDirectory(prefix: "test-tool")
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
