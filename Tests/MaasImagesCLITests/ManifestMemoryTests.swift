import Foundation
import Glibc
import Testing

/// `maas-images squashfs manifest` on hostile dpkg databases and seeds (issue 17, defects 1, 6 and 10): the peak
/// resident set of the process, measured by `/usr/bin/time` (a count of pages, which the machine's load does not
/// change; time is never asserted), stays small whatever shape the files have, and errors are short and printable.
@Suite("squashfs manifest: bounded memory and work")
struct ManifestMemoryTests {
    /// The peak resident set allowed, in bytes: the process needs about 20 MB; splitting a 32 MiB file of newlines
    /// into lines, as before, took more than 1 GB.
    static let peakLimit = 200 << 20

    /// Builds an image of the tree `files` (relative path → contents, written with `write`).
    static func image(
        _ files: [(String, (FileHandle) throws -> Void)], in directory: TemporaryDirectory,
        links: [(String, String)] = []
    ) async throws -> String {
        let root = directory.appending("root")
        for (path, write) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: full, contents: nil)
            let handle = try #require(FileHandle(forWritingAtPath: full))
            try write(handle)
            try handle.close()
        }
        for (link, target) in links {
            let full = root + "/" + link
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(Glibc.link(root + "/" + target, full) == 0, "link \(link)")
        }
        let image = directory.appending("root.sqfs")
        try await CommandRunner.run(
            "mksquashfs", [root, image, "-noappend", "-quiet", "-no-progress", "-comp", "gzip"], check: true)
        return image
    }

    /// Writes `count` bytes of `byte` in 1 MiB pieces.
    static func repeated(_ byte: UInt8, count: Int) -> (FileHandle) throws -> Void {
        { handle in
            let piece = Data(repeating: byte, count: 1 << 20)
            var left = count
            while left > 0 {
                let size = min(left, piece.count)
                try handle.write(contentsOf: piece.prefix(size))
                left -= size
            }
        }
    }

    static func text(_ text: String) -> (FileHandle) throws -> Void {
        { handle in try handle.write(contentsOf: Data(text.utf8)) }
    }

    static let dpkgStanza = "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n\n"

    /// Runs `maas-images squashfs manifest IMAGE` under `/usr/bin/time`; returns the result and the peak RSS.
    static func manifest(_ image: String, in directory: TemporaryDirectory) async throws -> (CommandResult, Int) {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"))
        let report = directory.appending("time")
        let result = try await CommandRunner.run(
            "/usr/bin/time", ["-o", report, "-f", "%M", try CommandRunner.maasImages(), "squashfs", "manifest", image])
        let text = try String(contentsOfFile: report, encoding: .utf8)
        let kibibytes = try #require(Int(text.split(separator: "\n").last ?? ""), "\(text)")
        return (result, kibibytes * 1024)
    }

    @Test("a dpkg status of 32 MiB of newlines gives an empty manifest in bounded memory")
    func newlineStatus() async throws {
        let directory = try TemporaryDirectory(prefix: "maas-images-manifest-memory")
        defer { directory.remove() }
        let image = try await Self.image(
            [("var/lib/dpkg/status", Self.repeated(0x0A, count: 32 << 20))], in: directory)
        let (result, peak) = try await Self.manifest(image, in: directory)
        #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)
        #expect(peak < Self.peakLimit, "peak RSS \(peak) bytes")
    }

    @Test("a status over the 64 MiB default is refused with a limit error before it is read")
    func oversizedStatus() async throws {
        let directory = try TemporaryDirectory(prefix: "maas-images-manifest-memory")
        defer { directory.remove() }
        let image = try await Self.image(
            [("var/lib/dpkg/status", Self.repeated(0x0A, count: (64 << 20) + 1))], in: directory)
        let (result, peak) = try await Self.manifest(image, in: directory)
        #expect(result.status == 1 && !result.crashed)
        #expect(
            result.errorText.contains("var/lib/dpkg/status is 67108865 bytes, over the limit"), "\(result.errorText)")
        #expect(peak < Self.peakLimit, "peak RSS \(peak) bytes")
    }

    @Test("a seed.yaml of 15 MiB of newlines and comments is read in bounded memory")
    func newlineSeed() async throws {
        let directory = try TemporaryDirectory(prefix: "maas-images-manifest-memory")
        defer { directory.remove() }
        let image = try await Self.image(
            [
                ("var/lib/dpkg/status", Self.text(Self.dpkgStanza)),
                (
                    "var/lib/snapd/seed/seed.yaml",
                    { handle in
                        try handle.write(contentsOf: Data("snaps:\n- name: lxd\n  channel: stable\n".utf8))
                        try Self.repeated(0x0A, count: 15 << 20)(handle)
                        try handle.write(contentsOf: Data("  file: lxd_24322.snap\n".utf8))
                    }
                ),
            ], in: directory)
        let (result, peak) = try await Self.manifest(image, in: directory)
        #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
        #expect(result.outputText == "dpkg\t1.21.22\nsnap:lxd\tstable\t24322\n")
        #expect(peak < Self.peakLimit, "peak RSS \(peak) bytes")
    }

    @Test("long seed.yaml keys and values give a short error")
    func longSeedLine() async throws {
        let directory = try TemporaryDirectory(prefix: "maas-images-manifest-memory")
        defer { directory.remove() }
        // A 512 KiB unknown key: the message does not quote it.
        let image = try await Self.image(
            [
                ("var/lib/dpkg/status", Self.text(Self.dpkgStanza)),
                (
                    "var/lib/snapd/seed/seed.yaml",
                    { handle in
                        try handle.write(contentsOf: Data("snaps:\n- name: lxd\n  ".utf8))
                        try Self.repeated(UInt8(ascii: "k"), count: 512 << 10)(handle)
                        try handle.write(contentsOf: Data(": x\n".utf8))
                    }
                ),
            ], in: directory)
        let (result, peak) = try await Self.manifest(image, in: directory)
        #expect(result.status == 1 && !result.crashed)
        // YAML allows implicit keys of at most 1024 characters: the reader stops at the key, with its line.
        #expect(result.errorText.contains("seed.yaml: line 3: not valid YAML"), "\(result.errorText.prefix(300))")
        #expect(result.standardError.count < 1024, "\(result.standardError.count) bytes of error")
        #expect(peak < Self.peakLimit, "peak RSS \(peak) bytes")

        // A 200 KB channel is refused by its length, without being quoted.
        let other = try TemporaryDirectory(prefix: "maas-images-manifest-memory")
        defer { other.remove() }
        let channel = String(repeating: "c/", count: 100_000)
        let longValue = try await Self.image(
            [
                ("var/lib/dpkg/status", Self.text(Self.dpkgStanza)),
                (
                    "var/lib/snapd/seed/seed.yaml",
                    Self.text("snaps:\n- name: lxd\n  channel: \(channel)\n  file: a_1\n")
                ),
            ], in: other)
        let (failed, _) = try await Self.manifest(longValue, in: other)
        #expect(failed.status == 1)
        #expect(
            failed.errorText.contains("snaps[0].channel: a value of more than 4096 bytes"),
            "\(failed.errorText.prefix(300))")
        #expect(failed.standardError.count < 1024, "\(failed.standardError.count) bytes of error")
    }

    @Test("1000 journal files hard-linked to one 1 MiB file stop at the manifest's byte budget")
    // One line of 1 MiB - 1 bytes without a colon: cheap to scan, so the budget, not the parsing, is what stops it.
    func hardLinkedJournal() async throws {
        let directory = try TemporaryDirectory(prefix: "maas-images-manifest-memory")
        defer { directory.remove() }
        let links = (1...999).map { ("var/lib/dpkg/updates/\($0)", "var/lib/dpkg/updates/0") }
        let image = try await Self.image(
            [
                ("var/lib/dpkg/status", Self.text(Self.dpkgStanza)),
                (
                    "var/lib/dpkg/updates/0",
                    { handle in
                        try Self.repeated(UInt8(ascii: "x"), count: (1 << 20) - 1)(handle)
                        try handle.write(contentsOf: Data([0x0A]))
                    }
                ),
            ], in: directory, links: links)
        let (result, peak) = try await Self.manifest(image, in: directory)
        #expect(result.status == 1 && !result.crashed)
        #expect(result.errorText.contains("add up to more than 134217728 bytes"), "\(result.errorText)")
        #expect(peak < Self.peakLimit, "peak RSS \(peak) bytes")
    }
}
