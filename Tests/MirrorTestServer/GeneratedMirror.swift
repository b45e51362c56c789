import Foundation
public import TestSupport
import Testing
import Verification

/// The keys of the suite, made once by the real gpg: the upstream stream signer, another key, and the key a mirror
/// re-signs with. Homes stay for the whole test process (they are small, under the temporary directory).
public struct SuiteKeys: Sendable {
    public let directory: String
    /// The home holding the upstream signer's and the mirror signer's secret keys (each ``GeneratedMirror`` signs
    /// with its own copy, so its `gpg-agent` can be stopped when it goes).
    public var home: String { directory + "/home" }
    /// The upstream signer's public key.
    public var keyring: String { directory + "/upstream.gpg" }
    /// The mirror signer's public key.
    public var mirrorKeyring: String { directory + "/mirror.gpg" }
    public let upstreamFingerprint: String
    public let mirrorFingerprint: String
    public let otherFingerprint: String

    public static let shared = Task { try await SuiteKeys.make() }

    static let script = #"""
        set -e
        cd "$1"
        H="$1/home"
        mkdir -m 700 "$H"
        g() { gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
        g --quick-gen-key 'Upstream Signer <upstream@example.org>' ed25519 sign 1y
        g --quick-gen-key 'Mirror Signer <mirror@example.org>' ed25519 sign 1y
        g --quick-gen-key 'Someone Else <else@example.org>' ed25519 sign 1y
        fpr() { g --with-colons --list-keys "$1" | awk -F: '/^fpr/ { print $10; exit }'; }
        fpr upstream@example.org > upstream.fpr
        fpr mirror@example.org > mirror.fpr
        fpr else@example.org > other.fpr
        g --export "$(cat upstream.fpr)" > upstream.gpg
        g --export "$(cat mirror.fpr)" > mirror.gpg
        gpgconf --homedir "$H" --kill all
        """#

    static func make() async throws -> SuiteKeys {
        let directory = try ScratchDirectory.makeTemporaryDirectory(prefix: "image-mirror-keys")
        try await Tool.run("/bin/sh", ["-c", script, "sh", directory], check: true)
        func read(_ name: String) throws -> String {
            try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return SuiteKeys(
            directory: directory, upstreamFingerprint: try read("upstream.fpr"),
            mirrorFingerprint: try read("mirror.fpr"), otherFingerprint: try read("other.fpr"))
    }
}

/// A signed MAAS-like stream generated for a test: two products (`amd64` and `arm64` builds of one release) with
/// dated versions of three payloads each, the `manifest` identical across the two products (so the mirror links
/// it), signed as upstream signs (`.sjson` clearsigned, `.json` with a detached `.json.gpg`).
public final class GeneratedMirror: Sendable {
    public let scratch: ScratchDirectory
    public let keys: SuiteKeys
    public var root: String { scratch.path + "/source" }
    /// This stream's copy of the suite's GnuPG home; every use of it ends with ``stopAgent()``, so no `gpg-agent`
    /// outlives the test.
    public var home: String { scratch.path + "/gnupg" }

    public static let productsPath = "streams/v1/com.example:test:download.sjson"
    public static let arches = ["amd64", "arm64"]
    public static let itemNames = ["squashfs", "boot-kernel", "manifest"]

    public init(versions: [String] = ["20250101", "20250201", "20250301"]) async throws {
        keys = try await SuiteKeys.shared.value
        scratch = try ScratchDirectory(prefix: "image-mirror")
        try await Tool.run("/bin/cp", ["-a", keys.home, scratch.path + "/gnupg"], check: true)
        try await write(versions: versions)
    }

    deinit { scratch.remove() }

    /// The mirror-relative path of an item.
    public static func path(arch: String, version: String, item: String) -> String {
        "noble/\(arch)/\(version)/\(item == "manifest" ? "manifest" : item)"
    }

    /// The deterministic content of an item (the manifest does not depend on the architecture).
    public static func content(arch: String, version: String, item: String) -> [UInt8] {
        let seedText = item == "manifest" ? "\(version)/manifest" : "\(arch)/\(version)/\(item)"
        var state: UInt64 = seedText.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let size = 20_000 + Int(state % 60_000)
        var bytes = [UInt8]()
        bytes.reserveCapacity(size)
        for _ in 0..<size {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return bytes
    }

    /// Replaces the stream with one holding `versions`, and signs it.
    ///
    /// With `hostilePath`, the first version of each product also has an item `hostile` with that path (its content
    /// served there, 1 byte, whatever `hostileSize` the metadata states).
    public func write(
        versions: [String], updated: String = "Mon, 01 Dec 2025 00:00:00 +0000", hostilePath: String? = nil,
        hostileSize: Int64 = 1
    ) async throws {
        try? FileManager.default.removeItem(atPath: root)
        var products: [String] = []
        for arch in Self.arches {
            var versionTexts: [String] = []
            for version in versions {
                var items: [String] = []
                for item in Self.itemNames {
                    let path = Self.path(arch: arch, version: version, item: item)
                    let bytes = Self.content(arch: arch, version: version, item: item)
                    try scratch.write(bytes, to: "source/" + path)
                    let sha = Self.sha256(bytes)
                    items.append(
                        "\"\(item)\": {\"ftype\": \"\(item)\", \"path\": \"\(path)\", \"size\": \(bytes.count), "
                            + "\"sha256\": \"\(sha)\"}")
                }
                if let hostilePath, version == versions.first {
                    try scratch.write([0x78], to: "source/" + hostilePath)
                    items.append(
                        "\"hostile\": {\"ftype\": \"x\", \"path\": \"\(hostilePath)\", \"size\": \(hostileSize), "
                            + "\"sha256\": \"\(Self.sha256([0x78]))\"}")
                }
                versionTexts.append("\"\(version)\": {\"items\": {\(items.joined(separator: ", "))}}")
            }
            products.append(
                "\"com.example:noble:\(arch)\": {\"arch\": \"\(arch)\", \"os\": \"ubuntu\", \"release\": \"noble\", "
                    + "\"subarch\": \"generic\", \"label\": \"stable\", "
                    + "\"versions\": {\(versionTexts.joined(separator: ", "))}}")
        }
        let productsJSON = """
            {"content_id": "com.example:test:download", "datatype": "image-downloads", "format": "products:1.0", \
            "updated": "\(updated)", "products": {\(products.joined(separator: ", "))}}

            """
        let names = Self.arches.map { "\"com.example:noble:\($0)\"" }.joined(separator: ", ")
        let indexJSON = """
            {"format": "index:1.0", "updated": "\(updated)", "index": {"com.example:test:download": \
            {"datatype": "image-downloads", "format": "products:1.0", "path": "\(Self.productsPath)", \
            "updated": "\(updated)", "products": [\(names)]}}}

            """
        try scratch.write(productsJSON, to: "source/streams/v1/com.example:test:download.json")
        try scratch.write(indexJSON, to: "source/streams/v1/index.json")
        try await sign()
    }

    /// Signs `index.json` and the products `.json` with the upstream key (`key`, or another one).
    public func sign(with fingerprint: String? = nil) async throws {
        let key = fingerprint ?? keys.upstreamFingerprint
        let script = #"""
            set -e
            H="$1"; K="$2"; V="$3/streams/v1"
            for f in "$V"/*.json; do
                gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' --yes \
                    -u "$K!" --clearsign -o "${f%.json}.sjson" "$f"
                gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' --yes \
                    -u "$K!" --detach-sign -o "$f.gpg" "$f"
            done
            gpgconf --homedir "$H" --kill all
            """#
        try await Tool.run("/bin/sh", ["-c", script, "sh", home, key, root], check: true)
    }

    /// Stops the `gpg-agent` of ``home``.
    public func stopAgent() async throws {
        try await Tool.run("gpgconf", ["--homedir", home, "--kill", "all"], check: true)
    }

    /// Every file under `directory` (relative paths), skipping `.mirror`.
    public static func files(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.hasPrefix(".mirror") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// Every directory under `directory` (relative paths), skipping `.mirror`.
    public static func directories(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var directories: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.hasPrefix(".mirror") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                directories.append(path)
            }
        }
        return directories.sorted()
    }

    public static func sha256(_ bytes: [UInt8]) -> String {
        ContentDigest.compute(.sha256, of: bytes).hex
    }
}
