import Foundation
import Glibc
import Testing

/// `maas-images verify checksum`: exit 0 on a match, exit 1 with `error: ...`, expected and actual otherwise. It needs
/// no squashfs image, so the suite runs without the CLI fixture.
@Suite("verify checksum")
struct VerifyChecksumCommandTests {
    /// A scratch file and its digests as coreutils prints them.
    struct Sample {
        let directory: TemporaryDirectory
        let path: String
        let size: Int
        let sha256: String
        let sha512: String
        let md5: String

        init() async throws {
            directory = try TemporaryDirectory(prefix: "maas-images-verify-checksum")
            path = directory.appending("file with space.bin")
            let bytes = CLIFixture.pseudoRandom(count: 1_234_567, seed: 11)
            size = bytes.count
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            sha256 = try await Self.digest("sha256sum", path)
            sha512 = try await Self.digest("sha512sum", path)
            md5 = try await Self.digest("md5sum", path)
        }

        /// The digest `tool` (`sha256sum`, ...) prints for `path`.
        static func digest(_ tool: String, _ path: String) async throws -> String {
            let result = try await CommandRunner.run(tool, [path], check: true)
            return String(result.outputText.prefix { $0 != " " })
        }
    }

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(try CommandRunner.maasImages(), ["verify", "checksum"] + arguments)
    }

    @Test("a matching file exits 0 and says which digest was checked")
    func matches() async throws {
        let sample = try await Sample()
        defer { sample.directory.remove() }
        let result = try await run([sample.path, "--sha256", sample.sha256.uppercased(), "--size", "\(sample.size)"])
        #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
        #expect(result.outputText == "\(sample.path): OK (\(sample.size) bytes, SHA-256 \(sample.sha256))\n")
        #expect(result.standardError.isEmpty)
        for arguments in [
            ["--sha512", sample.sha512], ["--md5", sample.md5], ["--size", "\(sample.size)", "--md5", sample.md5],
            ["--sha256", sample.sha256, "--sha512", sample.sha512, "--md5", sample.md5, "--all"],
        ] {
            let result = try await run([sample.path] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.errorText)")
        }
    }

    @Test("a wrong digest exits 1 with the file, the digest, expected and actual")
    func wrongDigest() async throws {
        let sample = try await Sample()
        defer { sample.directory.remove() }
        let wrong = String(sample.sha256.reversed())
        let result = try await run([sample.path, "--sha256", wrong, "--size", "\(sample.size)"])
        #expect(result.status == 1 && !result.crashed)
        #expect(result.standardOutput.isEmpty)
        #expect(
            result.errorText == "error: \(sample.path): SHA-256 mismatch: expected \(wrong), actual \(sample.sha256)\n")
        // The strongest digest decides; --all checks the others too.
        let strongest = try await run([sample.path, "--sha256", wrong, "--sha512", sample.sha512])
        #expect(strongest.status == 0, "\(strongest.errorText)")
        let all = try await run([sample.path, "--sha256", wrong, "--sha512", sample.sha512, "--all"])
        #expect(all.status == 1 && all.errorText.contains("SHA-256 mismatch"))
    }

    @Test("a wrong size exits 1 with expected and actual")
    func wrongSize() async throws {
        let sample = try await Sample()
        defer { sample.directory.remove() }
        for size in [sample.size - 1, sample.size + 1] {
            let result = try await run([sample.path, "--sha256", sample.sha256, "--size", "\(size)"])
            #expect(result.status == 1)
            #expect(
                result.errorText
                    == "error: \(sample.path): size mismatch: expected \(size) bytes, actual \(sample.size)\n")
        }
    }

    @Test("malformed digests, nothing to check and a missing file exit 1 with error: on standard error")
    func refusals() async throws {
        let sample = try await Sample()
        defer { sample.directory.remove() }
        let cases: [([String], String)] = [
            (
                [sample.path, "--sha256", "xyz"],
                "SHA-256 digest 'xyz' has 3 characters; expected 64 hexadecimal digits"
            ),
            ([sample.path, "--sha256", String(sample.sha256.dropLast()) + "g"], "is not hexadecimal"),
            ([sample.path, "--md5", sample.sha256], "expected 32 hexadecimal digits"),
            ([sample.path, "--size=-5"], "a size cannot be negative"),
            ([sample.path], "nothing verified"),
            (
                [sample.directory.appending("missing"), "--sha256", sample.sha256],
                "cannot open \(sample.directory.appending("missing")) (cannot open"
            ),
            ([sample.directory.appending("missing"), "--sha256", sample.sha256], "No such file or directory"),
            ([sample.directory.path, "--sha256", sample.sha256], "it is a directory"),
        ]
        for (arguments, message) in cases {
            let result = try await run(arguments)
            #expect(result.status == 1 && !result.crashed, "\(arguments)")
            #expect(result.standardOutput.isEmpty)
            #expect(result.errorText.hasPrefix("error: ") && result.errorText.contains(message), "\(result.errorText)")
        }
    }

    /// Issue 16, defect 12: `verify checksum FILE --size N` printed `OK` with no digest checked.
    @Test("a size without a digest verifies nothing: exit 1, error: on standard error, no OK")
    func sizeAloneIsRefused() async throws {
        let sample = try await Sample()
        defer { sample.directory.remove() }
        for size in [sample.size, sample.size + 1] {
            let result = try await run([sample.path, "--size", "\(size)"])
            #expect(result.status == 1 && !result.crashed)
            #expect(result.standardOutput.isEmpty, "\(result.outputText)")
            #expect(
                result.errorText
                    == "error: \(sample.path): nothing verified: no SHA-256, SHA-512 or MD5 digest was given "
                    + "(a size alone is not a verification)\n")
        }
    }

    /// Issue 16, defect 7: `verify checksum /dev/zero` without `--size` never ended, and a FIFO blocked in `open()`.
    /// Both now fail at once (the FIFO has no writer: were it opened for reading, the command would block for ever).
    @Test("a device or a FIFO is refused at once, with or without --size", arguments: [false, true])
    func notRegularFiles(withSize: Bool) async throws {
        let sample = try await Sample()
        defer { sample.directory.remove() }
        let fifo = sample.directory.appending("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [("/dev/zero", "a device"), (fifo, "a FIFO")] {
            let size = withSize ? ["--size", "1048576"] : []
            let result = try await run([path, "--sha256", sample.sha256] + size)
            #expect(result.status == 1 && !result.crashed)
            #expect(result.standardOutput.isEmpty)
            #expect(
                result.errorText == "error: cannot read \(path) (cannot read \(path): it is \(kind))\n",
                "\(result.errorText)")
        }
    }
}
