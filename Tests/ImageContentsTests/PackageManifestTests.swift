import Foundation
import ImageContents
import SquashFS
import TestSupport
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
            let manifest = try PackageManifest(of: SquashFSImage(path: image))
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
            let manifest = try PackageManifest(of: SquashFSImage(path: image))
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
            let error = try #require(throws: ImageContentsError.self) {
                try PackageManifest(of: SquashFSImage(path: image))
            }
            #expect(error.code == .notFound)
            #expect(error.message.contains("no dpkg database"))
        }
    }

    @Test("published manifests: parsing, snap lines and differences")
    func publishedManifests() throws {
        let old = try PackageManifest(
            parsing: "bash\t5.1\ncurl\t7.0\nsnap:lxd\tlatest/stable\t24322\n\nzlib1g:amd64\t1.2\n")
        #expect(old.entries.count == 4)
        #expect(old.entries[2] == .init(snap: "lxd", channel: "latest/stable", revision: "24322"))
        #expect(old.snaps.map(\.line) == ["snap:lxd\tlatest/stable\t24322"])
        let new = try PackageManifest(parsing: "bash\t5.2\nvim\t9.0\nzlib1g:amd64\t1.2\r\n")
        let difference = new.difference(from: old)
        #expect(difference.added == [.init(name: "vim", version: "9.0")])
        #expect(difference.removed.map(\.name) == ["curl", "snap:lxd"])
        #expect(difference.changed == [.init(name: "bash", oldVersion: "5.1", newVersion: "5.2")])
        #expect(throws: ImageContentsError.self) { try PackageManifest(parsing: "no tab here\n") }
        for bad in ["snap:\t1\n", "snap:lxd\tstable\t1\textra\n", "snap:lxd\t\t1\n", "snap:lxd\tstable\t\n"] {
            let error = try #require(throws: ImageContentsError.self) {
                try PackageManifest(parsing: "bash\t5.2\n" + bad)
            }
            #expect(error.code == .invalidManifest && error.message.contains("line 2"), "\(error)")
        }
    }

    /// The lines snap-seed-parse appends for ``SnapSeedTests/livecdRootfsSeed``.
    static let snapLines =
        "snap:core20\tlatest/stable\t1974\nsnap:lxd\t5.0/stable/ubuntu-22.04\t24322\nsnap:snapd\tstable\t21759\n"

    @Test("seeded snaps follow the dpkg lines, as livecd-rootfs create_manifest appends them")
    func seededSnaps() async throws {
        let status = try String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8)
        try await withTemporaryDirectory { directory in
            let (root, image) = try await makeImage(
                in: directory,
                files: ["var/lib/dpkg/status": status, "var/lib/snapd/seed/seed.yaml": SnapSeedTests.livecdRootfsSeed])
            let dpkg = try await dpkgQuery(root: root)
            let manifest = try PackageManifest(of: SquashFSImage(path: image))
            #expect(manifest.text == dpkg + Self.snapLines)
            #expect(manifest.snaps.map(\.snapName) == ["core20", "lxd", "snapd"])
            #expect(manifest.entries.prefix { !$0.isSnap }.allSatisfy { $0.kind == .package })
            #expect(manifest.entries.count == manifest.snaps.count + dpkg.split(separator: "\n").count)

            // Round trip through the published format.
            let published = try PackageManifest(parsing: manifest.text)
            #expect(published == manifest)
            #expect(manifest.difference(from: published).isEmpty)

            // A two-column snap line with the same revision is no change; a channel or revision change is.
            let older = try PackageManifest(
                parsing: dpkg
                    + "snap:core20\t1974\nsnap:lxd\t5.0/stable/ubuntu-22.04\t24000\nsnap:snapd\tlatest/stable\t21759\n"
                    + "snap:old\tstable\t1\n")
            let difference = manifest.difference(from: older)
            #expect(difference.added.isEmpty)
            #expect(difference.removed == [.init(snap: "old", channel: "stable", revision: "1")])
            #expect(
                difference.changed == [
                    .init(
                        old: .init(snap: "lxd", channel: "5.0/stable/ubuntu-22.04", revision: "24000"),
                        new: .init(snap: "lxd", channel: "5.0/stable/ubuntu-22.04", revision: "24322")),
                    .init(
                        old: .init(snap: "snapd", channel: "latest/stable", revision: "21759"),
                        new: .init(snap: "snapd", channel: "stable", revision: "21759")),
                ])
            #expect(difference.changed.first?.oldVersion == "24000" && difference.changed.first?.name == "snap:lxd")
            // Without the snap lines, the published manifest lacks all three.
            let packagesOnly = try PackageManifest(parsing: dpkg)
            #expect(manifest.difference(from: packagesOnly).added.map(\.line) == manifest.snaps.map(\.line))
        }
    }

    @Test("a seed.yaml that cannot be read fails the manifest with its line")
    func badSeed() async throws {
        try await withTemporaryDirectory { directory in
            let (_, image) = try await makeImage(
                in: directory,
                files: [
                    "var/lib/dpkg/status":
                        "Package: dpkg\nStatus: install ok installed\nArchitecture: all\nVersion: 1\n",
                    "var/lib/snapd/seed/seed.yaml": "snaps:\n  - name: lxd\n    channel: stable\n    file: lxd.snap\n",
                ])
            let error = try #require(throws: ImageContentsError.self) {
                try PackageManifest(of: SquashFSImage(path: image))
            }
            #expect(error.code == .corrupt)
            #expect(
                error.message.contains("/var/lib/snapd/seed/seed.yaml: line 4: snaps[0].file: no revision"), "\(error)")
        }
    }
}
