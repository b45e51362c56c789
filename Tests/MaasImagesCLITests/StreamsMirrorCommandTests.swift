import Foundation
import MirrorTestServer
import TestSupport
import Testing

/// `maas-images streams mirror`, and `streams query` and `boot list` over HTTP, against the real loopback server.
@Suite("streams mirror and HTTP sources")
struct StreamsMirrorCommandTests {
    @Test("Mirrors a filtered subset from an HTTP server, then a dry run has nothing to do")
    func mirrorOverHTTP() async throws {
        let stream = try await GeneratedMirror()
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        let maasImages = try CommandRunner.maasImages()
        let destination = stream.scratch.path + "/mirror"
        let result = try await CommandRunner.run(
            maasImages,
            [
                "streams", "mirror", server.baseURL, destination, "--keyring", stream.keys.keyring, "--max", "1",
                "--arch", "amd64", "--jobs", "2",
            ])
        try await server.stop()
        #expect(result.status == 0, "\(result.errorText)")
        let payloads = GeneratedMirror.files(under: destination).filter { !$0.hasPrefix("streams/") }
        #expect(payloads == GeneratedMirror.itemNames.map { "noble/amd64/20250301/\($0)" }.sorted())
        #expect(
            result.errorText.contains(
                "3 downloaded, 0 linked, 0 already present, 0 removed, 0 kept as orphans, 0 failed"))
        #expect(FileManager.default.fileExists(atPath: destination + "/streams/v1/index.sjson"))

