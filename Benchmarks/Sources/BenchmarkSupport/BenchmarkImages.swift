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

/// The root-filesystem trees the benchmark images are made from.
public enum ImageTree: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `debootstrap --variant=minbase bookworm`: about 200 MB, 6,700 inodes.
    case minbase
    /// `debootstrap --variant=minbase --include=<server packages> bookworm` (``serverPackages``: systemd, openssh,
    /// python3, perl, vim, cloud-init, netplan, a kernel with its module tree, ...): about 900 MB, 25,000 inodes,
    /// with a file capability (`security.capability` on `/usr/bin/ping`) so that the image carries xattrs.
    case server

    public var description: String { rawValue }

    /// The packages `debootstrap --include` adds to the minbase set for ``server``.
    public static let serverPackages = [
        "systemd-sysv", "udev", "openssh-server", "python3", "python3-yaml", "perl", "vim", "curl", "wget",
        "iproute2", "iputils-ping", "netplan.io", "cloud-init", "python3-cffi-backend", "linux-image-amd64", "sudo",
        "less",
        "ca-certificates", "gnupg", "rsyslog", "lvm2", "cron", "isc-dhcp-client", "openssl", "libcap2-bin", "chrony",
        "tcpdump",
    ]

    /// The trees named in `$BENCHMARK_TREES` (space or comma separated, e.g. `minbase server`); `minbase` when unset.
    public static var selected: [ImageTree] {
        let configured = ProcessInfo.processInfo.environment["BENCHMARK_TREES"] ?? ""
        let names = configured.split(whereSeparator: { $0 == " " || $0 == "," })
        let trees = allCases.filter { tree in names.contains { $0 == tree.rawValue } }
        return trees.isEmpty ? [.minbase] : trees
    }

    /// The tree's directory name in the data directory.
    var directoryName: String { self == .minbase ? "rootfs" : "rootfs-\(rawValue)" }

    /// The file name of the tree's image with `compression`: `img-xz.sqfs` for minbase (the name earlier runs used),
    /// `server-xz.sqfs` for the server tree.
    public func imageName(_ compression: ImageCompression) -> String {
        self == .minbase ? "img-\(compression).sqfs" : "\(rawValue)-\(compression).sqfs"
    }

    /// A short label for benchmark names and tables: `minbase-xz`, `server-gzip`.
    public func label(_ compression: ImageCompression) -> String { "\(rawValue)-\(compression)" }
}

/// Builds the benchmark inputs once and finds them again on later runs.
///
/// The data directory (`$BENCHMARK_DATA_DIR`, or `/tmp/swift-maas-images-bench`) holds:
///
/// - `rootfs/`: a Debian bookworm tree from `debootstrap --variant=minbase` without the apt caches and lists
///   (about 35 s and 115 MB), or, when
///   debootstrap fails (no network, not root), a copy of `/usr/bin`, `/usr/sbin` and `/usr/share/doc`;
///   `rootfs.source` says which;
/// - `img-xz.sqfs` and `img-gzip.sqfs`: `mksquashfs rootfs IMG -comp xz|gzip -xattrs -noappend -quiet` with the
///   default 128 KiB blocks, the MAAS recipe;
/// - only when asked for (``ImageTree/server``): `rootfs-server/` (debootstrap with ``ImageTree/serverPackages``,
///   a few minutes and about 900 MB; no fallback) and `server-xz.sqfs`, `server-gzip.sqfs`, made the same way;
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

    /// The path of the image of `tree` with `compression`, building the tree and the image first if they are missing.
    ///
    /// - Throws: ``BenchmarkSetupError`` when a build step fails.
    public static func path(for compression: ImageCompression, tree: ImageTree = .minbase) throws -> String {
        let directory = Self.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try withExclusiveLock(at: directory + "/.lock") {
            let image = "\(directory)/\(tree.imageName(compression))"
            if FileManager.default.fileExists(atPath: image) { return image }
            let root = try rootFilesystem(tree, in: directory)
            let partial = image + ".partial"
            try? FileManager.default.removeItem(atPath: partial)
            progress("building \(image) (mksquashfs -comp \(compression))")
            try run(
                "mksquashfs",
                [root, partial, "-comp", compression.rawValue, "-xattrs", "-noappend", "-quiet"],
                log: directory + "/build.log")
            try FileManager.default.moveItem(atPath: partial, toPath: image)
            return image
        }
    }

    /// The directory of `tree` in `directory`, built if missing.
    private static func rootFilesystem(_ tree: ImageTree, in directory: String) throws -> String {
        let root = "\(directory)/\(tree.directoryName)"
        if FileManager.default.fileExists(atPath: root) { return root }
        let partial = root + ".partial"
        let log = directory + "/build.log"
        try removeTree(partial)
        var source: String
        switch tree {
        case .minbase:
            source = "debootstrap --variant=minbase bookworm"
            progress("building \(root) with \(source) (about 35 s)")
            do {
                try run(
                    "debootstrap", ["--variant=minbase", "bookworm", partial, "http://deb.debian.org/debian"],
                    log: log)
                try cleanPackageCaches(in: partial)
                source += "; apt caches and lists removed"
            } catch {
                progress("\(error); falling back to a copy of /usr/bin, /usr/sbin and /usr/share/doc")
                try removeTree(partial)
                source = "copy of /usr/bin, /usr/sbin, /usr/share/doc"
                try FileManager.default.createDirectory(
                    atPath: partial + "/usr/share", withIntermediateDirectories: true)
                try run("cp", ["-a", "/usr/bin", "/usr/sbin", partial + "/usr/"], log: log)
                try run("cp", ["-a", "/usr/share/doc", partial + "/usr/share/"], log: log)
            }
        case .server:
            let include = "--include=" + ImageTree.serverPackages.joined(separator: ",")
            source = "debootstrap --variant=minbase \(include) bookworm"
            progress("building \(root) with \(source) (a few minutes)")
            try run(
                "debootstrap", ["--variant=minbase", include, "bookworm", partial, "http://deb.debian.org/debian"],
                log: log)
            try cleanPackageCaches(in: partial)
            // A file capability, so that the image has a security.capability xattr as MAAS images do.
            try run("setcap", ["cap_net_raw+ep", partial + "/usr/bin/ping"], log: log)
            source += "; apt caches and lists removed; setcap cap_net_raw+ep /usr/bin/ping"
        }
        try Data((source + "\n").utf8).write(to: URL(fileURLWithPath: "\(root).source"))
        try FileManager.default.moveItem(atPath: partial, toPath: root)
        return root
    }

    /// Removes the downloaded packages and package lists debootstrap leaves behind (about 80 MB of already
    /// compressed data), as the MAAS image build does (`apt-get clean`, lists removed).
    private static func cleanPackageCaches(in tree: String) throws {
        try run(
            "find", [tree + "/var/cache/apt", tree + "/var/lib/apt/lists", "-type", "f", "-delete"], log: nil)
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
