import Foundation
import Testing

/// Names from a stream never reach text output raw (issue 16, defect 11): product, version and item names holding TAB, LF, ESC, BEL or NUL would forge lines and columns of the tab-separated output of `streams
/// query`, `boot list` and `boot set`, or send escape sequences to the terminal. Text output escapes them; `--json`
/// keeps them exact.
@Suite("Text output escapes control characters")
final class ControlCharacterOutputTests {
    static let version = "20250709\tforged\nline\u{1B}[31m\u{0}"
    static let item = "boot-kernel\u{1B}]0;owned\u{7}"
    static let product = "com.example\t\u{1B}[31m:evil\nline"

    /// The real MAAS documents, unsigned, with hostile names in the noble amd64 product and one extra product.
    static let script = #"""
        import json, os, sys
        fixtures, root = sys.argv[1:3]
        # The names of ControlCharacterOutputTests (a NUL cannot go through argv).
        version, item = "20250709\tforged\nline\x1b[31m\x00", "boot-kernel\x1b]0;owned\x07"
        product = "com.example\t\x1b[31m:evil\nline"
        v = os.path.join(root, "streams", "v1")
        os.makedirs(v)
        index = json.load(open(os.path.join(fixtures, "simplestreams_index.json")))
        json.dump(index, open(os.path.join(v, "index.json"), "w"), indent=1)
        names = {"com.ubuntu.maas:stable:v3:download": "simplestreams_ubuntu.json",
                 "com.ubuntu.maas:stable:centos-bases-download": "simplestreams_centos.json",
                 "com.ubuntu.maas:stable:1:bootloader-download": "simplestreams_bootloaders.json"}
        for content_id, entry in index["index"].items():
            tree = json.load(open(os.path.join(fixtures, names[content_id])))
            if content_id.endswith("v3:download"):
                noble = tree["products"]["com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"]
                versions = noble["versions"]
                latest = versions.pop("20250709")
                latest["items"][item] = latest["items"].pop("boot-kernel")
                versions[version] = latest
                tree["products"][product] = {"versions": {version: {"items": {item: {
                    "ftype": "squashfs", "path": "x/y", "size": 1, "sha256": "0" * 64}}}}}
            json.dump(tree, open(os.path.join(root, entry["path"]), "w"), indent=1)
        """#

    let directory: TemporaryDirectory
    let maasImages: String

    init() async throws {
        directory = try TemporaryDirectory(prefix: "maas-images-control")
        maasImages = try CommandRunner.maasImages()
        try await CommandRunner.run(
            "python3",
            ["-c", Self.script, SignedMaasMirror.maasFixtures, directory.appending("mirror")], check: true)
    }

    deinit { directory.remove() }

    func run(_ arguments: [String]) async throws -> CommandResult {
        let result = try await CommandRunner.run(
            maasImages, arguments + [directory.appending("mirror"), "--no-verify"])
        #expect(result.status == 0, "\(result.errorText)")
        return result
    }

    /// No byte of `output` is a control character other than the TAB and LF of the layout.
    func expectNoRawControls(_ output: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let raw = output.filter { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A) || $0 == 0x7F }
        #expect(raw.isEmpty, "raw control bytes \(raw)", sourceLocation: sourceLocation)
    }

    @Test("streams query: one line of six fields per item, escaped; --json keeps the exact names")
    func query() async throws {
        let text = try await run(["streams", "query"])
        expectNoRawControls(text.standardOutput)
        expectNoRawControls(text.standardError)
        let lines = text.outputText.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 6 })
        #expect(text.outputText.contains("20250709\\x09forged\\x0aline\\x1b[31m\\x00\tboot-kernel\\x1b]0;owned\\x07"))
        #expect(text.outputText.contains("com.example\\x09\\x1b[31m:evil\\x0aline\t"))

        let json = try await run(["streams", "query", "--json"])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [[String: Any]])
        #expect(items.count == lines.count)
        let hostile = items.filter { ($0["version_name"] as? String)?.utf8.elementsEqual(Self.version.utf8) == true }
        #expect(hostile.count == 5)
        #expect(hostile.contains { ($0["item_name"] as? String)?.utf8.elementsEqual(Self.item.utf8) == true })
        #expect(hostile.contains { ($0["product_name"] as? String)?.utf8.elementsEqual(Self.product.utf8) == true })
        #expect(json.outputText.contains(#""20250709\tforged\nline\u001b[31m\u0000""#))
    }

    @Test("boot list: headings, versions and files escaped, refusals too; --json keeps the exact names")
    func bootList() async throws {
        let text = try await run(["boot", "list", "--release", "noble", "--arch", "amd64"])
        expectNoRawControls(text.standardOutput)
        expectNoRawControls(text.standardError)
        #expect(text.outputText.contains("  20250709\\x09forged\\x0aline\\x1b[31m\\x00  complete"))
        #expect(text.outputText.contains("    boot-kernel\\x1b]0;owned\\x07\tboot-kernel\t"))
        for line in text.outputText.split(separator: "\n") where line.hasPrefix("    ") {
            #expect(line.split(separator: "\t", omittingEmptySubsequences: false).count == 5, "\(line)")
        }
        let all = try await run(["boot", "list"])
        expectNoRawControls(all.standardError)
        #expect(all.errorText.contains("com.example\\x09\\x1b[31m:evil\\x0aline"))

        let json = try await run(["boot", "list", "--json", "--release", "noble", "--arch", "amd64"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
        let resources = try #require(object["resources"] as? [[String: Any]])
        let latest = try #require(resources.first?["latest_complete_version"] as? [String: Any])
        #expect((latest["name"] as? String)?.utf8.elementsEqual(Self.version.utf8) == true)
    }

    /// BootAssets refuses labels and versions that cannot be path segments, so no hostile name reaches `boot set`
    /// today; its fields are escaped all the same.
    @Test("boot set: one line of five fields per file, no raw control characters")
    func bootSet() async throws {
        let text = try await run(
            ["boot", "set", "--release", "noble", "--arch", "amd64", "--firmware", "uefi", "--maas-version", "3.4"])
        expectNoRawControls(text.standardOutput)
        expectNoRawControls(text.standardError)
        let lines = text.outputText.split(separator: "\n")
        #expect(lines.count >= 4)
        #expect(lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 5 })
    }
}
