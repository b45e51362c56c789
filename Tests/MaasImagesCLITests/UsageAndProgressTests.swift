import Foundation
import Testing

/// Usage errors are reported as every other error (`error: ...`, status 1); `--help` and `--version` succeed; the one
/// progress bar draws the same way for `squashfs extract` and `streams mirror` on a terminal.
@Suite("usage errors and the progress bar")
struct UsageAndProgressTests {
    static let mirror = ExamplesTests.mirror

    @Test(
        "a usage error: error: on standard error, the usage, exit status 1",
        arguments: [
            (["squashfs", "info"], "error: Missing expected argument '<image>'"),
            (["squashfs", "info", "--no-such-option", "x"], "error: Unknown option '--no-such-option'"),
            (
                ["boot", "set", mirror, "--release", "noble", "--arch", "amd64", "--firmware", "efi"],
                "error: The value 'efi' is invalid for '--firmware <firmware>'"
            ),
            (["streams", "mirror", mirror, "/nonexistent", "--jobs", "0"], "error: --jobs must be between 1 and 64"),
        ])
    func usageError(arguments: [String], message: String) async throws {
        let result = try await CommandRunner.run(try CommandRunner.maasImages(), arguments)
        #expect(result.status == 1 && !result.crashed)
        #expect(result.errorText.hasPrefix(message), "\(result.errorText)")
        #expect(result.errorText.contains("Usage: maas-images"), "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test("--firmware lists the firmware names; --help and --version exit 0")
    func helpAndVersion() async throws {
        let binary = try CommandRunner.maasImages()
        let firmware = try await CommandRunner.run(
            binary, ["boot", "set", Self.mirror, "--release", "noble", "--arch", "amd64", "--firmware", "efi"])
        for name in ["bios", "uefi", "uefi-http", "open-firmware", "powernv", "s390x", "ipxe"] {
            #expect(firmware.errorText.contains("- \(name)\n"), "\(firmware.errorText)")
        }
        let help = try await CommandRunner.run(binary, ["boot", "set", "--help"])
        #expect(help.status == 0)
        #expect(help.outputText.contains("--firmware <firmware>"))
        let words = help.outputText.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(words.contains("(values: bios, uefi, uefi-http, open-firmware, powernv, s390x, ipxe)"), "\(words)")
        let version = try await CommandRunner.run(binary, ["--version"])
        #expect(version.status == 0)
        #expect(version.outputText == "0.2.0\n")
    }

    /// Runs `arguments` with standard error on a terminal (`script`), and returns what the terminal received.
    private func onTerminal(_ arguments: [String]) async throws -> CommandResult {
        let command = ([try CommandRunner.maasImages()] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try await CommandRunner.run("script", ["-qec", command, "/dev/null"])
    }

    @Test("on a terminal, extraction and mirroring draw the same bar, which ends at 100%")
    func progressBar() async throws {
        let directory = try TemporaryDirectory(prefix: "progress-bar")
        defer { directory.remove() }
        let extract = try await onTerminal([
            "squashfs", "extract", Self.mirror + "/noble/amd64/20251201/squashfs", directory.appending("root"),
        ])
        #expect(extract.status == 0, "\(extract.outputText)")
        let fullBar = "\r\u{1B}[K[==============================] 100% "
        #expect(extract.outputText.contains(fullBar), "\(extract.outputText)")
        #expect(extract.outputText.contains(" 14/14 entries\r\n"), "\(extract.outputText)")

        let mirror = try await onTerminal([
            "streams", "mirror", Self.mirror, directory.appending("mirror"), "--keyring", Self.mirror + "/keyring.gpg",
        ])
        #expect(mirror.status == 0, "\(mirror.outputText)")
        #expect(mirror.outputText.contains(fullBar), "\(mirror.outputText)")
        #expect(mirror.outputText.contains(" 10/10 files\r\n"), "\(mirror.outputText)")
        #expect(mirror.outputText.contains("published 9 metadata files\r\n"), "\(mirror.outputText)")

        // Not a terminal, and quick: no bar at all.
        let plain = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            ["squashfs", "extract", Self.mirror + "/noble/amd64/20251201/squashfs", directory.appending("plain")])
        #expect(plain.status == 0)
        #expect(plain.errorText.isEmpty, "\(plain.errorText)")
    }
}
