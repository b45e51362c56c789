import Foundation
import Glibc

/// What a finished process produced.
struct ProcessResult: Sendable {
    var status: Int32
    var standardOutput: [UInt8]
    var standardError: [UInt8]

    /// Standard output decoded as UTF-8 (lossy; for messages and ASCII tool output only).
    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    /// Standard error decoded as UTF-8 (lossy).
    var errorText: String { String(decoding: standardError, as: UTF8.self) }
}

/// A tool that could not be run, or that failed.
enum ToolError: Error, CustomStringConvertible {
    case missing(tool: String)
    case failed(command: String, status: Int32, standardError: String)

    var description: String {
        switch self {
        case .missing(let tool):
            "required tool '\(tool)' was not found in PATH (install squashfs-tools, squashfs-tools-ng, tar, coreutils)"
        case .failed(let command, let status, let standardError):
            "'\(command)' exited with status \(status): \(standardError)"
        }
    }
}

/// Runs external tools with Foundation's `Process`, capturing their output through temporary files (no pipe
/// buffers to fill up), without blocking a cooperative thread while they run.
enum ProcessRunner {
    /// The absolute path of `tool`, searched in `PATH` plus the sbin directories.
    static func locate(_ tool: String) throws -> String {
        if tool.hasPrefix("/") { return tool }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where access(directory + "/" + tool, X_OK) == 0 {
            return directory + "/" + tool
        }
        throw ToolError.missing(tool: tool)
    }

    /// Runs `tool` with `arguments` and returns its status and output.
    ///
    /// - Parameters:
    ///   - environment: variables added to (or replacing those of) this process's environment.
    ///   - standardInput: a file to connect to standard input (otherwise `/dev/null`).
    ///   - check: throw ``ToolError/failed(command:status:standardError:)`` on a non-zero exit status.
    @discardableResult
    static func run(
        _ tool: String, _ arguments: [String], environment: [String: String] = [:], standardInput: String? = nil,
        check: Bool = true
    ) async throws -> ProcessResult {
        let executable = try locate(tool)
        let outputPath = try makeCaptureFile()
        let errorPath = try makeCaptureFile()
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        guard let output = FileHandle(forWritingAtPath: outputPath),
            let error = FileHandle(forWritingAtPath: errorPath)
        else { throw POSIXFailure(call: "open", path: Array(outputPath.utf8), errno: errno) }
        process.standardOutput = output
        process.standardError = error
        if let standardInput {
            guard let input = FileHandle(forReadingAtPath: standardInput) else {
                throw POSIXFailure(call: "open", path: Array(standardInput.utf8), errno: errno)
            }
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? output.close()
        try? error.close()
        let result = ProcessResult(
            status: status, standardOutput: try POSIX.readFile(Array(outputPath.utf8)),
            standardError: try POSIX.readFile(Array(errorPath.utf8)))
        if check && status != 0 {
            throw ToolError.failed(
                command: ([tool] + arguments).joined(separator: " "), status: status, standardError: result.errorText)
        }
        return result
    }

    /// Creates an empty file for capturing output and returns its path.
    private static func makeCaptureFile() throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/squashfs-tests-output-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else { throw POSIXFailure(call: "mkstemp", path: Array(base.utf8), errno: errno) }
        close(fd)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
