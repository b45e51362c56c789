import Foundation
import ImageContents
import SquashFS
import Testing

/// Issue 17's bounded work for manifests (defect 1): dpkg database files are streamed a chunk at a time, lines are
/// split without holding the file, and every budget of ``PackageManifest/Options`` is enforced with a typed error.
@Suite("Manifest bounds")
struct ManifestBoundsTests {
    private func error(_ operation: () throws(ImageContentsError) -> Void) -> ImageContentsError? {
        do {
            try operation()
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Defect 1: streamed manifests

    /// The line splitting the parsers used before: every line of `bytes`, as `split` gives them.
    private func referenceLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    }

    @Test("a status file parsed in chunks of any size gives the same manifest as in one piece")
    func chunkedParsing() async throws {
        let status = Array(try Data(contentsOf: URL(fileURLWithPath: "/var/lib/dpkg/status")))
        let text = status + Array("Package: tail\nVersion: 1\r\nStatus: install ok installed".utf8)
        try await withTemporaryDirectory { directory in
            let root = directory.appending("root")
            try FileManager.default.createDirectory(
                atPath: root + "/var/lib/dpkg/updates", withIntermediateDirectories: true)
            try Data(text).write(to: URL(fileURLWithPath: root + "/var/lib/dpkg/status"))
            let image = directory.appending("root.sqfs")
            // 4 KiB blocks: the status file spans many chunks and blocks, and lines straddle them.
            try await ImageBuilder.mksquashfs(root, image, ["-b", "4K"])
            let manifest = try PackageManifest(of: SquashFSImage(path: image))
            let names = manifest.entries.map(\.name)
            #expect(names.contains("tail") && names.contains("dpkg"))
            #expect(manifest.entries.count > 10)
        }
        for lineLength in [1, 2, 7, 100, 1 << 20] {
            var lines: [[UInt8]] = []
            var truncations = 0
            var scanner = LineScanner(maximumLineLength: lineLength)
            let collect: (ArraySlice<UInt8>, Int, Bool) -> Void = { line, number, truncated in
                #expect(number == lines.count + 1)
                lines.append(Array(line))
                if truncated { truncations += 1 }
            }
            for chunk in stride(from: 0, to: text.count, by: 3001) {
                scanner.feed(Array(text[chunk..<min(text.count, chunk + 3001)])[...], collect)
            }
            scanner.finish(collect)
            var expected = referenceLines(text).map { Array($0.prefix(lineLength)) }
            if expected.last == [] { expected.removeLast() }
            #expect(lines == expected, "line length \(lineLength)")
            #expect(truncations == referenceLines(text).filter { $0.count > lineLength }.count)
        }
    }

    @Test("manifest limits: file size, total bytes, packages, journal files and long lines of used fields")
    func manifestLimits() async throws {
        let status = """
            Package: dpkg
            Status: install ok installed
            Architecture: amd64
            Version: 1.21.22
            Description: \(String(repeating: "long ", count: 100))

            Package: a
            Status: install ok installed
            Architecture: all
            Version: 1

            Package: b
            Status: install ok installed
            Architecture: all
            Version: 2

            """
        try await withTemporaryDirectory { directory in
            let root = directory.appending("root")
            try FileManager.default.createDirectory(
                atPath: root + "/var/lib/dpkg/updates", withIntermediateDirectories: true)
            try Data(status.utf8).write(to: URL(fileURLWithPath: root + "/var/lib/dpkg/status"))
            for name in ["0001", "2"] {
                try Data("Package: c\nStatus: install ok installed\nVersion: \(name)\n".utf8)
                    .write(to: URL(fileURLWithPath: root + "/var/lib/dpkg/updates/" + name))
            }
            let path = directory.appending("root.sqfs")
            try await ImageBuilder.mksquashfs(root, path)
            let image = try SquashFSImage(path: path)
            #expect(try PackageManifest(of: image).text == "a\t1\nb\t2\nc\t2\ndpkg\t1.21.22\n")
            // A Description longer than the line limit is skipped; a Package line that long is refused.
            var options = PackageManifest.Options()
            options.maximumLineLength = 64
            #expect(try PackageManifest(of: image, options: options).entries.count == 4)
            let cases: [(String, (inout PackageManifest.Options) -> Void)] = [
                ("maximumFileSize", { $0.maximumFileSize = 100 }),
                ("maximumTotalBytes", { $0.maximumTotalBytes = UInt64(status.utf8.count) + 50 }),
                ("maximumPackages", { $0.maximumPackages = 3 }),
                ("maximumUpdateFiles", { $0.maximumUpdateFiles = 1 }),
            ]
            for (name, change) in cases {
                var options = PackageManifest.Options()
                change(&options)
                let failure = error { () throws(ImageContentsError) in
                    _ = try PackageManifest(of: image, options: options)
                }
                #expect(failure?.code == .limitExceeded, "\(name): \(failure.map { "\($0)" } ?? "no error")")
                #expect(failure?.message.contains(name) == true, "\(name): \(failure.map { "\($0)" } ?? "")")
            }
        }
    }
}
