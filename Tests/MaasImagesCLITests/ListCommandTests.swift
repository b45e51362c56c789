import Testing

extension CLITests {
    /// `maas-images squashfs ls` (short, long, recursive) agrees with `unsquashfs -lln`.
    @Suite("squashfs ls")
    struct ListCommandTests {
        /// `unsquashfs -lln` of the fixture image, parsed, root line included (name "").
        private func unsquashfsListing() async throws -> [LongListingLine] {
            let fixture = try CLIFixture.require()
            let result = try await CommandRunner.run(
                "unsquashfs", ["-lln", "-d", "", fixture.image], environment: ["TZ": "UTC"], check: true)
            let lines = LongListingLine.parseAll(result.outputText)
            #expect(!lines.contains(nil), "unparsable unsquashfs line")
            return lines.compactMap { $0 }
        }

        /// Runs `maas-images squashfs ls ARGUMENTS` and parses the long lines.
        private func list(_ arguments: [String]) async throws -> [LongListingLine] {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "ls"] + arguments)
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            #expect(result.standardError.isEmpty)
            let lines = LongListingLine.parseAll(result.outputText)
            #expect(!lines.contains(nil), "unparsable line in:\n\(result.outputText)")
            return lines.compactMap { $0 }
        }

        @Test("ls -r -l equals unsquashfs -lln, line by line")
        func recursiveLong() async throws {
            let fixture = try CLIFixture.require()
            let expected = try await unsquashfsListing().filter { !$0.name.isEmpty }
            let actual = try await list(["-r", "-l", fixture.image])
            #expect(actual.map(\.name) == expected.map(\.name))
            for (line, want) in zip(actual, expected) {
                #expect(line == want, "\(line) != unsquashfs \(want)")
            }
            #expect(actual.contains { $0.name == "/dev/null" && $0.mode == "crw-rw-rw-" && $0.size == "1,3" })
            #expect(
                actual.contains { $0.name == "/usr/bin/tool" && $0.mode == "-rwsr-xr-x" && $0.owner == "1000/1000" })
            #expect(actual.contains { $0.name == "/etc/os-release" && $0.target == "../usr/lib/os-release" })
            #expect(actual.contains { $0.name == "/many" && $0.mode == "drwxrwxrwt" })
        }

        @Test("ls -l of a directory lists its children by name, like unsquashfs")
        func long() async throws {
            let fixture = try CLIFixture.require()
            let all = try await unsquashfsListing()
            for directory in ["/", "/etc", "/data", "/many"] {
                let prefix = directory == "/" ? "/" : directory + "/"
                let expected = all.filter {
                    $0.name.hasPrefix(prefix) && !$0.name.dropFirst(prefix.count).contains("/") && $0.name != prefix
                }.map { line -> LongListingLine in
                    var line = line
                    line.name = String(line.name.dropFirst(prefix.count))
                    return line
                }
                let actual = try await list(["-l", fixture.image, directory])
                #expect(actual == expected, "\(directory)")
            }
        }

        @Test("ls without -l prints names; -r prints full paths")
        func short() async throws {
            let fixture = try CLIFixture.require()
            let names = try await fixture.run(["squashfs", "ls", fixture.image, "/etc"])
            #expect(names.outputText == "hostname\nos-release\n")
            let recursive = try await fixture.run(["squashfs", "ls", "--recursive", fixture.image, "/data"])
            #expect(recursive.outputText.split(separator: "\n").allSatisfy { $0.hasPrefix("/data/") })
            #expect(recursive.outputText.contains("/data/with space.txt\n"))
            // A symbolic link to a directory is followed.
            let followed = try await fixture.run(["squashfs", "ls", fixture.image, "/etc/os-release"])
            #expect(followed.status == 0)
            #expect(followed.outputText.contains("os-release"))
        }

        @Test("ls -l of a file prints that one entry")
        func file() async throws {
            let fixture = try CLIFixture.require()
            let expected = try await unsquashfsListing().first { $0.name == "/data/random.bin" }
            let actual = try await list(["-l", fixture.image, "/data/random.bin"])
            #expect(actual.count == 1)
            #expect(actual.first?.size == "300001")
            #expect(actual.first?.mode == expected?.mode)
            #expect(actual.first?.time == expected?.time)
        }
    }
}
