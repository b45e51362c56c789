import Foundation
import MirrorTestServer
import TestSupport
import Testing

/// `maas-images streams remove`, `streams copy` and `streams mirror --hold/--unhold` on a MAAS-like stream, each
/// followed by `gpgv` on the re-signed metadata and by `boot set` finding a complete boot set.
@Suite("streams remove, copy, mirror --hold")
struct StreamsCurationCommandTests {
    static let stable = "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"
    static let candidate = "com.ubuntu.maas.candidate:v3:boot:24.04:amd64:ga-24.04"

    /// Replaces `stream`'s files with a MAAS stream of one noble amd64 ga-24.04 product (`label` stable or candidate)
    /// with complete `versions`, signed by the upstream key.
    static func writeMaas(
        _ stream: GeneratedMirror, label: String, versions: [String],
        updated: String = "Mon, 01 Dec 2025 00:00:00 +0000"
    ) async throws {
        try? FileManager.default.removeItem(atPath: stream.root)
        let contentID = "com.ubuntu.maas:\(label):v3:download"
        let product = "com.ubuntu.maas.\(label):v3:boot:24.04:amd64:ga-24.04"
        var versionObjects: [String: Any] = [:]
        for version in versions {
            var items: [String: Any] = [:]
            let files = [
                ("boot-kernel", "boot-kernel", "noble/amd64/\(version)/ga-24.04/generic/boot-kernel"),
                ("boot-initrd", "boot-initrd", "noble/amd64/\(version)/ga-24.04/generic/boot-initrd"),
                ("squashfs", "squashfs", "noble/amd64/\(version)/squashfs"),
                ("manifest", "manifest", "noble/amd64/\(version)/squashfs.manifest"),
            ]
            for (name, ftype, path) in files {
                let content = Array(String(repeating: "\(version) \(name)\n", count: 64).utf8)
                try stream.scratch.write(content, to: "source/" + path)
                items[name] = [
                    "ftype": ftype, "path": path, "size": content.count, "sha256": GeneratedMirror.sha256(content),
                ]
            }
            versionObjects[version] = ["items": items]
        }
        let products: [String: Any] = [
            "content_id": contentID, "datatype": "image-ids", "format": "products:1.0", "updated": updated,
            "products": [
                product: [
                    "arch": "amd64", "kflavor": "generic", "label": label, "os": "ubuntu", "release": "noble",
                    "release_codename": "Noble Numbat", "release_title": "24.04 LTS", "subarch": "ga-24.04",
                    "subarches": "generic,ga-24.04", "version": "24.04", "versions": versionObjects,
                ]
            ],
        ]
        let index: [String: Any] = [
            "format": "index:1.0", "updated": updated,
            "index": [
                contentID: [
                    "datatype": "image-ids", "format": "products:1.0", "path": "streams/v1/\(contentID).sjson",
                    "updated": updated, "products": [product],
                ]
            ],
        ]
        for (name, object) in [(contentID, products), ("index", index)] {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try stream.scratch.write([UInt8](data) + [0x0A], to: "source/streams/v1/\(name).json")
        }
        try await stream.sign()
    }

    /// The site's mirror: a MAAS stable stream mirrored with the site's key, and the commands run on it.
    struct Site {
        let stream: GeneratedMirror
        let maasImages: String
        var destination: String { stream.scratch.path + "/mirror" }
        var signing: [String] {
            ["--sign-key", stream.keys.mirrorFingerprint, "--gnupg-home", stream.home, "--quiet"]
        }

        init() async throws {
            stream = try await GeneratedMirror(versions: ["20250101"])
            maasImages = try CommandRunner.maasImages()
        }

        func run(_ arguments: [String]) async throws -> ToolResult {
            try await Tool.run(maasImages, arguments)
        }

        func mirror(_ extra: [String] = []) async throws -> ToolResult {
            try await run(
                ["streams", "mirror", stream.root, destination, "--keyring", stream.keys.keyring] + signing + extra)
        }

