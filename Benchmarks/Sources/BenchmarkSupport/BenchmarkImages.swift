import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The compressions the benchmark images are built with.
public enum ImageCompression: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `mksquashfs -comp xz`, what MAAS publishes.
    case xz
    /// `mksquashfs -comp gzip`, the squashfs default.
    case gzip

    public var description: String { rawValue }
}

/// Builds the benchmark inputs once and finds them again on later runs.
///
/// The data directory (`$BENCHMARK_DATA_DIR`, or `/tmp/swift-maas-images-bench`) holds:
///
/// - `rootfs/`: a Debian bookworm tree from `debootstrap --variant=minbase` (about 35 s and 200 MB), or, when
///   debootstrap fails (no network, not root), a copy of `/usr/bin`, `/usr/sbin` and `/usr/share/doc`;
///   `rootfs.source` says which;
/// - `img-xz.sqfs` and `img-gzip.sqfs`: `mksquashfs rootfs IMG -comp xz|gzip -xattrs -noappend -quiet` with the
///   default 128 KiB blocks, the MAAS recipe;
/// - `build.log`: the output of those commands.
///
/// Each piece is built under a `.partial` name and renamed when complete, and only if it is missing, under an
/// exclusive lock on `.lock`, so concurrent or interrupted runs never see half an input. Delete the directory to
/// rebuild.
public enum BenchmarkImages {
    /// Where the inputs live.
    public static var directory: String {
        let configured = ProcessInfo.processInfo.environment["BENCHMARK_DATA_DIR"] ?? ""
        return configured.isEmpty ? "/tmp/swift-maas-images-bench" : configured
    }

    /// The path of the image with `compression`, building the tree and the image first if they are missing.
    ///
    /// - Throws: ``BenchmarkSetupError`` when a build step fails.
    public static func path(for compression: ImageCompression) throws -> String {
        let directory = Self.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try withExclusiveLock(at: directory + "/.lock") {
            let image = "\(directory)/img-\(compression).sqfs"
            if FileManager.default.fileExists(atPath: image) { return image }
            let tree = try rootFilesystem(in: directory)
            let partial = image + ".partial"
            try? FileManager.default.removeItem(atPath: partial)
            progress("building \(image) (mksquashfs -comp \(compression))")
            try run(
                "mksquashfs",
                [tree, partial, "-comp", compression.rawValue, "-xattrs", "-noappend", "-quiet"],
                log: directory + "/build.log")
            try FileManager.default.moveItem(atPath: partial, toPath: image)
            return image
        }
    }

    /// The root-filesystem tree in `directory`, built if missing.
    private static func rootFilesystem(in directory: String) throws -> String {
        let tree = directory + "/rootfs"
        if FileManager.default.fileExists(atPath: tree) { return tree }
        let partial = tree + ".partial"
        let log = directory + "/build.log"
        try removeTree(partial)
        var source = "debootstrap --variant=minbase bookworm"
        progress("building \(tree) with \(source) (about 35 s)")
        do {
            try run(
                "debootstrap", ["--variant=minbase", "bookworm", partial, "http://deb.debian.org/debian"], log: log)
        } catch {
            progress("\(error); falling back to a copy of /usr/bin, /usr/sbin and /usr/share/doc")
            try removeTree(partial)
            source = "copy of /usr/bin, /usr/sbin, /usr/share/doc"
            try FileManager.default.createDirectory(atPath: partial + "/usr/share", withIntermediateDirectories: true)
            try run("cp", ["-a", "/usr/bin", "/usr/sbin", partial + "/usr/"], log: log)
            try run("cp", ["-a", "/usr/share/doc", partial + "/usr/share/"], log: log)
        }
        try Data((source + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/rootfs.source"))
        try FileManager.default.moveItem(atPath: partial, toPath: tree)
        return tree
    }

    /// Removes a possibly half-built tree, first unmounting anything a failed debootstrap left mounted inside it.
    private static func removeTree(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let mountPoints = mounts.split(separator: "\n")
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
            .filter { $0.hasPrefix(path + "/") }
            .sorted { $0.count > $1.count }
        for mountPoint in mountPoints {
            try? run("umount", ["-l", mountPoint], log: nil)
        }
        try run("rm", ["-rf", "--one-file-system", path], log: nil)
    }

    /// Runs `tool` (looked up on `PATH`, with the sbin directories added) and waits for it.
    ///
    /// - Parameter log: the file that receives the tool's output (appended), or `nil` for standard error; never
    ///   standard output, which the benchmark runner may use for machine-readable results.
    private static func run(_ tool: String, _ arguments: [String], log: String?) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/usr/local/sbin:/usr/sbin:/sbin"
        process.environment = environment
        let output: FileHandle
        if let log {
            if !FileManager.default.fileExists(atPath: log) {
                _ = FileManager.default.createFile(atPath: log, contents: nil)
            }
            guard let handle = FileHandle(forWritingAtPath: log) else {
                throw BenchmarkSetupError("cannot open \(log)")
            }
            handle.seekToEndOfFile()
            handle.write(Data("$ \(tool) \(arguments.joined(separator: " "))\n".utf8))
            output = handle
        } else {
            output = FileHandle.standardError
        }
        defer { if log != nil { try? output.close() } }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw BenchmarkSetupError(
                "\(tool) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)"
                    + (log.map { "; see \($0)" } ?? ""))
        }
    }

    /// Runs `body` while holding an exclusive `flock` on `path`.
    private static func withExclusiveLock<Result>(at path: String, _ body: () throws -> Result) throws -> Result {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BenchmarkSetupError("cannot open \(path): errno \(errno)") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw BenchmarkSetupError("cannot lock \(path): errno \(errno)") }
        }
        return try body()
    }

    /// Reports a slow setup step on standard error.
    private static func progress(_ message: String) {
        FileHandle.standardError.write(Data("[benchmark setup] \(message)\n".utf8))
    }
}

/// A failure while preparing benchmark inputs.
public struct BenchmarkSetupError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates an error with a message.
    public init(_ description: String) { self.description = description }
}
