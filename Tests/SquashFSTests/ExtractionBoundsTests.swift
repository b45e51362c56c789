import Foundation
import Glibc
import Testing

@testable import SquashFS

/// Issue 17, the extraction side: memory follows the work in flight, not the image (defect 4: block lists read a run
/// at a time; defect 2: plan entries keep a parent and a name, not a path), legal trees deeper than `PATH_MAX`
/// extract, and safe mode leaves out device nodes, set-id bits and privileged extended attributes.
///
/// Memory is measured as the peak resident set of the `maas-images` command under `/usr/bin/time` (a count of pages,
/// which the machine's load does not change); time is never asserted. `MAAS_IMAGES_BINARY` runs another build of the
/// command (an older one, to see the bound fail).
@Suite("Extraction: bounded memory, deep trees, safe mode")
struct ExtractionBoundsTests {
    /// The peak resident set allowed, in bytes. The command needs about 30 MB plus at most 32 MiB of metadata cache;
    /// before, the sparse image's block lists took more than 200 MB and the deep tree's paths more than 2 GB.
    static let peakLimit = 128 << 20
    /// The peak allowed for the deep tree: up to 64 open directories of the destination each keep their path (half
    /// a megabyte here) in the system layer, about 100 MB in all; the plan's paths alone took 1.5 GB before.
    static let deepPeakLimit = 256 << 20