        let local = try await CommandRunner.run(
            maasImages,
            [
                "streams", "mirror", stream.root, destination, "--keyring", stream.keys.keyring, "--max", "1",
                "--arch", "amd64", "--dry-run",
            ])
        #expect(local.status == 0, "\(local.errorText)")
        #expect(
            local.outputText.hasSuffix("0 files to download (0 B), 0 to remove (0 B), 0 kept as orphans, 3 present\n"))
    }

    @Test("An older stream is refused with exit status 1 and DEST unchanged; --allow-older-metadata rolls back")
    func olderMetadata() async throws {
        let stream = try await GeneratedMirror(versions: ["20250201"])
        let maasImages = try CommandRunner.maasImages()
        let destination = stream.scratch.path + "/mirror"
        let arguments = ["streams", "mirror", stream.root, destination, "--keyring", stream.keys.keyring, "--quiet"]
        try await stream.write(versions: ["20250201"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        let first = try await CommandRunner.run(maasImages, arguments)
        #expect(first.status == 0, "\(first.errorText)")
        let index = try Data(contentsOf: URL(fileURLWithPath: destination + "/streams/v1/index.sjson"))

        try await stream.write(versions: ["20250101"], updated: "Mon, 01 Dec 2025 00:00:00 +0000")
        let refused = try await CommandRunner.run(maasImages, arguments)
        #expect(refused.status == 1)
        #expect(refused.errorText.hasPrefix("error: "))
        #expect(refused.errorText.contains("refusing a replay or rollback"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination + "/streams/v1/index.sjson")) == index)
        #expect(FileManager.default.fileExists(atPath: destination + "/noble/amd64/20250201/squashfs"))

        let allowed = try await CommandRunner.run(
            maasImages, arguments + ["--allow-older-metadata", "--prune-grace", "0"])
        #expect(allowed.status == 0, "\(allowed.errorText)")
        #expect(FileManager.default.fileExists(atPath: destination + "/noble/amd64/20250101/squashfs"))
        #expect(!FileManager.default.fileExists(atPath: destination + "/noble/amd64/20250201/squashfs"))
    }

    @Test("A dry run lists the downloads with sizes; a failed file makes the exit status 1")
    func dryRunAndFailure() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        let maasImages = try CommandRunner.maasImages()
        let destination = stream.scratch.path + "/mirror"
        let arguments = [
            "streams", "mirror", server.baseURL, destination, "--keyring", stream.keys.keyring, "arch=arm64",
        ]
        let plan = try await CommandRunner.run(maasImages, arguments + ["--dry-run"])
        #expect(plan.status == 0, "\(plan.errorText)")
        #expect(plan.outputText.contains("+ noble/arm64/20250101/squashfs "))
        #expect(plan.outputText.contains("3 files to download ("))
        #expect(!FileManager.default.fileExists(atPath: destination + "/noble"))

        let missing = "noble/arm64/20250101/boot-kernel"
        server.setFaults { $0.notFound = [missing] }
        let failed = try await CommandRunner.run(maasImages, arguments)
        try await server.stop()
        #expect(failed.status == 1)
        #expect(failed.errorText.contains("failed: \(server.baseURL)\(missing): HTTP 404"))
        #expect(failed.errorText.contains("error: 1 files could not be mirrored"))
        #expect(!FileManager.default.fileExists(atPath: destination + "/streams/v1/index.sjson"))
    }

    @Test("--sign-key writes filtered metadata signed with that key; it needs --gnupg-home")
    func signKey() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let maasImages = try CommandRunner.maasImages()
        let destination = stream.scratch.path + "/mirror"
        let base = ["streams", "mirror", stream.root, destination, "--keyring", stream.keys.keyring, "arch=arm64"]
        let incomplete = try await CommandRunner.run(maasImages, base + ["--sign-key", stream.keys.mirrorFingerprint])
        #expect(incomplete.status != 0)
        #expect(incomplete.errorText.contains("--sign-key and --gnupg-home go together"))

        let result = try await CommandRunner.run(
            maasImages, base + ["--sign-key", stream.keys.mirrorFingerprint, "--gnupg-home", stream.home])
        try await stream.stopAgent()
        #expect(result.status == 0, "\(result.errorText)")
        let index = destination + "/streams/v1/index.sjson"
        let verified = try await Tool.run("gpgv", ["--keyring", stream.keys.mirrorKeyring, index])
        #expect(verified.status == 0, "\(verified.errorText)")
        let query = try await CommandRunner.run(
            maasImages, ["streams", "query", destination, "--keyring", stream.keys.mirrorKeyring])
        #expect(query.status == 0, "\(query.errorText)")
        #expect(query.outputText.split(separator: "\n").count == 3)
        #expect(!query.outputText.contains("amd64"))
    }

    @Test("A bad signature is an error before any download")
    func badSignature() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        try await stream.sign(with: stream.keys.otherFingerprint)
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            ["streams", "mirror", server.baseURL, stream.scratch.path + "/mirror", "--keyring", stream.keys.keyring])
        try await server.stop()
        #expect(result.status == 1)
        #expect(result.errorText.hasPrefix("error: "))
        #expect(result.errorText.contains("nothing was downloaded"))
        #expect(server.requests.allSatisfy { $0.path.hasPrefix("streams/") })
    }

    @Test("--not-older-than refuses an older stream before any download")
    func rollback() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            [
                "streams", "mirror", stream.root, stream.scratch.path + "/mirror", "--keyring", stream.keys.keyring,
                "--not-older-than", "2026-01-01",
            ])
        #expect(result.status == 1)
        #expect(result.errorText.contains("rollback"))
        #expect(!FileManager.default.fileExists(atPath: stream.scratch.path + "/mirror/noble"))
    }

    @Test("streams query and boot list read http:// sources")
    func queryAndBootListOverHTTP() async throws {
        let fixture = try await SignedMaasMirror()
        let server = try await LoopbackHTTPServer.start(root: fixture.root)
        let local = try await CommandRunner.run(
            fixture.maasImages,
            ["streams", "query", fixture.root, "--keyring", fixture.keyring, "arch=amd64", "--max", "1"])
        let remote = try await CommandRunner.run(
            fixture.maasImages,
            ["streams", "query", server.baseURL, "--keyring", fixture.keyring, "arch=amd64", "--max", "1"])
        let list = try await CommandRunner.run(
            fixture.maasImages,
            ["boot", "list", server.baseURL + "streams/v1/index.sjson", "--keyring", fixture.keyring])
        try await server.stop()
        #expect(remote.status == 0, "\(remote.errorText)")
        #expect(!remote.outputText.isEmpty)
        #expect(remote.outputText == local.outputText)
        #expect(list.status == 0, "\(list.errorText)")
        #expect(list.outputText.contains("ubuntu/noble"))
    }
}
