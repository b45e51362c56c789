import Foundation
import SquashFS
import Testing

/// The package manifest read from an image must be byte-identical to `dpkg-query --show` on the same root.
@Suite("Package manifest vs dpkg-query")
struct PackageManifestTests {
    /// Writes `files` (paths relative to the root) into a new root under `directory`, packs it with mksquashfs and
    /// returns the root and the image paths.
    private func makeImage(in directory: TemporaryDirectory, files: [String: String]) async throws -> (String, String) {
        let root = directory.appending("root")
        for (path, contents) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        let image = directory.appending("root.sqfs")
        try await ProcessRunner.run("mksquashfs", [root, image, "-comp", "xz", "-noappend", "-quiet", "-no-progress"])
        return (root, image)
    }

    private func dpkgQuery(root: String) async throws -> String {
        try await ProcessRunner.run("dpkg-query", ["--admindir=\(root)/var/lib/dpkg", "--show"]).outputText
    }

    @Test("a synthetic database with every state, multi-arch, foreign packages, epochs and pending updates")
    func syntheticDatabase() async throws {
        let native = try await ProcessRunner.run("dpkg", ["--print-architecture"]).outputText
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let foreign = native == "arm64" ? "amd64" : "arm64"
        let status = """
            Package: dpkg
            Status: install ok installed
            Architecture: \(native)
            Version: 1.21.22

            Package: libc6
            Status: install ok installed
            Architecture: \(native)
            Multi-Arch: same
            Version: 2.36-9

            Package: libc6
            Status: install ok installed
            Architecture: i386
            Multi-Arch: same
            Version: 2.36-9

            Package: Uppercase
            status: install ok installed
            architecture: all
            version: 0:1.0-1
            Description: a package
             with a long
             .
             description

            Package: removed
            Status: deinstall ok config-files
            Architecture: \(native)
            Version: 3:2.0

            Package: purged
            Status: purge ok not-installed
            Architecture: \(native)

            Package: foreign-tool
            Status: install ok unpacked
            Architecture: \(foreign)
            Version: 5.0

            Package: half
            Status: install reinstreq half-installed
            Architecture: \(native)
            Version: 1

            Package: configuring
            Status: install ok half-configured
            Architecture: \(native)
            Version: 2

            Package: held
            Status: hold ok installed
            Architecture: \(native)
            Version: 7.1~rc1

            Package: updated
            Status: install ok installed
            Architecture: \(native)
            Version: 1.0

            """
        let updates = """
            Package: updated
            Status: install ok installed
            Architecture: \(native)
            Version: 1.1

            Package: new-from-journal
            Status: install ok unpacked
            Architecture: all
            Version: 0.1

            """
        let later = """
            Package: updated
            Status: install ok installed
            Architecture: \(native)
            Version: 1.2

            """
        try await withTemporaryDirectory { directory in
            let (root, image) = try await makeImage(
                in: directory,
                files: [
                    "var/lib/dpkg/status": status, "var/lib/dpkg/updates/0001": updates,
                    "var/lib/dpkg/updates/0010": later, "var/lib/dpkg/updates/tmp.i": "garbage",
                ])
            let expected = try await dpkgQuery(root: root)
            let manifest = try SquashFSImage(path: image).packageManifest()
            #expect(manifest.text == expected)
            #expect(manifest.entries.contains(.init(name: "updated", version: "1.2")))
            #expect(manifest.entries.contains(.init(name: "libc6:i386", version: "2.36-9")))
            #expect(!manifest.entries.contains { $0.name == "purged" })
        }
    }

    @Test("this machine's own dpkg database")
    func hostDatabase() async throws {
        let status = try String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8)
        try await withTemporaryDirectory { directory in
            let (root, image) = try await makeImage(in: directory, files: ["var/lib/dpkg/status": status])
            let expected = try await dpkgQuery(root: root)
            let manifest = try SquashFSImage(path: image).packageManifest()
            #expect(manifest.text == expected)
            #expect(manifest.entries.count > 50)
            // The manifest round-trips through the published format and compares equal to itself.
            let published = try PackageManifest(parsing: expected)
            #expect(published == manifest)
            #expect(manifest.difference(from: published).isEmpty)
        }
    }

    @Test("an image without a dpkg database gives notFound")
    func missingDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let (_, image) = try await makeImage(in: directory, files: ["etc/hostname": "host\n"])
            let error = try #require(throws: SquashFSError.self) { try SquashFSImage(path: image).packageManifest() }
            #expect(error.code == .notFound)
            #expect(error.message.contains("no dpkg database"))
        }
    }

    @Test("published manifests: parsing, snap lines and differences")
    func publishedManifests() throws {
        let old = try PackageManifest(
            parsing: "bash\t5.1\ncurl\t7.0\nsnap:lxd\tlatest/stable\t24322\n\nzlib1g:amd64\t1.2\n")
        #expect(old.entries.count == 4)
        #expect(old.entries[2] == .init(name: "snap:lxd", version: "latest/stable"))
        let new = try PackageManifest(parsing: "bash\t5.2\nvim\t9.0\nzlib1g:amd64\t1.2\r\n")
        let difference = new.difference(from: old)
        #expect(difference.added == [.init(name: "vim", version: "9.0")])
        #expect(difference.removed.map(\.name) == ["curl", "snap:lxd"])
        #expect(difference.changed == [.init(name: "bash", oldVersion: "5.1", newVersion: "5.2")])
        #expect(throws: SquashFSError.self) { try PackageManifest(parsing: "no tab here\n") }
    }
}