    /// The `maas-images` command built with the tests (in the same build directory as the test bundle).
    static func maasImages() throws -> String {
        if let override = ProcessInfo.processInfo.environment["MAAS_IMAGES_BINARY"] { return override }
        var candidates: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(
                URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("maas-images").path)
        }
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        candidates.append(directory.appendingPathComponent(".build/debug/maas-images").path)
        return try #require(candidates.first { access($0, X_OK) == 0 }, "maas-images not built; tried \(candidates)")
    }

    /// Runs `maas-images squashfs extract --quiet IMAGE DESTINATION` under `/usr/bin/time`; returns the result and
    /// the peak resident set in bytes.
    static func extract(_ image: String, to destination: String, in directory: TemporaryDirectory) async throws
        -> (ProcessResult, Int)
    {
        try #require(access("/usr/bin/time", X_OK) == 0, "/usr/bin/time is needed to measure memory")
        let report = directory.appending("time")
        let result = try await ProcessRunner.run(
            "/usr/bin/time",
            ["-o", report, "-f", "%M", try maasImages(), "squashfs", "extract", "--quiet", image, destination],
            check: false)
        let text = try String(contentsOfFile: report, encoding: .utf8)
        let kibibytes = try #require(Int(text.split(separator: "\n").last ?? ""), "\(text)")
        return (result, kibibytes * 1024)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try POSIX.writeFile(Array(path.utf8), size: bytes.count, extents: [(0, bytes)])
    }

    /// Opens each of `names` in turn below `root` with `openat(O_NOFOLLOW | O_DIRECTORY)`, as no path could reach
    /// the deepest one; returns the deepest directory's entry names.
    static func walkDown(from root: String, through names: [[UInt8]]) throws -> [[UInt8]] {
        var descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try #require(descriptor >= 0, "open \(root): errno \(errno)")
        for (level, name) in names.enumerated() {
            let next = (name + [0]).map { CChar(bitPattern: $0) }.withUnsafeBufferPointer { cName in
                cName.baseAddress.map { openat(descriptor, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) } ?? -1
            }
            close(descriptor)
            try #require(next >= 0, "level \(level + 1) is missing or not a directory: errno \(errno)")
            descriptor = next
        }
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            throw POSIXFailure(description: "fdopendir: errno \(errno)")
        }
        defer { closedir(stream) }
        var entries: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != Array(".".utf8) && name != Array("..".utf8) { entries.append(name) }
        }
        return entries
    }

    struct POSIXFailure: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: - Defect 4: block lists

    @Test("16 sparse 4 GiB files with 4 KiB blocks (64 MiB of block lists) extract in bounded memory, as holes")
    func sparseFilesBoundedMemory() async throws {
        try await withTemporaryDirectory { directory in
            var handBuilt = HandBuiltImage()
            handBuilt.blockLog = 12
            let size: UInt64 = 4 << 30
            handBuilt.files = (0..<16).map { HandBuiltImage.sparseFile("sparse-\($0)", size: size, blockLog: 12) }
            let path = directory.appending("sparse.sqfs")
            try Self.write(handBuilt.bytes(), to: path)
            let destination = directory.appending("dest")
            let (result, peak) = try await Self.extract(path, to: destination, in: directory)
            #expect(result.status == 0, "\(result.errorText)")
            #expect(peak < Self.peakLimit, "peak RSS \(peak) bytes")
            for index in [0, 15] {
                let info = try POSIX.lstat(Array((destination + "/sparse-\(index)").utf8))
                #expect(UInt64(info.st_size) == size)
                #expect(Int(info.st_blocks) * 512 < 1 << 20, "\(Int(info.st_blocks) * 512) bytes allocated")
            }
        }
    }

    // MARK: - Defect 2: deep trees

    @Test("a tree of 100 levels of 100-byte names (10 KB paths, beyond PATH_MAX) extracts")
    func deepTreeBeyondPathMax() async throws {
        try await withTemporaryDirectory { directory in
            let tree = DeepTreeImage(depth: 100, name: DeepTreeImage.paddedNames(length: 100))
            let path = directory.appending("deep.sqfs")
            try Self.write(tree.bytes(), to: path)
            let image = try SquashFSImage(path: path)
            let destination = directory.appending("dest")
            let summary = try await image.extract(to: destination)
            #expect(summary.directories == 101)
            #expect(summary.skipped.isEmpty)
            let names = (1...100).map { tree.name($0) }
            #expect(try Self.walkDown(from: destination, through: names).isEmpty)
        }
    }

    /// 2000 levels, not the 4000: the destination's open directories each keep their full path for
    /// messages (in the system layer), so each level costs time in proportion to its path; 4000 levels take about
    /// 40 s in a debug build (190 MB peak, against 6.8 GB before), 2000 levels a quarter of it.
    @Test("a tree of 2000 levels of 255-byte names (512 KB paths) extracts in bounded memory")
    func deepTreeBoundedMemory() async throws {
        try await withTemporaryDirectory { directory in
            let tree = DeepTreeImage(depth: 2000, name: DeepTreeImage.paddedNames(length: 255))
            let path = directory.appending("deeper.sqfs")
            try Self.write(tree.bytes(), to: path)
            let destination = directory.appending("dest")
            let (result, peak) = try await Self.extract(path, to: destination, in: directory)
            #expect(result.status == 0, "\(result.errorText.prefix(500))")
            #expect(peak < Self.deepPeakLimit, "peak RSS \(peak) bytes")
            let names = (1...2000).map { tree.name($0) }
            #expect(try Self.walkDown(from: destination, through: names).isEmpty)
        }
    }

    // MARK: - Safe mode

    /// An image with a character device, set-user-id and set-group-id files, and a file with `trusted.`,
    /// `security.` and `user.` attributes (made as root).
    static func privilegedImage(in directory: TemporaryDirectory) async throws -> String {
        let source = directory.appending("source")
        try POSIX.makeDirectory(Array(source.utf8))
        for name in ["setuid", "setgid", "attributes"] {
            try POSIX.writeFile(Array((source + "/" + name).utf8), size: 3, extents: [(0, Array("hi\n".utf8))])
        }
        try POSIX.changeMode(Array((source + "/setuid").utf8), 0o4755)
        try POSIX.changeMode(Array((source + "/setgid").utf8), 0o2755)
        let attributes = Array((source + "/attributes").utf8)
        try POSIX.setXattr(attributes, Array("trusted.x".utf8), Array("1".utf8))
        try POSIX.setXattr(attributes, Array("user.keep".utf8), Array("2".utf8))
        _ = try await ProcessRunner.run("setcap", ["cap_net_raw+ep", source + "/attributes"], check: true)
        let image = directory.appending("privileged.sqfs")
        _ = try await ProcessRunner.run(
            "mksquashfs",
            [source, image, "-noappend", "-quiet", "-no-progress", "-p", "dev c 644 0 0 1 3"], check: true)
        return image
    }

    @Test("safe mode: no device node, no set-id bits, no trusted. or security. attributes, each reported")
    func safeMode() async throws {
        try #require(geteuid() == 0, "needs root to make set-id files, device nodes and privileged attributes")
        try await withTemporaryDirectory { directory in
            let image = try SquashFSImage(path: try await Self.privilegedImage(in: directory))
            var options = ExtractionOptions()
            options.safe = true
            let safe = directory.appending("safe")
            let summary = try await image.extract(to: safe, options: options)
            #expect(throws: (any Error).self) { try POSIX.lstat(Array((safe + "/dev").utf8)) }
            #expect(try POSIX.lstat(Array((safe + "/setuid").utf8)).st_mode & 0o7777 == 0o755)
            #expect(try POSIX.lstat(Array((safe + "/setgid").utf8)).st_mode & 0o7777 == 0o755)
            let names = try POSIX.listXattrs(Array((safe + "/attributes").utf8)).map {
                String(decoding: $0, as: UTF8.self)
            }
            #expect(names == ["user.keep"])
            let reported = Set(summary.skipped.map { "\($0.path) \($0.created) \($0.reason)" })
            #expect(
                reported == [
                    "/dev false device nodes are not created in safe mode",
                    "/setuid true set-user-id and set-group-id bits cleared in safe mode",
                    "/setgid true set-user-id and set-group-id bits cleared in safe mode",
                    "/attributes true extended attribute security.capability not restored in safe mode",
                    "/attributes true extended attribute trusted.x not restored in safe mode",
                ], "\(reported)")

            // Without safe mode, as root, everything is restored, as before.
            let full = directory.appending("full")
            let restored = try await image.extract(to: full)
            #expect(restored.skipped.isEmpty)
            #expect(try POSIX.lstat(Array((full + "/dev").utf8)).st_mode & S_IFMT == S_IFCHR)
            #expect(try POSIX.lstat(Array((full + "/setuid").utf8)).st_mode & 0o7777 == 0o4755)
            #expect(try POSIX.lstat(Array((full + "/setgid").utf8)).st_mode & 0o7777 == 0o2755)
            let all = try POSIX.listXattrs(Array((full + "/attributes").utf8)).map {
                String(decoding: $0, as: UTF8.self)
            }
            #expect(Set(all) == ["security.capability", "trusted.x", "user.keep"])
        }
    }

    @Test("maas-images squashfs extract --safe reports what it left out")
    func safeFlag() async throws {
        try #require(geteuid() == 0, "needs root to make set-id files, device nodes and privileged attributes")
        try await withTemporaryDirectory { directory in
            let image = try await Self.privilegedImage(in: directory)
            let destination = directory.appending("safe")
            let result = try await ProcessRunner.run(
                try Self.maasImages(), ["squashfs", "extract", "--safe", "--quiet", image, destination], check: false)
            #expect(result.status == 0, "\(result.errorText)")
            #expect(result.errorText.contains("warning: /dev not created: device nodes are not created in safe mode"))
            #expect(result.errorText.contains("warning: /setuid: set-user-id and set-group-id bits cleared"))
            #expect(result.errorText.contains("warning: /attributes: extended attribute trusted.x not restored"))
            #expect(throws: (any Error).self) { try POSIX.lstat(Array((destination + "/dev").utf8)) }
        }
    }
}
