import Foundation
import Testing

/// `maas-images boot list`, over the signed mirror of the real MAAS products documents (``SignedMaasMirror``).
@Suite("boot list")
struct BootListCommandTests {
    let mirror: SignedMaasMirror

    init() async throws {
        mirror = try await SignedMaasMirror()
    }

    /// The resource headings of a text listing (lines that do not start with a space).
    static func headings(_ text: String) -> [String] {
        text.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map(String.init)
    }

    @Test("Text: every resource with its latest complete version and its files; refusals on stderr")
    func text() async throws {
        let result = try await mirror.list([])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(
            Self.headings(result.outputText) == [
                "ubuntu/jammy  amd64/ga-22.04  alias=ubuntu/22.04  kflavor=generic  label=stable",
                "ubuntu/jammy  arm64/ga-22.04  alias=ubuntu/22.04  kflavor=generic  label=stable",
                "ubuntu/noble  amd64/ga-24.04  alias=ubuntu/24.04  kflavor=generic  label=stable",
                "ubuntu/noble  arm64/ga-24.04  alias=ubuntu/24.04  kflavor=generic  label=stable",
                "centos/centos70  amd64/generic  alias=centos/7.0  kflavor=generic  label=stable",
                "centos/8  amd64/generic  alias=centos/8  kflavor=generic  label=stable",
                "grub-efi-signed/uefi  amd64/generic  label=stable",
                "grub-efi/uefi  arm64/generic  label=stable",
                "grub-ieee1275/open-firmware  ppc64el/generic  label=stable",
                "pxelinux/pxe  i386/generic  label=stable",
            ])
        let lines = result.outputText.split(separator: "\n").map(String.init)
        let jammy = try #require(lines.firstIndex { $0.hasPrefix("ubuntu/jammy  amd64/") })
        #expect(lines[jammy + 1] == "  20250718  complete, bootable, installable")
        let files = lines[(jammy + 2)...].prefix { $0.hasPrefix("    ") }.map {
            $0.split(separator: "\t").map(String.init)
        }
        #expect(files.count == 4)
        #expect(
            files.map { $0[0].trimmingCharacters(in: .whitespaces) } == [
                "boot-initrd", "boot-kernel", "manifest", "squashfs",
            ])
        let kernel = try #require(files.first { $0[1] == "boot-kernel" })
        #expect(kernel[2] == "11708744" && kernel[3].hasPrefix("54fe42a379c1") && kernel[3].count == 64)
        #expect(kernel[4] == "jammy/amd64/20250718/ga-22.04/generic/boot-kernel")
        // Older versions are not listed.
        #expect(!result.outputText.contains("20250615"))
        #expect(result.outputText.contains("  20240622_01  complete, installable\n"))
        #expect(result.outputText.contains("  20231004.0  complete\n"))

