import Foundation
import Testing

/// `maas-images streams query`, over a mirror made from the real MAAS stream documents (July 2025), signed with a key
/// made for the suite by the real gpg, and checked against python-simplestreams' algorithm run by python3.
@Suite("streams query")
struct StreamsQueryCommandTests {
    let fixture: SignedMaasMirror

    init() async throws {
        fixture = try await SignedMaasMirror()
    }

    /// python-simplestreams' flattening (`products_exdata` over `stringitems`), filters (`ItemFilter`) and `max`
    /// (items filtered first, then the newest versions), over the unsigned products documents: one line per item.
    static let oracle = #"""
        import json, re, sys
        mirror, maximum, filters = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
        def stringitems(d):
            return {k: (v if isinstance(v, str) else str(v)) for k, v in d.items()
                    if isinstance(v, (str, int, float))}
        parsed = []
        for f in filters:
            key, op, val = re.match(r"([\w|\-]+)[ ]*([!]{0,1}[=~])[ ]*(.*)[ ]*$", f).groups()
            parsed.append((key, op, val))
        def matches(flat):
            for key, op, val in parsed:
                text = str(flat.get(key, ""))
                hit = text == val if op in ("=", "!=") else bool(re.search(val, text))
                if hit != (op[0] != "!"):
                    return False
            return True
        index = json.load(open(mirror + "/streams/v1/index.json"))
        for entry in index["index"].values():
            tree = json.load(open(mirror + "/" + entry["path"]))
            for pname, product in tree["products"].items():
                kept = []
                for vname, version in product["versions"].items():
                    items = []
                    for iname, item in version["items"].items():
                        flat = stringitems(tree)
                        flat.update(stringitems(product)); flat["product_name"] = pname
                        flat.update(stringitems(version)); flat["version_name"] = vname
                        flat.update(stringitems(item)); flat["item_name"] = iname
                        if matches(flat):
                            items.append(flat)
                    if items:
                        kept.append((vname, items))
                kept.sort(key=lambda v: v[0], reverse=True)
                if maximum >= 0:
                    kept = kept[:maximum]
                for vname, items in kept:
                    for flat in items:
                        print("\t".join([flat["product_name"], flat["version_name"], flat["item_name"],
                                         flat.get("ftype", "-"), flat.get("size", "-"), flat.get("path", "-")]))
        """#

    func expectedLines(_ filters: [String], max: Int? = nil) async throws -> String {
        let result = try await CommandRunner.run(
            "python3", ["-c", Self.oracle, fixture.root, String(max ?? -1)] + filters, check: true)
        return result.outputText
    }

    @Test(
        "a signed mirror answers exactly as python-simplestreams' algorithm does",
        arguments: [
            (["arch=amd64", "release=jammy", "ftype=squashfs"], 1 as Int?),
            ([], nil), (["arch=arm64"], 1), (["subarches~hwe-w"], nil), (["os!=ubuntu"], nil),
            (["ftype!~^boot-", "label=stable"], 2), (["bootloader-type=uefi"], nil), (["release="], nil),
            (["size=17741"], nil), (["content_id~centos"], 1), (["version_name~^2025"], 0),
        ])
    func matchesOracle(filters: [String], max: Int?) async throws {
        var arguments = [fixture.root, "--keyring", fixture.directory.appending("keyring.gpg")] + filters
        if let max { arguments += ["--max", String(max)] }
        let result = try await fixture.query(arguments)
        #expect(result.status == 0, "\(result.errorText)")
        let expected = try await expectedLines(filters, max: max)
        #expect(result.outputText == expected)
        // Four documents, each verified and reported with the signer.
        let verified = result.errorText.split(separator: "\n").filter { $0.hasPrefix("verified ") }
        #expect(verified.count == 4, "\(result.errorText)")
        #expect(verified.allSatisfy { $0.contains(fixture.fingerprint) })
    }

    @Test("the newest jammy amd64 squashfs is the one line of a max-1 query")
    func newestSquashfs() async throws {
        let result = try await fixture.query([
            fixture.root, "--keyring", fixture.directory.appending("keyring.gpg"), "-q", "arch=amd64",
            "release=jammy", "ftype=squashfs", "--max", "1",
        ])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.errorText.isEmpty)
        let fields = result.outputText.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(fields.count == 1)
        #expect(fields.first?.first == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04")
        #expect(fields.first?.dropFirst(2).first == "squashfs")
        #expect(fields.first?.last?.hasPrefix("jammy/amd64/") == true)
    }

    @Test("--json: one object per item with every inherited attribute, numbers as numbers")
    func json() async throws {
        let result = try await fixture.query([
            fixture.root, "--keyring", fixture.directory.appending("keyring.gpg"), "--json", "-q", "os=centos",
        ])
        #expect(result.status == 0, "\(result.errorText)")
        let array = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [[String: Any]])
        #expect(array.count == (try await expectedLines(["os=centos"])).split(separator: "\n").count)
        #expect(array.count > 0)
        for object in array {
            #expect(object["content_id"] as? String == "com.ubuntu.maas:stable:centos-bases-download")
            #expect(object["os"] as? String == "centos")
            #expect(object["size"] is NSNumber)
            #expect((object["product_name"] as? String)?.contains(":centos-bases:") == true)
            #expect(object["version_name"] is String)
            #expect(object["item_name"] is String)
            #expect(object["sha256"] is String)
        }
    }

    @Test("--no-verify reads index.json and the .json products, and says so")
    func noVerify() async throws {
        let result = try await fixture.query([fixture.root, "--no-verify", "arch=amd64"])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.outputText == (try await expectedLines(["arch=amd64"])))
        #expect(result.errorText.contains("unverified streams/v1/index.json"))
    }

    @Test("a products document named directly, .sjson verified and .json with its detached .gpg")
    func productsDocument() async throws {
        for name in ["com.ubuntu.maas:stable:v3:download.sjson", "com.ubuntu.maas:stable:v3:download.json"] {
            let result = try await fixture.query([
                fixture.root + "/streams/v1/" + name, "--keyring", fixture.directory.appending("keyring.gpg"),
                "ftype=boot-kernel",
            ])
            #expect(result.status == 0, "\(result.errorText)")
            #expect(result.outputText.split(separator: "\n").count > 0)
            #expect(result.outputText.split(separator: "\n").allSatisfy { $0.contains("\tboot-kernel\t") })
            #expect(result.errorText.contains("verified streams/v1/\(name)"))
        }
    }

    @Test("a tampered products document fails the whole query with a signature error naming it")
    func tampered() async throws {
        let mirror = try await fixture.copy("tampered")
        let path = mirror + "/streams/v1/com.ubuntu.maas:stable:v3:download.sjson"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"amd64\"", with: "\"amd66\"").write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try await fixture.query([mirror, "--keyring", fixture.directory.appending("keyring.gpg")])
        #expect(!result.crashed)
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.errorText.contains("error: "), "\(result.errorText)")
        #expect(result.errorText.contains("com.ubuntu.maas:stable:v3:download.sjson"), "\(result.errorText)")
    }

    @Test("documents signed by a key outside the keyring, or unsigned, are refused")
    func wrongKeyAndUnsigned() async throws {
        let other = try await fixture.query([
            fixture.root, "--keyring", fixture.directory.appending("other.asc"), "arch=amd64",
        ])
        #expect(other.status == 1)
        #expect(other.errorText.contains("error: "), "\(other.errorText)")
        #expect(other.errorText.contains("index.sjson"), "\(other.errorText)")

        let mirror = try await fixture.copy("unsigned")
        let products = mirror + "/streams/v1/com.ubuntu.maas:stable:v3:download.json"
        try FileManager.default.removeItem(atPath: products + ".gpg")
        let unsigned = try await fixture.query([products, "--keyring", fixture.directory.appending("keyring.gpg")])
        #expect(unsigned.status == 1)
        #expect(unsigned.errorText.contains("no detached signature"), "\(unsigned.errorText)")
        #expect(unsigned.errorText.contains("--no-verify"), "\(unsigned.errorText)")
    }

    @Test("an item path that leaves the mirror refuses the document, naming the item")
    func unsafePath() async throws {
        let mirror = try await fixture.copy("unsafe")
        let path = mirror + "/streams/v1/com.ubuntu.maas:stable:centos-bases-download.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"centos/centos70/amd64/", with: "\"../../centos70/amd64/").write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try await fixture.query([mirror, "--no-verify"])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.errorText.contains("unsafe path '../../centos70/amd64/"), "\(result.errorText)")
        #expect(result.errorText.contains("com.ubuntu.maas.stable:centos-bases:7.0:amd64"), "\(result.errorText)")
    }

    @Test("bad filters and options are errors that name them", arguments: ["arch~[", "a.b=c", "arch"])
    func badFilter(_ filter: String) async throws {
        let result = try await fixture.query([fixture.root, "--no-verify", filter])
        #expect(result.status != 0)
        #expect(result.errorText.contains(filter), "\(result.errorText)")
    }

    @Test("--not-older-than refuses an index older than the last one accepted")
    func rollback() async throws {
        let keyring = fixture.directory.appending("keyring.gpg")
        let newer = try await fixture.query([fixture.root, "--keyring", keyring, "--not-older-than", "2026-01-01"])
        #expect(newer.status == 1)
        #expect(newer.errorText.contains("rollback"), "\(newer.errorText)")
        let older = try await fixture.query([
            fixture.root, "--keyring", keyring, "--not-older-than", "Thu, 24 Jul 2025 08:01:49 +0000", "-q",
        ])
        #expect(older.status == 0, "\(older.errorText)")
    }
}

extension SignedMaasMirror {
    /// Runs `maas-images streams query` with `arguments`.
    func query(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.run(maasImages, ["streams", "query"] + arguments)
    }
}
