import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs extract IMAGE DEST [PATH...]` writes the same tree as `unsquashfs -d DEST IMAGE
    /// [PATH...]` run as root, refuses unsafe destinations with `error:` and exit status 1, and `--force` extracts into
    /// a non-empty directory.
    @Suite("squashfs extract")
    struct ExtractCommandTests {
        /// A canonical description of a directory tree, line by line and sorted: each entry's type, mode, owner, size
        /// (not for directories), mtime with nanoseconds, link count and link target; device numbers; a SHA-256 of
        /// every regular file; hard-link groups; extended attributes (hex).
        static func describe(_ root: String) async throws -> [String] {
            let script = #"""
                set -e
                cd "$1"
                find . \( -type d -printf 'entry %p %y %m %U:%G - %T@ %n\n' \) \
                    -o -printf 'entry %p %y %m %U:%G %s %T@ %n %l\n'
                find . \( -type b -o -type c \) -exec stat -c 'device %n %t:%T' {} +
                find . -type f -exec sha256sum {} + | sed 's/^/content /'
                find . -type f -links +1 -printf 'inode %i %p\n'
                """#
            let listing = try await CommandRunner.run("/bin/sh", ["-c", script, "sh", root], check: true)
            var lines: [String] = []
            var groups: [String: [String]] = [:]
            for line in listing.outputText.split(separator: "\n").map(String.init) {
                if line.hasPrefix("inode ") {
                    let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
                    groups[parts[1], default: []].append(parts[2])
                } else {
                    lines.append(line)
                }
            }
            lines += groups.values.map { "hard-link group " + $0.sorted().joined(separator: " ") }
            let attributes = try await CommandRunner.run(
                "/bin/sh", ["-c", #"cd "$1" && getfattr -h -R -d -m - -e hex ."#, "sh", root], check: true)
            lines += attributes.outputText.components(separatedBy: "\n\n")
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
                .map { "xattrs " + $0.replacingOccurrences(of: "\n", with: " ") }
            return lines.sorted()
        }

        /// The lines of `actual` not in `expected` and the other way round, for a message.
        static func difference(_ expected: [String], _ actual: [String]) -> String {
            let missing = Set(expected).subtracting(actual).sorted().prefix(20)
            let extra = Set(actual).subtracting(expected).sorted().prefix(20)
            return "missing:\n" + missing.joined(separator: "\n") + "\nunexpected:\n" + extra.joined(separator: "\n")
        }

        /// Runs `unsquashfs -d` into a fresh directory and returns its description.
        static func reference(_ fixture: CLIFixture, _ name: String, _ arguments: [String] = [], paths: [String] = [])
            async throws -> [String]
        {
            let directory = fixture.directory.appending("reference-\(name)")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await CommandRunner.run(
                "unsquashfs", ["-q", "-n"] + arguments + ["-d", directory, fixture.image] + paths, check: true)
            return try await describe(directory)
        }

        @Test("the extracted tree equals unsquashfs -d")
        func wholeImage() async throws {
            let fixture = try CLIFixture.require()
            let destination = fixture.directory.appending("extract-whole")
            defer { try? FileManager.default.removeItem(atPath: destination) }
            let result = try await fixture.run(["squashfs", "extract", fixture.image, destination])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            #expect(!result.errorText.contains("error"), "\(result.errorText)")
            #expect(!result.outputText.isEmpty, "no summary printed")
            let expected = try await Self.reference(fixture, "whole")
            let actual = try await Self.describe(destination)
            #expect(actual == expected, "\(Self.difference(expected, actual))")
            // The fixture's tree really has the interesting parts.
            #expect(actual.contains { $0.hasPrefix("device ./dev/null ") })
            #expect(actual.contains { $0.hasPrefix("xattrs ") && $0.contains("user.comment") })
            #expect(actual.contains { $0.hasPrefix("entry ./usr/bin/tool f 4755 1000:1000 ") })
        }

        @Test("paths, --jobs 1 and --no-xattrs match unsquashfs with the same selection")
        func options() async throws {
            let fixture = try CLIFixture.require()
            let cases: [(name: String, ours: [String], theirs: [String], paths: [String])] = [
                ("paths", [], [], ["etc", "usr/bin"]),
                ("jobs-1", ["--jobs", "1"], [], []),
                ("no-xattrs", ["--no-xattrs"], ["-no-xattrs"], []),
            ]
            for (name, ours, theirs, paths) in cases {
                let destination = fixture.directory.appending("extract-\(name)")
                defer { try? FileManager.default.removeItem(atPath: destination) }
                let result = try await fixture.run(
                    ["squashfs", "extract"] + ours + [fixture.image, destination] + paths)
                #expect(result.status == 0 && !result.crashed, "\(name): \(result.errorText)")
                let expected = try await Self.reference(fixture, name, theirs, paths: paths)
                let actual = try await Self.describe(destination)
                #expect(actual == expected, "\(name): \(Self.difference(expected, actual))")
            }
        }

        @Test("--offset extracts an image embedded in a larger file")
        func offset() async throws {
            let fixture = try CLIFixture.require()
            let destination = fixture.directory.appending("extract-offset")
            defer { try? FileManager.default.removeItem(atPath: destination) }
            let result = try await fixture.run([
                "squashfs", "extract", "--offset", String(CLIFixture.embeddedOffset), fixture.embeddedImage,
                destination,
            ])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            let expected = try await Self.reference(fixture, "offset")
            let actual = try await Self.describe(destination)
            #expect(actual == expected, "\(Self.difference(expected, actual))")
        }

        @Test("a non-empty destination fails with error: and exit status 1; --force extracts into it")
        func nonEmptyDestination() async throws {
            let fixture = try CLIFixture.require()
            let destination = fixture.directory.appending("extract-non-empty")
            defer { try? FileManager.default.removeItem(atPath: destination) }
            try FileManager.default.createDirectory(atPath: destination + "/etc", withIntermediateDirectories: true)
            try Data("keep\n".utf8).write(to: URL(fileURLWithPath: destination + "/unrelated-file"))
            try Data("old hostname\n".utf8).write(to: URL(fileURLWithPath: destination + "/etc/hostname"))
            let before = try await Self.describe(destination)

            let refused = try await fixture.run(["squashfs", "extract", fixture.image, destination])
            #expect(!refused.crashed)
            #expect(refused.status == 1)
            #expect(refused.errorText.hasPrefix("error: "), "\(refused.errorText)")
            #expect(refused.standardOutput.isEmpty, "\(refused.outputText)")
            #expect(try await Self.describe(destination) == before, "a refused extraction changed the destination")

            let forced = try await fixture.run(["squashfs", "extract", "--force", fixture.image, destination])
            #expect(forced.status == 0 && !forced.crashed, "\(forced.errorText)")
            let expected = try await Self.reference(fixture, "forced")
            let actual = try await Self.describe(destination).filter { !$0.contains("./unrelated-file") }
            #expect(actual == expected, "\(Self.difference(expected, actual))")
            let kept = try Data(contentsOf: URL(fileURLWithPath: destination + "/unrelated-file"))
            #expect(kept == Data("keep\n".utf8))
        }

        @Test("a destination that is a symbolic link fails with error: and exit status 1, its target untouched")
        func symlinkDestination() async throws {
            let fixture = try CLIFixture.require()
            let target = fixture.directory.appending("extract-link-target")
            let link = fixture.directory.appending("extract-link")
            defer {
                try? FileManager.default.removeItem(atPath: link)
                try? FileManager.default.removeItem(atPath: target)
            }
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            for arguments in [[fixture.image, link], ["--force", fixture.image, link]] {
                let result = try await fixture.run(["squashfs", "extract"] + arguments)
                #expect(!result.crashed)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.errorText.hasPrefix("error: "), "\(result.errorText)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
            }
        }
    }
}
