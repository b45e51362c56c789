import Foundation
import Glibc

/// What a finished process produced.
struct CommandResult: Sendable {
    var status: Int32
    /// Whether the process ended by a signal (a crash) rather than by exiting.
    var crashed: Bool
    var standardOutput: [UInt8]
    var standardError: [UInt8]

    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    var errorText: String { String(decoding: standardError, as: UTF8.self) }
}

/// A tool that is missing or failed.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs tools and the built `maas-images` binary, capturing output through temporary files.
enum CommandRunner {
    /// The `maas-images` executable built next to this test bundle (`.build/<triple>/debug/maas-images`).
    static func maasImages() throws -> String {
        var candidates: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(
                URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("maas-images").path)
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("maas-images").path)
        // Fall back to the package's build directory, found from this source file.
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { directory.deleteLastPathComponent() }
        candidates.append(directory.appendingPathComponent(".build/debug/maas-images").path)
        guard let found = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw CommandFailure(description: "the maas-images binary was not found; tried \(candidates)")
        }
        return found
    }

    /// The absolute path of `tool` in `PATH`.
    static func locate(_ tool: String) throws -> String {
        if tool.hasPrefix("/") { return tool }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for directory in directories where access(directory + "/" + tool, X_OK) == 0 {
            return directory + "/" + tool
        }
        throw CommandFailure(description: "required tool '\(tool)' was not found in PATH")
    }

    /// Runs `executable` (a path or a tool name) and returns its status and output; `check` throws on failure.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], check: Bool = false
    ) async throws -> CommandResult {
        let path = try locate(executable)
        let directory = try TemporaryDirectory(prefix: "maas-images-cli-output")
        defer { directory.remove() }
        let outputPath = directory.appending("stdout")
        let errorPath = directory.appending("stderr")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        guard let output = FileHandle(forWritingAtPath: outputPath), let error = FileHandle(forWritingAtPath: errorPath)
        else { throw CommandFailure(description: "cannot create capture files in \(directory.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        let (status, reason): (Int32, Process.TerminationReason) = try await withCheckedThrowingContinuation {
            continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: (finished.terminationStatus, finished.terminationReason))
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
        let result = CommandResult(
            status: status, crashed: reason == .uncaughtSignal,
            standardOutput: Array(FileManager.default.contents(atPath: outputPath) ?? Data()),
            standardError: Array(FileManager.default.contents(atPath: errorPath) ?? Data()))
        if check && (status != 0 || result.crashed) {
            throw CommandFailure(description: "\(executable) \(arguments) exited with \(status): \(result.errorText)")
        }
        return result
    }
}
