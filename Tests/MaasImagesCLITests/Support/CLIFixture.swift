import Foundation
import Testing

/// A small MAAS-like source tree and its xz image (built once per suite, removed afterwards), plus the same image
/// embedded at an offset in a larger file.
final class CLIFixture: Sendable {
    /// The fixture of the running suite.
    @TaskLocal static var current: CLIFixture?

    /// The prefix of junk before the image in ``embeddedImage``.
    static let embeddedOffset = 8192 + 123

    let directory: TemporaryDirectory
    let source: String
    let image: String
    let embeddedImage: String
    let maasImages: String

    init() async throws {
        directory = try TemporaryDirectory(prefix: "maas-images-cli")
        do {
            maasImages = try CommandRunner.maasImages()
            source = directory.appending("source")
            image = directory.appending("image.sqfs")
            embeddedImage = directory.appending("embedded.bin")
            try Self.makeTree(at: source)
            try await CommandRunner.run(
                "mksquashfs", [source, image, "-noappend", "-quiet", "-no-progress", "-comp", "xz", "-xattrs"],
                check: true)
            var embedded = Data(Self.pseudoRandom(count: Self.embeddedOffset, seed: 9))
            embedded.append(try Data(contentsOf: URL(fileURLWithPath: image)))
            try embedded.write(to: URL(fileURLWithPath: embeddedImage))
        } catch {
            directory.remove()
            throw error
        }
    }

    /// The fixture of the running suite; fails the test if the suite has no ``CLIFixtureTrait``.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIFixture {
        try #require(current, "the suite needs the .cliFixture trait", sourceLocation: sourceLocation)
    }

    /// Runs `maas-images ARGUMENTS`.
    func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(maasImages, arguments)
    }

    /// Deterministic bytes (a 64-bit LCG), so that files are the same on every run.
    static func pseudoRandom(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    private static func makeTree(at root: String) throws {
        let files: [(String, [UInt8])] =
            [
                ("etc/hostname", Array("maas-node\n".utf8)),
                ("usr/lib/os-release", Array("NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\n".utf8)),
                ("usr/bin/tool", pseudoRandom(count: 70_000, seed: 1)),
                ("data/random.bin", pseudoRandom(count: 300_001, seed: 2)),
                ("data/empty", []),
                ("data/with space.txt", Array("spaces\n".utf8)),
            ] + (0..<30).map { ("many/file-\($0)", Array("file \($0)\n".utf8)) }
        let manager = FileManager.default
        for (path, bytes) in files {
            let url = URL(fileURLWithPath: root + "/" + path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        try manager.createSymbolicLink(atPath: root + "/etc/os-release", withDestinationPath: "../usr/lib/os-release")
        try manager.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: "does/not/exist")
        // Nodes and attributes Foundation cannot make: a device, a fifo, a sparse file, owners, modes, times.
        let script = """
            set -e
            cd "$1"
            mkdir dev
            mknod dev/null c 1 3
            chmod 666 dev/null
            mkfifo dev/fifo
            truncate -s 2M data/sparse.bin
            printf 'middle' | dd of=data/sparse.bin bs=1 seek=1048576 conv=notrunc status=none
            chown 1000:1000 usr/bin/tool
            chmod 4755 usr/bin/tool
            chmod 1777 many
            setfattr -n user.comment -v hello etc/hostname
            touch -h -d @1234567890 etc/os-release dangling
            touch -d @1600000000 etc/hostname data/random.bin data/empty usr/bin/tool
            """
        let result = try runSynchronously("/bin/sh", ["-c", script, "sh", root])
        guard result == 0 else { throw CommandFailure(description: "building the CLI test tree failed (\(result))") }
    }

    /// Runs a short setup command and waits for it.
    private static func runSynchronously(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A suite trait that builds the ``CLIFixture`` before the suite and removes it after.
struct CLIFixtureTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try await CLIFixture()
        defer { fixture.directory.remove() }
        try await CLIFixture.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == CLIFixtureTrait {
    /// Gives the suite a ``CLIFixture``.
    static var cliFixture: Self { CLIFixtureTrait() }
}
