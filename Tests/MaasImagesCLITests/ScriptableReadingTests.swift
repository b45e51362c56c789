import Foundation
import Glibc
import Testing

extension CLITests {
    /// `squashfs ls --json`, `squashfs extract IMAGE DEST [PATTERN...] [--exclude PATTERN]...` and `squashfs cat IMAGE
    /// PATH...`, against unsquashfs (`-lln`, `-d DEST -ef -excf`, `-cat`).
    @Suite("squashfs scriptable reading")
    struct ScriptableReadingTests {
        /// One line of `ls --json`, decoded.
        struct Line: Decodable, Equatable {
            var path: String
            var pathBase64: String?
            var type: String
            var mode: String
            var uid: UInt32
            var gid: UInt32
            var size: UInt64
            var mtime: UInt32
            var linkCount: UInt32
            var inode: UInt32
            var linkTarget: String?
            var linkTargetBase64: String?
            var device: Device?

            struct Device: Decodable, Equatable {
                var major: UInt32
                var minor: UInt32
            }

            /// The path's exact bytes.
            var pathBytes: [UInt8] {
                pathBase64.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? Array(path.utf8)
            }
        }

        static func decode(_ output: [UInt8]) throws -> [Line] {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try output.split(separator: 0x0A).map { try decoder.decode(Line.self, from: Data($0)) }
        }

