import Foundation
import MirrorTestServer
import Testing

/// `maas-images demo`: the main job end to end on the sample mirror, from a directory and over HTTP, and the
/// failures that must stop it.
@Suite("maas-images demo")
struct DemoCommandTests {
    static let sampleMirror = ExamplesTests.mirror
    static let sampleKeyring = sampleMirror + "/keyring.gpg"

    /// The steps every successful run prints, in order.
    static let steps = [
        "1. Verify the stream's signatures", "2. List the boot resources",
        "3. Choose the boot set for ubuntu/noble amd64/generic (uefi)", "4. Mirror the boot set into ",
        "5. Look inside the squashfs", "6. Identify the boot files by content",
        "7. Configure an ESXi host's network (a sample MAAS configuration)", "Report",
    ]

    private func expectSuccess(_ result: CommandResult) throws {
        #expect(result.status == 0, "\(result.errorText)")
        let output = result.outputText
        var position = output.startIndex
        for step in Self.steps {
            guard let found = output.range(of: "\n" + step, range: position..<output.endIndex) else {
                Issue.record("missing or out of order: \(step)")
                return
            }
            position = found.upperBound
        }
        #expect(output.contains("   verified streams/v1/index.sjson: signed by "))
        #expect(output.contains("   ubuntu/noble amd64/ga-24.04: 2 versions, latest complete 20251201"))
        #expect(output.contains("   the same packages and versions as the published squashfs.manifest"))
        #expect(output.contains("   boot-kernel (boot-kernel): Linux kernel x86 bzImage 6.8.0-81-generic"))
        #expect(
            output.contains(
                "   esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l explicit"))
        #expect(output.contains("  mirror ") && output.contains("6 files, 175.5 KiB, every digest checked twice"))
        #expect(output.contains("  squashfs ") && output.contains("8 packages, equal to the published manifest"))
        // The temporary mirror is gone.
        let line = output.split(separator: "\n").first { $0.hasPrefix("4. Mirror the boot set into ") }
        let directory = line.map { String($0.dropFirst("4. Mirror the boot set into ".count)) } ?? ""
        #expect(!directory.isEmpty && !FileManager.default.fileExists(atPath: directory))
    }

    @Test("with no options: the sample mirror, from any directory")
    func sampleMirror() async throws {
        let result = try await CommandRunner.run(
            "sh", ["-c", "cd / && exec '\(try CommandRunner.maasImages())' demo"])
        try expectSuccess(result)
        #expect(result.outputText.contains("(the sample mirror shipped with the package)"))
    }

    @Test("--sample-mirror names the sample mirror; temporary files go under TMPDIR")
    func sampleMirrorOption() async throws {
        let directory = try TemporaryDirectory(prefix: "demo-tmpdir")
        defer { directory.remove() }
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["demo", "--sample-mirror", Self.sampleMirror],
            environment: ["TMPDIR": directory.path])
        try expectSuccess(result)
        #expect(
            result.outputText.contains("source:  \(Self.sampleMirror) (the sample mirror shipped with the package)"))
        #expect(result.outputText.contains("4. Mirror the boot set into \(directory.path)/maas-images-demo-"))
        let missing = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["demo", "--sample-mirror", directory.appending("nothing")])
        #expect(missing.status == 1)
        #expect(missing.errorText.hasPrefix("error: "), "\(missing.errorText)")
        #expect(missing.errorText.contains("nothing"), "\(missing.errorText)")
    }

    @Test("an installed tool finds PREFIX/share/maas-images/sample-mirror, and says when there is none")
    func installedLayout() async throws {
        let prefix = try TemporaryDirectory(prefix: "demo-installed")
        defer { prefix.remove() }
        let binary = prefix.appending("bin/maas-images")
        try FileManager.default.createDirectory(
            atPath: prefix.appending("bin"), withIntermediateDirectories: true)
        // A hard link where the file system allows it (the built binary is large), a copy otherwise.
        do {
            try FileManager.default.linkItem(atPath: try CommandRunner.maasImages(), toPath: binary)
        } catch {
            try FileManager.default.copyItem(atPath: try CommandRunner.maasImages(), toPath: binary)
        }
        let bare = try await CommandRunner.run(binary, ["demo"])
        #expect(bare.status == 1)
        #expect(bare.errorText.hasPrefix("error: the sample mirror was not found"), "\(bare.errorText)")
        #expect(bare.errorText.contains(prefix.appending("share/maas-images/sample-mirror")), "\(bare.errorText)")

        try FileManager.default.createDirectory(
            atPath: prefix.appending("share/maas-images"), withIntermediateDirectories: true)
        try await CommandRunner.run(
            "cp", ["-a", Self.sampleMirror, prefix.appending("share/maas-images/sample-mirror")], check: true)
        let installed = try await CommandRunner.run("sh", ["-c", "cd / && exec '\(binary)' demo"])
        try expectSuccess(installed)
        #expect(installed.outputText.contains("source:  \(prefix.appending("share/maas-images/sample-mirror"))"))
    }

    @Test("over HTTP: the same run against the loopback server serving the sample mirror")
    func overHTTP() async throws {
        let server = try await LoopbackHTTPServer.start(root: Self.sampleMirror)
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["demo", "--source", server.baseURL, "--keyring", Self.sampleKeyring])
        let requested = Set(server.requests.map(\.path))
        try await server.stop()
        try expectSuccess(result)
        #expect(requested.contains("noble/amd64/20251201/squashfs"))
        #expect(!requested.contains("noble/amd64/20251101/squashfs"))
    }

    @Test(
        "failures stop the demo with error: and status 1",
        arguments: [
            (["--release", "jammy"], "no-such-image"),
            (
                ["--keyring", ExamplesTests.root + "/Tests/VerificationTests/Fixtures/maas-images-keyring.gpg"],
                "index.sjson"
            ),
            (["--source", "/no/such/mirror", "--keyring", ExamplesTests.mirror + "/keyring.gpg"], "/no/such/mirror"),
        ])
    func failures(arguments: [String], message: String) async throws {
        let result = try await CommandRunner.run(try CommandRunner.maasImages(), ["demo"] + arguments)
        #expect(!result.crashed)
        #expect(result.status == 1)
        #expect(result.errorText.contains("error: "), "\(result.errorText)")
        #expect(result.errorText.contains(message), "\(result.errorText)")
    }

    @Test("a tampered payload stops the mirror step; a tampered document stops the first step")
    func tampering() async throws {
        let directory = try TemporaryDirectory(prefix: "demo-tampered")
        defer { directory.remove() }
        let copy = directory.appending("mirror")
        try await CommandRunner.run("cp", ["-a", Self.sampleMirror, copy], check: true)
        let kernel = copy + "/noble/amd64/20251201/ga-24.04/generic/boot-kernel"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: kernel))
        bytes[600] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: kernel))
        let payload = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["demo", "--source", copy, "--keyring", Self.sampleKeyring])
        #expect(payload.status == 1)
        #expect(payload.outputText.contains("4. Mirror the boot set"))
        #expect(!payload.outputText.contains("5. Look inside the squashfs"))
        #expect(payload.errorText.contains("boot-kernel"), "\(payload.errorText)")

        let document = copy + "/streams/v1/com.ubuntu.maas:stable:v3:download.sjson"
        let text = try String(contentsOfFile: document, encoding: .utf8)
        try text.replacingOccurrences(of: "20251201", with: "20251202").write(
            toFile: document, atomically: true, encoding: .utf8)
        let metadata = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["demo", "--source", copy, "--keyring", Self.sampleKeyring])
        #expect(metadata.status == 1)
        #expect(!metadata.outputText.contains("2. List the boot resources"))
        #expect(metadata.errorText.contains("com.ubuntu.maas:stable:v3:download.sjson"), "\(metadata.errorText)")
    }

    @Test("a squashfs whose packages differ from the published manifest is reported, not an error")
    func manifestDifference() async throws {
        let directory = try TemporaryDirectory(prefix: "demo-manifest")
        defer { directory.remove() }
        // The newest version publishes the older version's manifest, in a products document re-signed by a second
        // key; the keyring holds both keys.
        let script = #"""
            set -e
            cd "$1"
            cp -a "$2" mirror
            H="$1/home"
            mkdir -m 700 "$H"
            g() { gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
            g --quick-gen-key 'Re-signer <resign@example.org>' ed25519 sign 1y
            F=$(g --with-colons --list-keys resign@example.org | awk -F: '/^fpr/ { print $10; exit }')
            cp mirror/noble/amd64/20251101/squashfs.manifest mirror/noble/amd64/20251201/squashfs.manifest
            D=mirror/streams/v1/com.ubuntu.maas:stable:v3:download
            python3 - "$D.json" mirror/noble/amd64/20251201/squashfs.manifest <<'PY'
            import hashlib, json, sys
            document, manifest = sys.argv[1], sys.argv[2]
            data = json.load(open(document))
            item = data["products"]["com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"]["versions"]["20251201"]["items"]["manifest"]
            content = open(manifest, "rb").read()
            item["sha256"], item["size"] = hashlib.sha256(content).hexdigest(), len(content)
            json.dump(data, open(document, "w"), indent=1)
            PY
            rm -f "$D.sjson" "$D.json.gpg"
            g -u "$F!" --clearsign -o "$D.sjson" "$D.json"
            g -u "$F!" --detach-sign -o "$D.json.gpg" "$D.json"
            g --import mirror/keyring.gpg
            g --export > keyring.gpg
            gpgconf --homedir "$H" --kill all
            """#
        try await CommandRunner.run("sh", ["-c", script, "sh", directory.path, Self.sampleMirror], check: true)
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            ["demo", "--source", directory.appending("mirror"), "--keyring", directory.appending("keyring.gpg")])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.outputText.contains("   differs from the published squashfs.manifest:\n"))
        #expect(result.outputText.contains("     hello: 2.10-3ubuntu1 in the squashfs, 2.10-3 published\n"))
        #expect(
            result.outputText.contains(
                "8 packages; differs from the published manifest (0 added, 0 removed, 1 changed)"))
        #expect(result.outputText.contains("6. Identify the boot files by content"))
    }
}
