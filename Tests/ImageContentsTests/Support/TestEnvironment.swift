import Foundation
import TestSupport

/// A temporary directory for one test, removed afterwards.
struct TemporaryDirectory: Sendable {
    let scratch: ScratchDirectory

    /// The directory's absolute path.
    var path: String { scratch.path }

    /// The path of `name` inside the directory.
    func appending(_ name: String) -> String { path + "/" + name }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards, whether or not `body` throws.
func withTemporaryDirectory<Result>(
    prefix: String = "image-contents-tests", _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let directory = TemporaryDirectory(scratch: try ScratchDirectory(prefix: prefix))
    defer { directory.scratch.remove() }
    return try await body(directory)
}

/// Runs the real tools used as oracles (mksquashfs, dpkg-query, python3), found in `PATH`.
enum ProcessRunner {
    /// The absolute path of `tool`, searched in `PATH` plus the sbin directories.
    static func locate(_ tool: String) throws -> String {
        if tool.hasPrefix("/") { return tool }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + tool) {
            return directory + "/" + tool
        }
        throw ToolFailure(description: "required tool '\(tool)' was not found in PATH")
    }

    /// Runs `tool` with `arguments`; with `check`, a non-zero exit status throws.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], check: Bool = true) async throws -> ToolResult {
        try await Tool.run(try locate(tool), arguments, check: check)
    }
}

/// Builds squashfs images with mksquashfs.
enum ImageBuilder {
    /// Builds an image with mksquashfs from `source` with `options`.
    static func mksquashfs(_ source: String, _ output: String, _ options: [String] = []) async throws {
        try await ProcessRunner.run("mksquashfs", [source, output, "-noappend", "-quiet", "-no-progress"] + options)
    }
}
