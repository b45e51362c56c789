import Foundation
import Testing

/// The programs in `Examples/` run on the sample mirror, so that they (and the mirror) cannot rot.
@Suite("Examples")
struct ExamplesTests {
    /// The package's root, found from this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let mirror = root + "/Examples/sample-mirror"

    /// The example `name`, built next to `maas-images`.
    private func example(_ name: String) throws -> String {
        let path = URL(fileURLWithPath: try CommandRunner.maasImages()).deletingLastPathComponent()
            .appendingPathComponent(name).path
        guard access(path, X_OK) == 0 else { throw CommandFailure(description: "\(path) was not built") }
        return path
    }

    @Test("list-latest-images: the latest version of each product, from verified documents")
    func listLatestImages() async throws {
        let result = try await CommandRunner.run(
            try example("list-latest-images"), [Self.mirror, Self.mirror + "/keyring.gpg"], check: true)
        let lines = result.outputText.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(": signed by ") }.count == 2)
        #expect(
            lines.contains(
                "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04  20251201  boot-initrd, boot-kernel, manifest,"
                    + " squashfs"))
        let other = try await CommandRunner.run(
            try example("list-latest-images"),
            [Self.mirror, Self.root + "/Tests/VerificationTests/Fixtures/maas-images-keyring.gpg"])
        #expect(other.status == 1)
        #expect(other.outputText.hasPrefix("error: "))
    }

    @Test("print-manifest: the packages of the squashfs, equal to the published manifest")
    func printManifest() async throws {
        let version = Self.mirror + "/noble/amd64/20251201"
        let result = try await CommandRunner.run(
            try example("print-manifest"), [version + "/squashfs", version + "/squashfs.manifest"], check: true)
        let published = try String(contentsOfFile: version + "/squashfs.manifest", encoding: .utf8)
        #expect(result.outputText.contains(published))
        #expect(result.outputText.hasSuffix("matches \(version)/squashfs.manifest\n"))
        let older = try await CommandRunner.run(
            try example("print-manifest"),
            [version + "/squashfs", Self.mirror + "/noble/amd64/20251101/squashfs.manifest"], check: true)
        #expect(older.outputText.contains("  ~ hello 2.10-3ubuntu1 (published: 2.10-3)\n"))
    }

    @Test("render-esxi-commands: the commands for a configuration and the host's NICs")
    func renderESXiCommands() async throws {
        let directory = try TemporaryDirectory(prefix: "render-esxi")
        defer { directory.remove() }
        let path = directory.appending("curtin.cfg")
        try ESXiCommandsCommandTests.configuration.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(
            try example("render-esxi-commands"), [path, "vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"],
            check: true)
        let commands = result.outputText.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        #expect(commands == ESXiCommandsCommandTests.expectedCommands)
    }
}
