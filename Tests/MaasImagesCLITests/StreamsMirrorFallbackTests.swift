import Foundation
import MirrorTestServer
import TestSupport
import Testing

/// `streams mirror --mirror URL` (repeatable): fallback payload servers (the behaviour itself is tested in the
/// library, `FallbackSourceTests`).
@Suite("streams mirror --mirror fallbacks")
struct StreamsMirrorFallbackTests {
    static let missing = "noble/amd64/20250101/squashfs"

    @Test("A file SOURCE lacks comes from the first --mirror that sends the right bytes; metadata only from SOURCE")
    func fallbackSupplies() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let source = try await LoopbackHTTPServer.start(root: stream.root)
        let corrupt = try await LoopbackHTTPServer.start(root: stream.root)
        source.setFaults { $0.notFound = [Self.missing] }
        corrupt.setFaults { $0.wrongBytes = [Self.missing] }
        let destination = stream.scratch.path + "/mirror"
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            [
                "streams", "mirror", source.baseURL, destination, "--keyring", stream.keys.keyring, "arch=amd64",
                "--mirror", corrupt.baseURL, "--mirror", stream.root,
            ])
        try await source.stop()
        try await corrupt.stop()
        #expect(result.status == 0, "\(result.errorText)")
        #expect(
            FileManager.default.contents(atPath: destination + "/" + Self.missing)
                == FileManager.default.contents(atPath: stream.root + "/" + Self.missing))
        #expect(corrupt.requests.map(\.path) == [Self.missing])
        #expect(result.errorText.contains("trying \(corrupt.baseURL)\(Self.missing)"), "\(result.errorText)")
        #expect(result.errorText.contains("trying \(stream.root)/\(Self.missing)"), "\(result.errorText)")
        #expect(result.errorText.contains("0 failed"))
    }

    @Test("When SOURCE and every --mirror fail, the failure names each URL and the exit status is 1")
    func everyMirrorFails() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let source = try await LoopbackHTTPServer.start(root: stream.root)
        let corrupt = try await LoopbackHTTPServer.start(root: stream.root)
        source.setFaults { $0.notFound = [Self.missing] }
        corrupt.setFaults { $0.wrongBytes = [Self.missing] }
        let destination = stream.scratch.path + "/mirror"
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            [
                "streams", "mirror", source.baseURL, destination, "--keyring", stream.keys.keyring, "arch=amd64",
                "--mirror", corrupt.baseURL,
            ])
        try await source.stop()
        try await corrupt.stop()
        #expect(result.status == 1)
        let failed = result.errorText.split(separator: "\n").first { $0.hasPrefix("failed: ") } ?? ""
        #expect(failed.contains("\(source.baseURL)\(Self.missing): HTTP 404"), "\(result.errorText)")
        #expect(failed.contains("\(corrupt.baseURL)\(Self.missing): SHA-256 mismatch"), "\(result.errorText)")
        #expect(result.errorText.contains("error: 1 files could not be mirrored"))
        #expect(!FileManager.default.fileExists(atPath: destination + "/streams/v1/index.sjson"))
    }

    @Test("A directory SOURCE can fall back to an HTTP --mirror; a malformed --mirror is an error")
    func directorySourceHTTPMirror() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let copy = stream.scratch.path + "/copy"
        try FileManager.default.copyItem(atPath: stream.root, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/" + Self.missing)
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        let maasImages = try CommandRunner.maasImages()
        let destination = stream.scratch.path + "/mirror"
        let arguments = ["streams", "mirror", copy, destination, "--keyring", stream.keys.keyring, "arch=amd64"]
        let malformed = try await CommandRunner.run(maasImages, arguments + ["--mirror", "http://"])
        #expect(malformed.status == 1)
        #expect(malformed.errorText.contains("error: http://"), "\(malformed.errorText)")

        let result = try await CommandRunner.run(maasImages, arguments + ["--mirror", server.baseURL, "--quiet"])
        try await server.stop()
        #expect(result.status == 0, "\(result.errorText)")
        #expect(server.requests.map(\.path) == [Self.missing])
        #expect(
            FileManager.default.contents(atPath: destination + "/" + Self.missing)
                == FileManager.default.contents(atPath: stream.root + "/" + Self.missing))
    }
}