        let refusals = result.errorText.split(separator: "\n").filter { $0.hasPrefix("refused: ") }
        #expect(refusals.count == 1, "\(result.errorText)")
        #expect(refusals.first?.hasPrefix("refused: com.ubuntu.maas.stable:1:pxelinux:pxe:amd64: ") == true)
        #expect(result.errorText.split(separator: "\n").filter { $0.hasPrefix("verified ") }.count == 4)
    }

    @Test(
        "Filters by os, release and architecture",
        arguments: [
            (
                ["--os", "ubuntu"],
                ["ubuntu/jammy amd64", "ubuntu/jammy arm64", "ubuntu/noble amd64", "ubuntu/noble arm64"]
            ),
            (["--release", "22.04"], ["ubuntu/jammy amd64", "ubuntu/jammy arm64"]),
            (["--release", "centos70"], ["centos/centos70 amd64"]),
            (["--os", "ubuntu", "--release", "noble", "--arch", "arm64"], ["ubuntu/noble arm64"]),
            (
                ["--arch", "amd64"],
                [
                    "ubuntu/jammy amd64", "ubuntu/noble amd64", "centos/centos70 amd64", "centos/8 amd64",
                    "grub-efi-signed/uefi amd64", "pxelinux/pxe i386",
                ]
            ),
            (["--arch", "ppc64el"], ["grub-ieee1275/open-firmware ppc64el"]),
            (["--os", "windows"], []),
        ])
    func filters(arguments: [String], expected: [String]) async throws {
        let result = try await mirror.list(arguments + ["-q"])
        #expect(result.status == 0, "\(result.errorText)")
        let found = Self.headings(result.outputText).map { line in
            let fields = line.components(separatedBy: "  ")
            return fields[0] + " " + (fields[1].split(separator: "/").first.map(String.init) ?? "")
        }
        #expect(found == expected)
    }

    @Test("--json: resources and refusals, parseable")
    func json() async throws {
        let result = try await mirror.list(["--json", "-q"])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(!result.errorText.contains("refused:"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [String: Any])
        let resources = try #require(object["resources"] as? [[String: Any]])
        #expect(resources.count == 10)
        let jammy = try #require(resources.first)
        #expect(jammy["name"] as? String == "ubuntu/jammy" && jammy["architecture"] as? String == "amd64/ga-22.04")
        #expect(jammy["product"] as? String == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04")
        #expect(jammy["latest_version"] as? String == "20250718")
        let latest = try #require(jammy["latest_complete_version"] as? [String: Any])
        #expect(latest["name"] as? String == "20250718" && latest["complete"] as? Bool == true)
        #expect((latest["files"] as? [[String: Any]])?.count == 4)
        #expect((latest["files"] as? [[String: Any]])?.first?["size"] is NSNumber)
        let refused = try #require(object["refused"] as? [[String: Any]])
        #expect(refused.count == 1)
        #expect(refused.first?["product"] as? String == "com.ubuntu.maas.stable:1:pxelinux:pxe:amd64")
        #expect((refused.first?["reason"] as? String)?.contains("i386") == true)
        let pxe = try #require(resources.first { $0["name"] as? String == "pxelinux/pxe" })
        #expect(pxe["bootloader_type"] as? String == "pxe" && pxe["alias"] == nil)
    }

    @Test("--no-verify reads the unsigned documents and says so")
    func noVerify() async throws {
        let result = try await mirror.list(["--no-verify", "--os", "centos"], verify: false)
        #expect(result.status == 0, "\(result.errorText)")
        #expect(Self.headings(result.outputText).count == 2)
        #expect(result.errorText.contains("unverified streams/v1/index.json"), "\(result.errorText)")
    }

    @Test("A tampered document fails with error: and exit status 1")
    func tampered() async throws {
        let copy = try await mirror.copy("tampered")
        let path = copy + "/streams/v1/com.ubuntu.maas:stable:v3:download.sjson"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"noble\"", with: "\"nobel\"").write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try await mirror.list([], source: copy)
        #expect(!result.crashed)
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.errorText.contains("error: "), "\(result.errorText)")
        #expect(result.errorText.contains("com.ubuntu.maas:stable:v3:download.sjson"), "\(result.errorText)")
    }

    @Test("Without a keyring the error says how to give one")
    func missingKeyring() async throws {
        try #require(
            access("/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg", F_OK) != 0,
            "the default keyring exists on this machine")
        let result = try await mirror.list([], verify: false)
        #expect(result.status == 1)
        #expect(result.errorText.contains("error: "), "\(result.errorText)")
        #expect(
            result.errorText.contains("--keyring") && result.errorText.contains("--no-verify"), "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)

        let absent = mirror.directory.appending("absent.gpg")
        let named = try await CommandRunner.run(mirror.maasImages, ["boot", "list", mirror.root, "--keyring", absent])
        #expect(named.status == 1)
        #expect(named.errorText.contains("absent.gpg"), "\(named.errorText)")
    }
}

extension SignedMaasMirror {
    /// Runs `maas-images boot list` on `source` (the mirror root by default) with `arguments`, trusting the mirror's
    /// keyring unless `verify` is false.
    func list(_ arguments: [String], source: String? = nil, verify: Bool = true) async throws -> CommandResult {
        let trust = verify ? ["--keyring", keyring] : []
        return try await CommandRunner.run(maasImages, ["boot", "list", source ?? root] + trust + arguments)
    }
}
