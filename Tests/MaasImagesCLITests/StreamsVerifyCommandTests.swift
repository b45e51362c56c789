import Foundation
import MirrorTestServer
import TestSupport
import Testing

/// `maas-images streams verify` on mirrors made by `maas-images streams mirror` from a generated signed stream.
@Suite("streams verify")
struct StreamsVerifyCommandTests {
    /// A generated stream mirrored whole into `stream.scratch.path/mirror` by the command line.
    struct Mirrored {
        let stream: GeneratedMirror
        let maasImages: String
        var destination: String { stream.scratch.path + "/mirror" }

        init() async throws {
            stream = try await GeneratedMirror()
            maasImages = try CommandRunner.maasImages()
            try await mirror([])
        }

        /// Runs `streams mirror SOURCE DEST` with `options`.
        func mirror(_ options: [String]) async throws {
            let result = try await CommandRunner.run(
                maasImages,
                ["streams", "mirror", stream.root, destination, "--keyring", stream.keys.keyring, "--quiet"] + options)
            #expect(result.status == 0, "\(result.errorText)")
        }

        /// Runs `streams verify DEST` with `options` (the upstream keyring unless they name one).
        func verify(_ options: [String] = []) async throws -> CommandResult {
            let trust = options.contains("--keyring") || options.contains("--no-verify")
            return try await CommandRunner.run(
                maasImages,
                ["streams", "verify", destination] + (trust ? [] : ["--keyring", stream.keys.keyring]) + options)
        }
    }

    /// The `--json` report, parsed.
    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [String: Any])
    }

    @Test("A sound mirror exits 0 with an ok summary; --json has ok, files_checked, bytes_checked, problems")
    func sound() async throws {
        let mirrored = try await Mirrored()
        let text = try await mirrored.verify(["--quiet"])
        #expect(text.status == 0, "\(text.errorText)")
        #expect(text.outputText.hasPrefix("ok: 18 files checked ("), "\(text.outputText)")
        #expect(text.outputText.split(separator: "\n").count == 1)
        #expect(text.errorText.isEmpty)

        let json = try await mirrored.verify(["--json", "--jobs", "1"])
        #expect(json.status == 0, "\(json.errorText)")
        let report = try Self.json(json)
        #expect(Set(report.keys) == ["ok", "files_checked", "bytes_checked", "problems"])
        #expect(report["ok"] as? Bool == true)
        #expect(report["files_checked"] as? Int == 18)
        #expect((report["bytes_checked"] as? Int ?? 0) > 18 * 20_000)
        #expect((report["problems"] as? [Any])?.isEmpty == true)
    }

    @Test("Damage exits 1: one KIND PATH: DETAIL line per problem, then the summary; the same in --json")
    func damaged() async throws {
        let mirrored = try await Mirrored()
        let root = mirrored.destination
        try FileManager.default.removeItem(atPath: root + "/noble/amd64/20250101/squashfs")
        try Data([0]).write(to: URL(fileURLWithPath: root + "/noble/arm64/20250301/boot-kernel"))
        try Data([1]).write(to: URL(fileURLWithPath: root + "/noble/stray\tname"))
        try Data([1]).write(to: URL(fileURLWithPath: root + "/noble/arm64/20250301/squashfs.part"))

        let text = try await mirrored.verify(["--quiet"])
        #expect(text.status == 1)
        let lines = text.outputText.split(separator: "\n").map(String.init)
        #expect(
            lines.map { $0.prefix { $0 != ":" } } == [
                "missing noble/amd64/20250101/squashfs",
                "corrupt noble/arm64/20250301/boot-kernel",
                "partial noble/arm64/20250301/squashfs.part",
                "extra noble/stray\\x09name",
                "not ok",
            ])
        #expect(lines.last == "not ok: 16 files checked (\(lines.last?.split(separator: "(").last ?? "")")
        #expect(lines.last?.hasSuffix("; 1 missing, 1 corrupt, 1 extra, 1 partial") == true)
        #expect(!text.errorText.contains("error:"))

        let json = try await mirrored.verify(["--json", "--quiet"])
        #expect(json.status == 1)
        let report = try Self.json(json)
        #expect(report["ok"] as? Bool == false)
        let problems = try #require(report["problems"] as? [[String: String]])
        #expect(problems.map { $0["kind"] ?? "" } == ["missing", "corrupt", "partial", "extra"])
        #expect(problems.map { $0["path"] ?? "" }.last == "noble/stray\tname")
        #expect(problems.allSatisfy { Set($0.keys) == ["path", "kind", "detail"] })
        #expect(
            problems[1]["detail"]
                == "1 bytes, but the metadata signs \(GeneratedMirror.content(arch: "arm64", version: "20250301", item: "boot-kernel").count)"
        )
    }

    @Test("Orphans exit 0 and carry their expiry in --json (RFC 3339)")
    func orphans() async throws {
        let mirrored = try await Mirrored()
        try await mirrored.mirror(["--max", "2"])
        let result = try await mirrored.verify(["--json", "--quiet"])
        #expect(result.status == 0, "\(result.errorText)")
        let report = try Self.json(result)
        #expect(report["ok"] as? Bool == true)
        let problems = try #require(report["problems"] as? [[String: String]])
        #expect(problems.count == 6)
        #expect(problems.allSatisfy { $0["kind"] == "orphaned" && $0["path"]?.contains("/20250101/") == true })
        #expect(
            problems.allSatisfy { problem in
                problem["expires"].map { $0.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil } ?? false
            })

        let text = try await mirrored.verify(["--quiet"])
        #expect(text.status == 0)
        #expect(text.outputText.hasSuffix(", 6 orphaned\n"))
        #expect(
            text.outputText.hasPrefix(
                "orphaned noble/amd64/20250101/boot-kernel: no published metadata names it since "))
    }

    @Test("Metadata that does not verify with the keyring is corrupt (exit 1); a missing DEST is an error")
    func errors() async throws {
        let mirrored = try await Mirrored()
        let wrongKey = try await mirrored.verify(["--keyring", mirrored.stream.keys.mirrorKeyring, "--quiet"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.outputText.hasPrefix("corrupt streams/v1/index.sjson: "), "\(wrongKey.outputText)")
        #expect(
            wrongKey.outputText.hasSuffix(
                "not ok: 18 files checked (\(wrongKey.outputText.split(separator: "(").last ?? "")"))

        let unsigned = try await mirrored.verify(["--no-verify", "--quiet"])
        #expect(unsigned.status == 0, "\(unsigned.outputText)")

        let missing = try await CommandRunner.run(
            mirrored.maasImages, ["streams", "verify", mirrored.destination + "/none", "--no-verify"])
        #expect(missing.status == 1)
        #expect(missing.errorText.hasPrefix("error: "))
        #expect(missing.errorText.contains("/none does not exist"))
    }
}
