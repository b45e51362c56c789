import Foundation
import Testing

/// Every `--json` output of `maas-images` writes its keys in snake_case, as simplestreams and MAAS do: no key, at
/// any depth, holds an upper-case letter.
@Suite("--json keys")
struct JSONKeysTests {
    static let mirror = ExamplesTests.mirror
    static let version = mirror + "/noble/amd64/20251201"

    /// Each command that has `--json`, on the sample mirror and its files.
    static let commands: [[String]] = [
        ["squashfs", "info", "--json", version + "/squashfs"],
        ["streams", "query", mirror, "--keyring", mirror + "/keyring.gpg", "-q", "--json"],
        ["boot", "list", mirror, "--keyring", mirror + "/keyring.gpg", "-q", "--json"],
        [
            "boot", "identify", "--json", version + "/ga-24.04/generic/boot-kernel",
            version + "/ga-24.04/generic/boot-initrd", version + "/squashfs", version + "/squashfs.manifest",
        ],
    ]

    /// Every key of `value`, at any depth.
    static func keys(_ value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.keys.map { $0 } + object.values.flatMap(keys)
        }
        if let array = value as? [Any] { return array.flatMap(keys) }
        return []
    }

    private func expectSnakeCaseKeys(_ arguments: [String]) async throws {
        let result = try await CommandRunner.run(try CommandRunner.maasImages(), arguments)
        #expect(result.status == 0 && !result.crashed, "\(arguments): \(result.errorText)")
        let value = try JSONSerialization.jsonObject(with: Data(result.standardOutput))
        let keys = Self.keys(value)
        #expect(!keys.isEmpty, "\(arguments)")
        let upperCase = keys.filter { $0.contains { $0.isUppercase } }
        #expect(upperCase.isEmpty, "\(arguments): \(upperCase)")
    }

    @Test("squashfs info, streams query, boot list and boot identify", arguments: commands)
    func commandKeys(arguments: [String]) async throws {
        try await expectSnakeCaseKeys(arguments)
    }

    @Test("esxi commands")
    func esxiCommands() async throws {
        let directory = try TemporaryDirectory(prefix: "json-keys")
        defer { directory.remove() }
        let path = directory.appending("curtin.cfg")
        try ESXiCommandsCommandTests.configuration.write(toFile: path, atomically: true, encoding: .utf8)
        try await expectSnakeCaseKeys([
            "esxi", "commands", path, "--nic", "vmnic0=52:54:00:00:00:01", "--nic", "vmnic1=52:54:00:00:00:02",
            "--json",
        ])
    }

    @Test("squashfs ls --json: every line of its JSON Lines")
    func listKeys() async throws {
        let arguments = ["squashfs", "ls", "-r", "--json", Self.version + "/squashfs"]
        let result = try await CommandRunner.run(try CommandRunner.maasImages(), arguments)
        #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
        let lines = result.standardOutput.split(separator: 0x0A)
        #expect(!lines.isEmpty)
        for line in lines {
            let keys = Self.keys(try JSONSerialization.jsonObject(with: Data(line)))
            #expect(keys.contains("path") && !keys.contains { $0.contains { $0.isUppercase } }, "\(keys)")
        }
    }

    @Test("every command with --json is covered")
    func coverage() async throws {
        // The commands of the tool that take --json, by their help; a new one must be added above.
        var covered = Set(Self.commands.map { $0.prefix(2).joined(separator: " ") })
        covered.insert("esxi commands")
        covered.insert("squashfs ls")
        for command in [
            "squashfs info", "squashfs ls", "squashfs cat", "squashfs extract", "squashfs manifest", "streams query",
            "streams mirror", "boot list", "boot set", "boot identify", "esxi commands", "verify signature",
            "verify checksum", "demo",
        ] {
            let help = try await CommandRunner.run(
                try CommandRunner.maasImages(), command.split(separator: " ").map(String.init) + ["--help"])
            #expect(help.status == 0, "\(command): \(help.errorText)")
            if help.outputText.contains("--json") {
                #expect(covered.contains(command), "\(command) has --json but is not checked")
            }
        }
    }
}
