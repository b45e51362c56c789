import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs to-tar`: the archive on standard output or in `-o FILE` (temporary name, renamed when
    /// complete), compressed with `--compress`, restoring the image's tree with GNU tar.
    @Suite("squashfs to-tar")
    struct SquashFSToTarCommandTests {
        @Test("standard output and -o FILE hold the same archive; GNU tar restores the unsquashfs -d tree")
        func plainArchive() async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "to-tar")
            defer { directory.remove() }
            let toStandardOutput = try await fixture.run(["squashfs", "to-tar", fixture.image])
            #expect(toStandardOutput.status == 0 && !toStandardOutput.crashed, "\(toStandardOutput.errorText)")
            #expect(toStandardOutput.standardError.isEmpty)
            let output = directory.appending("out/root.tar")
            try FileManager.default.createDirectory(
                atPath: directory.appending("out"), withIntermediateDirectories: true)
            let toFile = try await fixture.run(["squashfs", "to-tar", fixture.image, "-o", output])
            #expect(toFile.status == 0, "\(toFile.errorText)")
            #expect(toFile.standardOutput.isEmpty)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: output))) == toStandardOutput.standardOutput)
            // Only the archive is left: the temporary name was renamed.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appending("out")) == ["root.tar"])

            let extracted = directory.appending("extracted")
            let reference = directory.appending("reference")
            try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
            try await CommandRunner.run(
                "tar", ["--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", output, "-C", extracted],
                check: true)
            try await CommandRunner.run("unsquashfs", ["-q", "-n", "-d", reference, fixture.image], check: true)
            let listing = { (root: String) async throws -> String in
                try await CommandRunner.run(
                    "find", [root, "-printf", "%P %y %m %U %G %T@ %s %l\n"], check: true
                ).outputText.split(separator: "\n").sorted().joined(separator: "\n")
            }
            #expect(try await listing(extracted) == listing(reference))
            for path in ["data/random.bin", "data/sparse.bin", "usr/bin/tool"] {
                let ours = try Data(contentsOf: URL(fileURLWithPath: extracted + "/" + path))
                let theirs = try Data(contentsOf: URL(fileURLWithPath: reference + "/" + path))
                #expect(ours == theirs, "\(path)")
            }
            let attribute = try await CommandRunner.run(
                "getfattr", ["--only-values", "-n", "user.comment", extracted + "/etc/hostname"], check: true)
            #expect(attribute.outputText == "hello")
        }

        @Test("--compress gzip, xz and zstd decompress to the plain archive", arguments: ["gzip", "xz", "zstd"])
        func compressed(_ tool: String) async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "to-tar-\(tool)")
            defer { directory.remove() }
            let plain = try await fixture.run(["squashfs", "to-tar", fixture.image])
            let output = directory.appending("root.tar.\(tool)")
            let result = try await fixture.run(
                ["squashfs", "to-tar", fixture.image, "--compress", tool, "--jobs", "2", "-o", output])
            #expect(result.status == 0, "\(result.errorText)")
            let decompressed = try await CommandRunner.run(tool, ["-dc", output], check: true)
            #expect(decompressed.standardOutput == plain.standardOutput)
            let again = try await fixture.run(["squashfs", "to-tar", fixture.image, "--compress", tool, "-j", "1"])
            #expect(again.standardOutput == Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        }

        @Test("--offset reads an image embedded in a larger file")
        func offset() async throws {
            let fixture = try CLIFixture.require()
            let plain = try await fixture.run(["squashfs", "to-tar", fixture.image])
            let embedded = try await fixture.run([
                "squashfs", "to-tar", fixture.embeddedImage, "--offset", String(CLIFixture.embeddedOffset),
            ])
            #expect(embedded.status == 0, "\(embedded.errorText)")
            #expect(embedded.standardOutput == plain.standardOutput)
        }

        @Test("a failure reports error: and leaves no file, not even a temporary one")
        func failureLeavesNothing() async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "to-tar-failure")
            defer { directory.remove() }
            // Not an image: the source tree's regular file.
            let result = try await fixture.run([
                "squashfs", "to-tar", fixture.source + "/data/random.bin", "-o", directory.appending("x.tar"),
            ])
            #expect(result.status == 1)
            #expect(result.errorText.hasPrefix("error: "))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        }

        @Test(
            "usage errors", arguments: [["--level", "3"], ["--compress", "zstd", "--level", "30"], ["--jobs", "0"]])
        func usageErrors(_ arguments: [String]) async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "to-tar", fixture.image] + arguments)
            // The package's usage errors exit with status 1 and an error: line, as its other errors do.
            #expect(result.status == 1 && !result.crashed, "\(arguments): \(result.status) \(result.errorText)")
            #expect(result.errorText.hasPrefix("error: "))
            #expect(result.standardOutput.isEmpty)
        }
    }
}