        @Test("ls -r --json has one line per entry with unsquashfs -lln's metadata")
        func listJSON() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "ls", "-r", "--json", fixture.image])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            let lines = try Self.decode(result.standardOutput)
            let reference = try await CommandRunner.run(
                "unsquashfs", ["-lln", "-d", "", fixture.image], environment: ["TZ": "UTC"], check: true)
            let expected = LongListingLine.parseAll(reference.outputText).compactMap { $0 }.filter { !$0.name.isEmpty }
            #expect(lines.map(\.path) == expected.map(\.name))
            for (line, want) in zip(lines, expected) {
                let kind: Character =
                    [
                        "directory": "d", "file": "-", "symlink": "l", "block_device": "b",
                        "character_device": "c", "fifo": "p", "socket": "s",
                    ][line.type] ?? "?"
                #expect(want.mode.first == kind, "\(line.path): \(line.type) vs \(want.mode)")
                #expect(want.owner == "\(line.uid)/\(line.gid)", "\(line.path)")
                let size = line.device.map { "\($0.major),\($0.minor)" } ?? String(line.size)
                #expect(want.size == size, "\(line.path)")
                #expect(want.target == line.linkTarget, "\(line.path)")
                #expect(Self.modeString(line) == want.mode, "\(line.path)")
            }
            let tool = try #require(lines.first { $0.path == "/usr/bin/tool" })
            #expect(tool.mode == "4755" && tool.uid == 1000 && tool.mtime == 1_600_000_000 && tool.size == 70_000)
            let null = try #require(lines.first { $0.path == "/dev/null" })
            #expect(null.type == "character_device" && null.device == Line.Device(major: 1, minor: 3))
            // Without -r: the directory's children, full paths; a file: itself.
            let etc = try await fixture.run(["squashfs", "ls", "--json", fixture.image, "/etc"])
            #expect(try Self.decode(etc.standardOutput).map(\.path) == ["/etc/hostname", "/etc/os-release"])
            let file = try await fixture.run(["squashfs", "ls", "--json", fixture.image, "/data/empty"])
            #expect(try Self.decode(file.standardOutput).map(\.path) == ["/data/empty"])
            let both = try await fixture.run(["squashfs", "ls", "--json", "-l", fixture.image])
            #expect(both.status != 0)
        }

        /// `drwxr-xr-x` from a line's type and four octal digits.
        static func modeString(_ line: Line) -> String {
            let type: Character =
                [
                    "directory": "d", "file": "-", "symlink": "l", "block_device": "b",
                    "character_device": "c", "fifo": "p", "socket": "s",
                ][line.type] ?? "?"
            let bits = Int(line.mode, radix: 8) ?? 0
            var result = String(type)
            for (shift, special, setChar) in [(6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")] {
                let triple = (bits >> shift) & 7
                result += triple & 4 != 0 ? "r" : "-"
                result += triple & 2 != 0 ? "w" : "-"
                let execute = triple & 1 != 0
                if bits & special != 0 {
                    result += execute ? setChar : setChar.uppercased()
                } else {
                    result += execute ? "x" : "-"
                }
            }
            return result
        }

        @Test("names that are not UTF-8 or hold controls round-trip through ls --json")
        func oddNames() async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "maas-images-json-names")
            defer { directory.remove() }
            let names: [[UInt8]] = [
                [0xFF, 0xFE, 0x41], Array("new\nline".utf8), Array("quote\"back\\slash".utf8),
                Array("escape\u{1B}[0m".utf8), Array("ünï-🙂".utf8), [0x7F, 0x80],
            ]
            let source = directory.appending("source")
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            for name in names {
                let path = (Array(source.utf8) + [0x2F] + name).map { CChar(bitPattern: $0) } + [0]
                let descriptor = Glibc.open(path, O_CREAT | O_WRONLY, 0o644)
                #expect(descriptor >= 0)
                Glibc.close(descriptor)
            }
            try FileManager.default.createSymbolicLink(
                atPath: source + "/link", withDestinationPath: String(decoding: [0x61, 0x62], as: UTF8.self))
            let image = directory.appending("names.sqfs")
            try await CommandRunner.run(
                "mksquashfs", [source, image, "-noappend", "-quiet", "-no-progress"], check: true)
            let result = try await fixture.run(["squashfs", "ls", "--json", image])
            #expect(result.status == 0, "\(result.errorText)")
            // One line per entry: no raw newline or control byte in the output.
            #expect(!result.standardOutput.contains { $0 < 0x20 && $0 != 0x0A })
            let lines = try Self.decode(result.standardOutput)
            let expected = (names.map { [0x2F] + $0 } + [Array("/link".utf8)]).sorted {
                $0.lexicographicallyPrecedes($1)
            }
            #expect(lines.map(\.pathBytes) == expected)
            #expect(lines.contains { $0.path == "/\\xff\\xfeA" && $0.pathBase64 == "L//+QQ==" })
            #expect(lines.filter { $0.pathBase64 != nil }.count == 2, "only the names that are not UTF-8")
            #expect(lines.first { $0.path == "/link" }?.linkTarget == "ab")
        }

        @Test("ls -r --json streams: peak memory stays far below the size of its output")
        func listStreams() async throws {
            let fixture = try CLIFixture.require()
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"))
            let directory = try TemporaryDirectory(prefix: "maas-images-json-stream")
            defer { directory.remove() }
            // 20,000 files below nine 200-byte directory names: about 2 KB of path per line, 40 MB of output from
            // 5 MB of metadata.
            let long = { (index: Int) in String(index) + String(repeating: "n", count: 200 - String(index).count) }
            var deepest = directory.appending("source")
            for level in 0..<9 { deepest += "/" + long(level) }
            try FileManager.default.createDirectory(atPath: deepest, withIntermediateDirectories: true)
            for index in 0..<20_000 {
                _ = FileManager.default.createFile(atPath: deepest + "/" + long(index), contents: nil)
            }
            let image = directory.appending("many.sqfs")
            try await CommandRunner.run(
                "mksquashfs", [directory.appending("source"), image, "-noappend", "-quiet", "-no-progress"],
                check: true)
            func peak(_ image: String) async throws -> (Int, Int) {
                let report = directory.appending("time")
                let output = directory.appending("output")
                let result = try await CommandRunner.run(
                    "/bin/sh",
                    [
                        "-c", "exec /usr/bin/time -o \"$1\" -f %M \"$2\" squashfs ls -r --json \"$3\" > \"$4\"", "sh",
                        report, fixture.maasImages, image, output,
                    ])
                #expect(result.status == 0, "\(result.errorText)")
                let text = try String(contentsOfFile: report, encoding: .utf8)
                let kibibytes = try #require(Int(text.split(separator: "\n").last ?? ""), "\(text)")
                let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int ?? 0
                return (kibibytes * 1024, size)
            }
            let (small, _) = try await peak(fixture.image)
            let (large, outputSize) = try await peak(image)
            #expect(outputSize > 40_000_000)
            #expect(large < small + outputSize / 2, "peak RSS \(large) bytes (\(small) on a tiny image)")
        }

        /// (arguments, unsquashfs include list, unsquashfs exclude list).
        static let extractCases: [([String], [String], [String])] = [
            (["etc/*", "many/file-1?"], ["etc/*", "many/file-1?"], []),
            (["--exclude", "many", "--exclude", "data/*.bin"], [], ["many", "data/*.bin"]),
            (["usr", "data/*", "--exclude", "data/with*"], ["usr", "data/*"], ["data/with*"]),
            (["/dev/[fn]*", "--exclude=/dev/f*"], ["dev/[fn]*"], ["dev/f*"]),
        ]

        @Test("extract with patterns and --exclude equals unsquashfs -ef -excf", arguments: extractCases)
        func extractPatterns(_ arguments: [String], _ include: [String], _ exclude: [String]) async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "maas-images-extract-patterns")
            defer { directory.remove() }
            let ours = directory.appending("ours")
            let reference = directory.appending("reference")
            var referenceArguments = ["-q", "-n", "-d", reference]
            if !include.isEmpty {
                try (include.joined(separator: "\n") + "\n").write(
                    toFile: directory.appending("include"), atomically: false, encoding: .utf8)
                referenceArguments += ["-ef", directory.appending("include")]
            }
            if !exclude.isEmpty {
                try (exclude.joined(separator: "\n") + "\n").write(
                    toFile: directory.appending("exclude"), atomically: false, encoding: .utf8)
                referenceArguments += ["-excf", directory.appending("exclude")]
            }
            try await CommandRunner.run("unsquashfs", referenceArguments + [fixture.image], check: true)
            let result = try await fixture.run(["squashfs", "extract", "-q", fixture.image, ours] + arguments)
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            let ourListing = try await Self.listing(ours)
            let referenceListing = try await Self.listing(reference)
            #expect(ourListing == referenceListing)
        }

        /// `find -printf` of a tree: path, type, mode, owner, size, mtime, link target.
        static func listing(_ root: String) async throws -> String {
            let result = try await CommandRunner.run(
                "find", [root, "-printf", "%P %y %m %U/%G %s %T@ %l\\n"], check: true)
            return result.outputText.split(separator: "\n").map { line -> String in
                // Directory sizes depend on the file system's allocation, not on the extraction.
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                guard fields.count > 4, fields[1] == "d" else { return String(line) }
                var copy = fields
                copy[4] = "-"
                return copy.joined(separator: " ")
            }.sorted().joined(separator: "\n")
        }

        @Test("extract fails before writing when a pattern selects nothing")
        func extractNothing() async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "maas-images-extract-nothing")
            defer { directory.remove() }
            let destination = directory.appending("out")
            let result = try await fixture.run(["squashfs", "extract", fixture.image, destination, "etc/*", "nope*"])
            #expect(result.status == 1)
            #expect(result.errorText.hasPrefix("error: ") && result.errorText.contains("nope*"), "\(result.errorText)")
            #expect(!FileManager.default.fileExists(atPath: destination))
        }

        @Test("cat writes several files one after the other")
        func catSeveral() async throws {
            let fixture = try CLIFixture.require()
            let paths = ["/etc/hostname", "/data/random.bin", "/data/empty", "/etc/os-release", "/many/file-3"]
            let result = try await fixture.run(["squashfs", "cat", fixture.image] + paths)
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            // unsquashfs 4.5.1 -cat fails on /etc/os-release (a relative link: "directory loop detected"); the
            // source tree is the reference.
            var expected: [UInt8] = []
            for path in paths {
                expected += Array(try Data(contentsOf: URL(fileURLWithPath: fixture.source + path)))
            }
            #expect(result.standardOutput == expected)
            // A missing path fails the command before anything is written.
            let failed = try await fixture.run(["squashfs", "cat", fixture.image, "/etc/hostname", "/missing"])
            #expect(failed.status == 1)
            #expect(failed.standardOutput.isEmpty)
            #expect(failed.errorText.hasPrefix("error: "))
        }
    }
}
