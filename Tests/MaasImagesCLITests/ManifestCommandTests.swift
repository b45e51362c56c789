import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs manifest` prints what dpkg-query prints and compares with a published manifest.
    @Suite("squashfs manifest")
    struct ManifestCommandTests {
        /// Packs this machine's dpkg status file into an image; returns the image and dpkg-query's view of it.
        private func hostImage(in directory: TemporaryDirectory) async throws -> (image: String, expected: String) {
            let admin = directory.appending("root/var/lib/dpkg")
            try FileManager.default.createDirectory(atPath: admin, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "/var/lib/dpkg/status", toPath: admin + "/status")
            let image = directory.appending("root.sqfs")
            try await CommandRunner.run(
                "mksquashfs", [directory.appending("root"), image, "-noappend", "-quiet", "-no-progress"], check: true)
            let expected = try await CommandRunner.run("dpkg-query", ["--admindir=\(admin)", "--show"], check: true)
            return (image, expected.outputText)
        }

        @Test("output equals dpkg-query --show; --compare exits 0 when equal and 2 with a diff when not")
        func manifest() async throws {
            let directory = try TemporaryDirectory(prefix: "maas-images-manifest")
            defer { directory.remove() }
            let fixture = try CLIFixture.require()
            let (image, expected) = try await hostImage(in: directory)
            let result = try await fixture.run(["squashfs", "manifest", image])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            #expect(result.outputText == expected)

            let same = directory.appending("same.manifest")
            try Data(expected.utf8).write(to: URL(fileURLWithPath: same))
            let equal = try await fixture.run(["squashfs", "manifest", image, "--compare", same])
            #expect(equal.status == 0 && equal.standardOutput.isEmpty)

            let lines = expected.split(separator: "\n")
            let edited = ["zzz-extra\t1.0"] + lines.dropFirst().map(String.init)
            let other = directory.appending("other.manifest")
            try Data((edited.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: other))
            let differs = try await fixture.run(["squashfs", "manifest", image, "--compare", other])
            #expect(differs.status == 2)
            let first = try #require(lines.first?.split(separator: "\t").first)
            #expect(differs.outputText.contains("+ \(first)\t"))
            #expect(differs.outputText.contains("- zzz-extra\t1.0"))
        }

        @Test("seeded snaps are appended; --compare shows snap changes with their channel")
        func seededSnaps() async throws {
            let directory = try TemporaryDirectory(prefix: "maas-images-manifest")
            defer { directory.remove() }
            let fixture = try CLIFixture.require()
            let admin = directory.appending("root/var/lib/dpkg")
            let seed = directory.appending("root/var/lib/snapd/seed")
            for path in [admin, seed] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            try FileManager.default.copyItem(atPath: "/var/lib/dpkg/status", toPath: admin + "/status")
            let yaml = "snaps:\n- name: lxd\n  channel: 5.0/stable\n  file: lxd_24322.snap\n"
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: seed + "/seed.yaml"))
            let image = directory.appending("root.sqfs")
            try await CommandRunner.run(
                "mksquashfs", [directory.appending("root"), image, "-noappend", "-quiet", "-no-progress"], check: true)
            let dpkg = try await CommandRunner.run("dpkg-query", ["--admindir=\(admin)", "--show"], check: true)

            let result = try await fixture.run(["squashfs", "manifest", image])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            #expect(result.outputText == dpkg.outputText + "snap:lxd\t5.0/stable\t24322\n")

            let published = directory.appending("published.manifest")
            let text = dpkg.outputText + "snap:lxd\t5.0/stable\t24000\nsnap:core18\tstable\t1668\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: published))
            let differs = try await fixture.run(["squashfs", "manifest", image, "--compare", published])
            #expect(differs.status == 2 && !differs.crashed, "\(differs.errorText)")
            #expect(
                differs.outputText == "- snap:core18\tstable\t1668\n~ snap:lxd\t5.0/stable 24000 -> 5.0/stable 24322\n")
        }

        @Test("an image without a dpkg database is an error")
        func missingDatabase() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "manifest", fixture.image])
            #expect(result.status == 1 && !result.crashed)
            #expect(result.errorText.hasPrefix("error: ") && result.errorText.contains("no dpkg database"))
        }
    }
}