        /// The squashfs path of the boot set `boot set` chooses for noble amd64 from the mirror, verified with the
        /// site's key.
        func bootSetSquashfs(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String? {
            let result = try await run([
                "boot", "set", destination, "--keyring", stream.keys.mirrorKeyring, "--release", "noble", "--arch",
                "amd64", "--quiet",
            ])
            #expect(result.status == 0, "boot set: \(result.errorText)", sourceLocation: sourceLocation)
            return result.outputText.split(separator: "\n").first { $0.hasPrefix("squashfs\t") }
                .flatMap { $0.split(separator: "\t").last.map(String.init) }
        }

        /// `gpgv` verifies the published index and products document with the site's key, and `streams verify`
        /// finds the mirror intact.
        func expectSignedBySite(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let audit = try await run([
                "streams", "verify", destination, "--keyring", stream.keys.mirrorKeyring, "--quiet",
            ])
            #expect(
                audit.status == 0, "streams verify: \(audit.outputText)\(audit.errorText)",
                sourceLocation: sourceLocation)
            let streams = destination + "/streams/v1/"
            for document in ["index", "com.ubuntu.maas:stable:v3:download"] {
                let clear = try await Tool.run(
                    "gpgv", ["--keyring", stream.keys.mirrorKeyring, streams + document + ".sjson"])
                #expect(clear.status == 0, "\(document).sjson: \(clear.errorText)", sourceLocation: sourceLocation)
                let detached = try await Tool.run(
                    "gpgv",
                    [
                        "--keyring", stream.keys.mirrorKeyring, streams + document + ".json.gpg",
                        streams + document + ".json",
                    ])
                #expect(detached.status == 0, "\(document).json: \(detached.errorText)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("remove, copy (promote candidate to stable), hold and unhold: each re-signed and bootable")
    func curation() async throws {
        let site = try await Site()
        let candidateStream = try await GeneratedMirror(versions: ["20250101"])
        try await Self.writeMaas(candidateStream, label: "candidate", versions: ["20250301"])
        try await candidateStream.stopAgent()
        let outcome: Result<Void, any Error>
        do {
            try await Self.writeMaas(site.stream, label: "stable", versions: ["20250101", "20250201"])
            let mirrored = try await site.mirror()
            #expect(mirrored.status == 0, "\(mirrored.errorText)")
            #expect(try await site.bootSetSquashfs() == "noble/amd64/20250201/squashfs")

            // remove: DEST verified with the public key of --sign-key (no --keyring).
            let removed = try await site.run(
                ["streams", "remove", site.destination, "\(Self.stable)@20250201", "--prune-grace", "0"]
                    + site.signing)
            #expect(removed.status == 0, "\(removed.errorText)")
            try await site.expectSignedBySite()
            #expect(try await site.bootSetSquashfs() == "noble/amd64/20250101/squashfs")
            #expect(!FileManager.default.fileExists(atPath: site.destination + "/noble/amd64/20250201/squashfs"))

            let unknown = try await site.run(
                ["streams", "remove", site.destination, "\(Self.stable)@20991231"] + site.signing)
            #expect(unknown.status == 1)
            #expect(unknown.errorText.hasPrefix("error: ") && unknown.errorText.contains("20991231"))

            // copy: the candidate version is promoted into the stable product.
            let copied = try await site.run(
                [
                    "streams", "copy", candidateStream.root, site.destination, "\(Self.candidate)@20250301",
                    "--keyring", candidateStream.keys.keyring,
                ] + site.signing)
            #expect(copied.status == 0, "\(copied.errorText)")
            try await site.expectSignedBySite()
            #expect(try await site.bootSetSquashfs() == "noble/amd64/20250301/squashfs")

            // A version the source lacks: exit 1, nothing changed.
            let missing = try await site.run(
                [
                    "streams", "copy", candidateStream.root, site.destination, "\(Self.candidate)@20991231",
                    "--keyring", candidateStream.keys.keyring,
                ] + site.signing)
            #expect(missing.status == 1 && missing.errorText.hasPrefix("error: "))

            // hold: upstream publishes newer versions; the held one is the only one published.
            try await Self.writeMaas(
                site.stream, label: "stable", versions: ["20250101", "20250201", "20250401"],
                updated: "Tue, 02 Dec 2025 00:00:00 +0000")
            let held = try await site.mirror(["--hold", "\(Self.stable)@20250101"])
            #expect(held.status == 0, "\(held.errorText)")
            try await site.expectSignedBySite()
            #expect(try await site.bootSetSquashfs() == "noble/amd64/20250101/squashfs")
            let stillHeld = try await site.mirror()
            #expect(stillHeld.status == 0, "\(stillHeld.errorText)")
            #expect(try await site.bootSetSquashfs() == "noble/amd64/20250101/squashfs")

            // unhold: upstream's newest is taken again.
            let released = try await site.mirror(["--unhold", Self.stable])
            #expect(released.status == 0, "\(released.errorText)")
            try await site.expectSignedBySite()
            #expect(try await site.bootSetSquashfs() == "noble/amd64/20250401/squashfs")
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await site.stream.stopAgent()
        try outcome.get()
    }
}
