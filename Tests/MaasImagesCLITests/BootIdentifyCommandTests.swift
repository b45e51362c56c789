import Foundation
import Testing

/// `maas-images boot identify`: the line and JSON formats, `--expect` and unreadable files.
@Suite("maas-images boot identify")
struct BootIdentifyCommandTests {
    /// A scratch directory with a gzip'd cpio initrd, a device tree and a manifest.
    private func makeFiles() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "boot-identify")
        try await CommandRunner.run(
            "sh",
            [
                "-c",
                "cd '\(directory.path)' && mkdir -p root/etc && echo hi > root/etc/motd"
                    + " && (cd root && find . | cpio -o -H newc 2>/dev/null) | gzip -c > initrd"
                    + " && printf '/dts-v1/;\\n/ { model = \"Board\"; compatible = \"a,b\"; };\\n' > b.dts"
                    + " && dtc -q -I dts -O dtb -o board.dtb b.dts && printf 'bash\\t5.2-1\\nzstd\\t1.5\\n' > manifest",
            ], check: true)
        return directory
    }

    @Test("one tab-separated line per file: path, kind, architecture, summary")
    func lines() async throws {
        let directory = try await makeFiles()
        defer { directory.remove() }
        let initrd = directory.appending("initrd")
        let dtb = directory.appending("board.dtb")
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["boot", "identify", initrd, dtb, "/bin/true"], check: true)
        let lines = result.outputText.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(lines.count == 3)
        #expect(lines[0] == [initrd, "initrd", "-", "initrd: gzip-compressed cpio newc, 3 members"])
        #expect(lines[1].prefix(3) == [dtb, "deviceTree", "-"])
        #expect(lines[1].last?.contains("model \"Board\"") == true)
        #expect(lines[2].prefix(3) == ["/bin/true", "elfExecutable", "amd64"] || lines[2][1] == "elfExecutable")
        #expect(result.errorText.isEmpty)
    }

    @Test("--json prints an array of objects with details as an object")
    func json() async throws {
        let directory = try await makeFiles()
        defer { directory.remove() }
        let initrd = directory.appending("initrd")
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["boot", "identify", "--json", initrd, directory.appending("manifest")],
            check: true)
        let parsed = try JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [[String: Any]]
        let objects = try #require(parsed)
        #expect(objects.count == 2)
        #expect(objects[0]["path"] as? String == initrd)
        #expect(objects[0]["kind"] as? String == "initrd")
        #expect(objects[0]["compression"] as? String == "gzip")
        #expect(objects[0]["architecture"] is NSNull)
        #expect((objects[0]["details"] as? [String: String])?["members"] == "3")
        #expect(objects[1]["kind"] as? String == "packageManifest")
        #expect((objects[1]["details"] as? [String: String])?["packages"] == "2")
        #expect(objects[1]["summary"] as? String == "package manifest, 2 packages")
    }

    @Test("--expect: matches pass; a mismatch is reported after the other files and exits 1")
    func expect() async throws {
        let directory = try await makeFiles()
        defer { directory.remove() }
        let initrd = directory.appending("initrd")
        let dtb = directory.appending("board.dtb")
        let binary = try CommandRunner.maasImages()
        let good = try await CommandRunner.run(binary, ["boot", "identify", "--expect", "boot-initrd", initrd])
        #expect(good.status == 0)
        let bad = try await CommandRunner.run(binary, ["boot", "identify", "--expect", "boot-kernel", dtb, initrd])
        #expect(bad.status == 1)
        #expect(!bad.crashed)
        #expect(bad.outputText.split(separator: "\n").count == 2)
        #expect(bad.errorText.contains("error: \(dtb): expected boot-kernel, found device tree blob v17"))
        #expect(bad.errorText.contains("error: \(initrd): expected boot-kernel, found initrd: gzip-compressed"))
        let unknownType = try await CommandRunner.run(binary, ["boot", "identify", "--expect", "kernel", initrd])
        #expect(unknownType.status != 0)
        #expect(unknownType.errorText.contains("not a boot file type"))
    }

    @Test("an unreadable file is an error, after the others are printed")
    func unreadable() async throws {
        let directory = try await makeFiles()
        defer { directory.remove() }
        let missing = directory.appending("missing")
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["boot", "identify", missing, directory.appending("board.dtb")])
        #expect(result.status == 1)
        #expect(result.errorText.hasPrefix("error: \(missing): cannot open"))
        #expect(result.outputText.contains("deviceTree"))
    }
}
