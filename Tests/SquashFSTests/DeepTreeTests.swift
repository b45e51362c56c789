import Foundation
import Glibc
import Testing

@testable import SquashFS

/// Issue 17, defect 2, the reading side: entry names longer than 256 bytes are corrupt (as the kernel, unsquashfs and
/// rdsquashfs have it), and the tree walker keeps one path, not one per level, so a legal tree of any depth is walked
/// in bounded memory.
@Suite("Long names and deep trees")
struct DeepTreeTests {
    private static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try ScratchImageFile(path: path)
        try file.write(bytes)
    }

    private static func failure(_ operation: () throws -> Void) -> SquashFSError? {
        do {
            try operation()
            return nil
        } catch let error as SquashFSError {
            return error
        } catch {
            Issue.record("\(error) is not a SquashFSError")
            return nil
        }
    }

    /// An image whose root holds one empty file called `name`, beside a file `a` so the long name is not first.
    private static func imageWithName(_ name: String) -> [UInt8] {
        var image = HandBuiltImage()
        image.files = [
            HandBuiltImage.File(name: "a", size: 0, blockSizes: []),
            HandBuiltImage.File(name: name, size: 0, blockSizes: []),
        ]
        return image.bytes()
    }

    @Test("a 256-byte name is read, as unsquashfs reads it")
    func longestName() async throws {
        try await withTemporaryDirectory { directory in
            let name = String(repeating: "n", count: 256)
            let path = directory.appending("name-256.sqfs")
            try Self.write(Self.imageWithName(name), to: path)
            let image = try SquashFSImage(path: path)
            #expect(try image.contentsOfDirectory(at: "/").map(\.name) == [Array("a".utf8), Array(name.utf8)])
            #expect(try image.inode(at: ImagePath("/" + name)).kind == .regularFile)
            var walker = try image.walk()
            var paths: [ImagePath] = []
            while let entry = try walker.next() { paths.append(entry.path) }
            #expect(paths == [.root, "/a", ImagePath("/" + name)])
            let listing = try await ProcessRunner.run("unsquashfs", ["-no-progress", "-l", path], check: false)
            #expect(listing.status == 0, "\(listing.errorText)")
            #expect(listing.outputText.contains(name))
        }
    }

    @Test("a 257-byte name is corrupt, naming the image, the directory inode and the offset; unsquashfs agrees")
    func nameTooLong() async throws {
        try await withTemporaryDirectory { directory in
            let name = String(repeating: "n", count: 257)
            let path = directory.appending("name-257.sqfs")
            try Self.write(Self.imageWithName(name), to: path)
            let image = try SquashFSImage(path: path)
            let operations: [(String, () throws -> Void)] = [
                ("list", { _ = try image.contentsOfDirectory(at: "/") }),
                ("look up", { _ = try image.inode(at: ImagePath("/" + name)) }),
                (
                    "walk",
                    {
                        var walker = try image.walk()
                        while try walker.next() != nil {}
                    }
                ),
            ]
            for (label, operation) in operations {
                let error = Self.failure(operation)
                #expect(error?.code == .corrupt, "\(label): \(String(describing: error))")
                let message = error?.message ?? ""
                #expect(message.contains(path), "\(label): \(message)")
                #expect(message.contains("directory inode #3"), "\(label): \(message)")
                #expect(message.contains("257 bytes (at most 256)"), "\(label): \(message)")
                // The second entry of the only run: 12 bytes of header, 8 + 1 bytes for "a".
                #expect(message.contains("listing byte 21"), "\(label): \(message)")
            }
            let listing = try await ProcessRunner.run("unsquashfs", ["-no-progress", "-l", path], check: false)
            #expect(listing.status != 0, "unsquashfs listed it: \(listing.outputText)")
        }
    }

    @Test("a chain of 300 directories with 256-byte names is walked to the bottom")
    func deepLongNames() async throws {
        try await withTemporaryDirectory { directory in
            let tree = DeepTreeImage(depth: 300, name: DeepTreeImage.paddedNames(length: 256))
            let path = directory.appending("deep.sqfs")
            try Self.write(tree.bytes(), to: path)
            let image = try SquashFSImage(path: path)
            var walker = try image.walk()
            var count = 0
            var deepest: WalkEntry?
            while let entry = try walker.next() {
                #expect(entry.depth == count)
                #expect(entry.path.lastComponent == (count == 0 ? [UInt8(ascii: "/")] : tree.name(count)))
                #expect(entry.name == entry.path.lastComponent)
                count += 1
                deepest = entry
            }
            #expect(count == 301)
            #expect(deepest?.path.bytes.count == tree.deepestPathLength)
            #expect(deepest?.path.components.count == 300)
            // A walk from inside the tree gives paths from the root.
            let start = ImagePath(bytes: [UInt8(ascii: "/")] + tree.name(1) + [UInt8(ascii: "/")] + tree.name(2))
            var inner = try image.walk(from: start)
            #expect(try inner.next()?.path == start)
            #expect(try inner.next()?.path == start.appending(tree.name(3)))
        }
    }

    @Test("walk entries compare and hash by path, inode and depth, however their path is held")
    func walkEntryIdentity() async throws {
        try await withTemporaryDirectory { directory in
            let tree = DeepTreeImage(depth: 3, name: DeepTreeImage.paddedNames(length: 10))
            let path = directory.appending("deep.sqfs")
            try Self.write(tree.bytes(), to: path)
            let image = try SquashFSImage(path: path)
            var walker = try image.walk()
            _ = try walker.next()
            let child = try #require(try walker.next())
            // The same entry reached as the starting point of a walk holds its path whole.
            var inner = try image.walk(from: child.path, recursive: false)
            var start = try #require(try inner.next())
            start.depth = child.depth
            #expect(start == child)
            #expect(Set([start, child]).count == 1)
            #expect(start.name == child.name)
            var renamed = child
            renamed.path = "/elsewhere"
            #expect(renamed.path == "/elsewhere")
            #expect(renamed.name == Array("elsewhere".utf8))
            #expect(renamed != child)
        }
    }

    @Test("ImagePath.lastComponent finds the last name from the end")
    func lastComponent() {
        #expect(ImagePath("/").lastComponent == Array("/".utf8))
        #expect(ImagePath("//").lastComponent == Array("/".utf8))
        #expect(ImagePath("").lastComponent == Array("/".utf8))
        #expect(ImagePath("a").lastComponent == Array("a".utf8))
        #expect(ImagePath("/usr/lib").lastComponent == Array("lib".utf8))
        #expect(ImagePath("/usr/lib/").lastComponent == Array("lib".utf8))
        #expect(ImagePath("usr//lib//").lastComponent == Array("lib".utf8))
    }

    /// The peak resident set allowed to `ls -r` on 2000 levels of 200-byte names, in bytes. The walker keeps one
    /// 400 KB path and 2000 small frames; keeping a path per level, as before, took 2000 paths of 200 KB on average
    /// (about 400 MB).
    static let deepWalkPeakLimit = 150 << 20

    @Test("maas-images squashfs ls -r on 2000 levels of 200-byte names stays in bounded memory")
    func deepWalkMemory() async throws {
        try await withTemporaryDirectory { directory in
            let tree = DeepTreeImage(depth: 2000, name: DeepTreeImage.paddedNames(length: 200))
            let path = directory.appending("deep.sqfs")
            try Self.write(tree.bytes(), to: path)
            let report = directory.appending("time")
            let status = try await Self.runDiscardingOutput(
                "/usr/bin/time", ["-o", report, "-f", "%M", try Self.maasImages(), "squashfs", "ls", "-r", path])
            #expect(status == 0)
            let text = try String(contentsOfFile: report, encoding: .utf8)
            let kibibytes = try #require(Int(text.split(separator: "\n").last ?? ""), "\(text)")
            #expect(kibibytes * 1024 < Self.deepWalkPeakLimit, "peak RSS \(kibibytes) KiB")
        }
    }

    /// Runs `tool` with standard output and error sent to `/dev/null` (a deep listing prints hundreds of MB).
    private static func runDiscardingOutput(_ tool: String, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    /// The `maas-images` executable built beside the test bundle.
    private static func maasImages() throws -> String {
        var candidates: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(
                URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("maas-images").path)
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("maas-images").path)
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        candidates.append(directory.appendingPathComponent(".build/debug/maas-images").path)
        return try #require(candidates.first { access($0, X_OK) == 0 }, "maas-images not found in \(candidates)")
    }
}
