import Foundation
import MirrorTestServer
import TestSupport
import Testing

/// `maas-images streams diff OLD NEW`: generated signed streams, read from directories and from the loopback HTTP
/// server, verified with the real gpg-made keys; exit status 0 equal, 1 different, 2 on any error.
@Suite("streams diff")
struct StreamsDiffCommandTests {
    /// Runs `maas-images streams diff` with `arguments`.
    static func diff(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(try CommandRunner.maasImages(), ["streams", "diff"] + arguments)
    }

    /// A copy of the stream as it is now (the old stream), under the stream's scratch directory.
    static func snapshot(_ stream: GeneratedMirror, as name: String = "old") async throws -> String {
        let copy = stream.scratch.path + "/" + name
        try await Tool.run("/bin/cp", ["-a", stream.root, copy], check: true)
        return copy
    }

    static func sha256(_ bytes: [UInt8]) -> String { GeneratedMirror.sha256(bytes) }

    @Test("equal streams: no output, exit status 0; each document verified and reported")
    func equal() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let old = try await Self.snapshot(stream)
        let result = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)
        let verified = result.errorText.split(separator: "\n").filter { $0.hasPrefix("verified ") }
        #expect(verified.count == 4, "\(result.errorText)")
        #expect(verified.allSatisfy { $0.contains(stream.keys.upstreamFingerprint) })

        let json = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q", "--json"])
        #expect(json.status == 0, "\(json.errorText)")
        #expect(json.errorText.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "products_added", "products_removed", "versions_added", "versions_removed", "items_changed",
            ])
        #expect(object.values.allSatisfy { ($0 as? [Any])?.isEmpty == true })
    }

    @Test("versions added and removed: + and - PRODUCT@VERSION, exit status 1")
    func versions() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101", "20250201"])
        let old = try await Self.snapshot(stream)
        try await stream.write(versions: ["20250201", "20250301"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        let result = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q"])
        #expect(result.status == 1, "\(result.errorText)")
        #expect(result.errorText.isEmpty)
        #expect(
            result.outputText == """
                + com.example:noble:amd64@20250301
                + com.example:noble:arm64@20250301
                - com.example:noble:amd64@20250101
                - com.example:noble:arm64@20250101

                """)
        let reverse = try await Self.diff([stream.root, old, "--keyring", stream.keys.keyring, "-q"])
        #expect(reverse.status == 1)
        #expect(reverse.outputText.hasPrefix("+ com.example:noble:amd64@20250101\n"))
    }

    @Test("products added and removed: + and - PRODUCT, exit status 1")
    func products() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let a = StreamItemSpec(product: "com.example:a", item: "f", path: "a/f", content: [1])
        try await stream.write(items: [
            a, StreamItemSpec(product: "com.example:b", item: "f", path: "b/f", content: [2]),
        ])
        let old = try await Self.snapshot(stream)
        try await stream.write(items: [
            a, StreamItemSpec(product: "com.example:c", item: "f", path: "c/f", content: [3]),
        ])
        let result = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q"])
        #expect(result.status == 1, "\(result.errorText)")
        #expect(result.outputText == "+ com.example:c\n- com.example:b\n")
    }

    @Test("a same-path size change and a same-size digest change: ! PRODUCT@VERSION ITEM: FIELD OLD -> NEW")
    func itemChanges() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let sized = [UInt8](repeating: 1, count: 3)
        let same = [UInt8](repeating: 2, count: 4)
        try await stream.write(items: [
            StreamItemSpec(item: "grows", path: "p/grows", content: sized),
            StreamItemSpec(item: "rebuilt", path: "p/rebuilt", content: same),
            StreamItemSpec(item: "kept", path: "p/kept", content: [9]),
        ])
        let old = try await Self.snapshot(stream)
        let grown = [UInt8](repeating: 1, count: 5)
        let rebuilt = [UInt8](repeating: 3, count: 4)
        try await stream.write(items: [
            StreamItemSpec(item: "grows", path: "p/grows", content: grown),
            StreamItemSpec(item: "rebuilt", path: "p/rebuilt", content: rebuilt),
            StreamItemSpec(item: "kept", path: "p/kept", content: [9]),
        ])
        let result = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q"])
        #expect(result.status == 1, "\(result.errorText)")
        let version = "com.example:noble:amd64@20250101"
        #expect(
            result.outputText == """
                ! \(version) grows: size 3 -> 5, sha256 \(Self.sha256(sized)) -> \(Self.sha256(grown))
                ! \(version) rebuilt: sha256 \(Self.sha256(same)) -> \(Self.sha256(rebuilt))

                """)

        let json = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q", "--json"])
        #expect(json.status == 1, "\(json.errorText)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
        let changes = try #require(object["items_changed"] as? [[String: Any]])
        #expect(changes.count == 2)
        let first = try #require(changes.first)
        #expect(first["product"] as? String == "com.example:noble:amd64")
        #expect(first["version"] as? String == "20250101")
        #expect(first["item"] as? String == "grows")
        #expect(first["path"] as? String == "p/grows")
        let before = try #require(first["old"] as? [String: Any])
        let after = try #require(first["new"] as? [String: Any])
        #expect(before["size"] as? Int == 3 && after["size"] as? Int == 5)
        #expect(before["sha256"] as? String == Self.sha256(sized))
        #expect(after["sha256"] as? String == Self.sha256(grown))
        #expect(after["path"] as? String == "p/grows")
        #expect((object["versions_added"] as? [Any])?.isEmpty == true)
    }

    @Test("an item added to a version is reported with old null in JSON and as added in text")
    func itemAdded() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let kept = StreamItemSpec(item: "kept", path: "p/kept", content: [9])
        try await stream.write(items: [kept])
        let old = try await Self.snapshot(stream)
        try await stream.write(items: [kept, StreamItemSpec(item: "new", path: "p/new", content: [7, 7])])
        let result = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q"])
        #expect(result.status == 1, "\(result.errorText)")
        #expect(
            result.outputText
                == "! com.example:noble:amd64@20250101 new: added (path p/new, size 2, sha256 \(Self.sha256([7, 7])))\n"
        )
        let json = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
        let change = try #require((object["items_changed"] as? [[String: Any]])?.first)
        #expect(change["old"] is NSNull)
        #expect((change["new"] as? [String: Any])?["size"] as? Int == 2)
    }

    @Test("NFC and NFD spellings of a product id are two products, written byte for byte")
    func normalisation() async throws {
        let nfc = "com.example:caf\u{e9}"
        let nfd = "com.example:cafe\u{301}"
        let stream = try await GeneratedMirror(versions: ["20250101"])
        try await stream.write(items: [StreamItemSpec(product: nfc, item: "f", path: "f", content: [1])])
        let old = try await Self.snapshot(stream)
        try await stream.write(items: [StreamItemSpec(product: nfd, item: "f", path: "f", content: [1])])
        let result = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q"])
        #expect(result.status == 1, "\(result.errorText)")
        #expect(result.standardOutput == Array("+ \(nfd)\n- \(nfc)\n".utf8), "\(result.outputText)")
    }

    @Test("an unsigned stream is an error (exit status 2) unless --no-verify")
    func unsigned() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let old = try await Self.snapshot(stream)
        let directory = old + "/streams/v1"
        for name in try FileManager.default.contentsOfDirectory(atPath: directory)
        where name.hasSuffix(".sjson") || name.hasSuffix(".gpg") {
            try FileManager.default.removeItem(atPath: directory + "/" + name)
        }
        let refused = try await Self.diff([old, stream.root, "--keyring", stream.keys.keyring, "-q"])
        #expect(refused.status == 2 && !refused.crashed, "\(refused.errorText)")
        #expect(refused.errorText.hasPrefix("error: "), "\(refused.errorText)")
        #expect(refused.errorText.contains("index.sjson"), "\(refused.errorText)")
        #expect(refused.standardOutput.isEmpty)

        let unverified = try await Self.diff([old, stream.root, "--no-verify"])
        #expect(unverified.status == 0, "\(unverified.errorText)")
        #expect(unverified.errorText.contains("unverified streams/v1/index.json"), "\(unverified.errorText)")

        let wrongKey = try await Self.diff([stream.root, stream.root, "--keyring", stream.keys.mirrorKeyring, "-q"])
        #expect(wrongKey.status == 2, "\(wrongKey.errorText)")
        #expect(wrongKey.errorText.hasPrefix("error: "), "\(wrongKey.errorText)")

        let missing = try await Self.diff([stream.scratch.path + "/none", stream.root, "--no-verify", "-q"])
        #expect(missing.status == 2, "\(missing.errorText)")
        #expect(missing.errorText.hasPrefix("error: "), "\(missing.errorText)")
    }

    @Test(
        "usage errors exit with status 2 (other commands keep 1)",
        arguments: [
            (["/a"], "error: Missing expected argument '<new>'"),
            (["/a", "/b", "--no-such-option"], "error: Unknown option '--no-such-option'"),
            (["/a", "/b", "--keyring", "k", "--no-verify"], "error: --keyring and --no-verify exclude each other"),
            (["/a", "/b", "--max-document-size", "0"], "error: --max-document-size must be"),
        ])
    func usageErrors(arguments: [String], message: String) async throws {
        let result = try await Self.diff(arguments)
        #expect(result.status == 2 && !result.crashed, "\(result.errorText)")
        #expect(result.errorText.hasPrefix(message), "\(result.errorText)")
        #expect(result.errorText.contains("Usage: maas-images streams diff"), "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)

        let query = try await CommandRunner.run(try CommandRunner.maasImages(), ["streams", "query"])
        #expect(query.status == 1)
        let help = try await Self.diff(["--help"])
        #expect(help.status == 0)
        #expect(help.outputText.contains("OLD"))
    }

    @Test("an HTTP source through the loopback server, and a products document named directly")
    func http() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let old = try await Self.snapshot(stream)
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        let equal = try await Self.diff([old, server.baseURL, "--keyring", stream.keys.keyring, "-q"])
        let document = try await Self.diff([
            old + "/" + GeneratedMirror.productsPath, server.baseURL + GeneratedMirror.productsPath, "--keyring",
            stream.keys.keyring, "-q",
        ])
        try await stream.write(versions: ["20250101", "20250201"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        let changed = try await Self.diff([server.baseURL, old, "--keyring", stream.keys.keyring, "-q"])
        let requests = server.requests.map(\.path)
        try await server.stop()
        #expect(equal.status == 0, "\(equal.errorText)")
        #expect(equal.standardOutput.isEmpty)
        #expect(document.status == 0, "\(document.errorText)")
        #expect(changed.status == 1, "\(changed.errorText)")
        #expect(
            changed.outputText == """
                - com.example:noble:amd64@20250201
                - com.example:noble:arm64@20250201

                """)
        #expect(requests.contains { $0.hasSuffix("streams/v1/index.sjson") }, "\(requests)")
        #expect(requests.contains { $0.hasSuffix(GeneratedMirror.productsPath) }, "\(requests)")
        // Only metadata is read: no payload is requested.
        #expect(!requests.contains { $0.contains("noble/") }, "\(requests)")
    }
}
