import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs diff`: text and JSON output, and the exit status of diff(1).
    @Suite("squashfs diff")
    struct SquashFSDiffCommandTests {
        private static func stanza(_ name: String, _ version: String) -> String {
            "Package: \(name)\nStatus: install ok installed\nArchitecture: amd64\nVersion: \(version)\n\n"
        }

        /// Two images: `new` upgrades `alpha`, adds `gamma`, drops `beta`, changes a file's bytes and mode, adds a
        /// directory and removes a file.
        private func images(in directory: TemporaryDirectory) async throws -> (old: String, new: String) {
            for (name, status) in [
                ("old", Self.stanza("alpha", "1.0") + Self.stanza("beta", "2.0")),
                ("new", Self.stanza("alpha", "1.1") + Self.stanza("gamma", "0.1")),
            ] {
                let root = directory.appending(name)
                try FileManager.default.createDirectory(
                    atPath: root + "/var/lib/dpkg", withIntermediateDirectories: true)
                try Data(status.utf8).write(to: URL(fileURLWithPath: root + "/var/lib/dpkg/status"))
                try Data("hello\n".utf8).write(to: URL(fileURLWithPath: root + "/greeting"))
                try Data("keep\n".utf8).write(to: URL(fileURLWithPath: root + "/same"))
            }
            let (old, new) = (directory.appending("old"), directory.appending("new"))
            try Data("gone\n".utf8).write(to: URL(fileURLWithPath: old + "/gone"))
            try Data("hellO\n".utf8).write(to: URL(fileURLWithPath: new + "/greeting"))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: new + "/same")
            try FileManager.default.createDirectory(atPath: new + "/added", withIntermediateDirectories: true)
            for root in [old, new] {
                try await CommandRunner.run(
                    "mksquashfs", [root, root + ".sqfs", "-comp", "xz", "-noappend", "-quiet", "-no-progress"],
                    check: true)
            }
            return (old + ".sqfs", new + ".sqfs")
        }

        @Test("text output, JSON output, --packages-only; exit 1 when different, 0 when equal")
        func difference() async throws {
            let directory = try TemporaryDirectory(prefix: "maas-images-diff")
            defer { directory.remove() }
            let fixture = try CLIFixture.require()
            let (old, new) = try await images(in: directory)

            let text = try await fixture.run(["squashfs", "diff", old, new])
            #expect(text.status == 1 && !text.crashed, "\(text.errorText)")
            #expect(
                text.outputText == """
                    + gamma:amd64 0.1
                    - beta:amd64 2.0
                    ~ alpha:amd64 1.0 -> 1.1
                    + /added
                    - /gone
                    ~ /greeting: content
                    ~ /same: mode
                    ~ /var/lib/dpkg/status: size, content

                    """)

            let json = try await fixture.run(["squashfs", "diff", old, new, "--json"])
            #expect(json.status == 1)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
            let packages = try #require(object["packages"] as? [String: Any])
            let changed = try #require(packages["changed"] as? [[String: String]])
            #expect(
                changed == [["name": "alpha", "architecture": "amd64", "old_version": "1.0", "new_version": "1.1"]])
            #expect((packages["added"] as? [[String: String]])?.map { $0["name"] } == ["gamma"])
            let files = try #require(object["files"] as? [String: Any])
            #expect(files["added"] as? [String] == ["/added"])
            #expect(files["removed"] as? [String] == ["/gone"])
            let changedFiles = try #require(files["changed"] as? [[String: Any]])
            #expect(changedFiles.first?["path"] as? String == "/greeting")
            #expect(changedFiles.first?["changes"] as? [String] == ["content"])

            let packagesOnly = try await fixture.run(["squashfs", "diff", old, new, "--packages-only", "--json"])
            #expect(packagesOnly.status == 1)
            let packagesObject = try #require(
                try JSONSerialization.jsonObject(with: Data(packagesOnly.standardOutput)) as? [String: Any])
            #expect(packagesObject["files"] == nil)

            let same = try await fixture.run(["squashfs", "diff", old, old])
            #expect(same.status == 0 && same.standardOutput.isEmpty, "\(same.errorText)")
            let sameJSON = try await fixture.run(["squashfs", "diff", old, old, "--json", "--mtime"])
            #expect(sameJSON.status == 0)
        }

        @Test("errors exit 2: a missing image, a file that is not squashfs, a usage error")
        func errors() async throws {
            let directory = try TemporaryDirectory(prefix: "maas-images-diff-errors")
            defer { directory.remove() }
            let fixture = try CLIFixture.require()
            let notImage = directory.appending("not-an-image")
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: notImage))
            let missing = try await fixture.run(["squashfs", "diff", directory.appending("missing"), notImage])
            #expect(missing.status == 2 && !missing.crashed)
            #expect(missing.errorText.hasPrefix("error: "))
            let invalid = try await fixture.run(["squashfs", "diff", notImage, notImage])
            #expect(invalid.status == 2 && invalid.errorText.hasPrefix("error: "))
            let usage = try await fixture.run(["squashfs", "diff", notImage])
            #expect(usage.status == 2)
        }
    }
}
