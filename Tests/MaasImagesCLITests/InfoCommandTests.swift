import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs info`, as text and as JSON, agrees with `unsquashfs -s`.
    @Suite("squashfs info")
    struct InfoCommandTests {
        /// The numbers `unsquashfs -s` reports, by label (`Number of inodes` -> value).
        private func unsquashfsStat(_ image: String) async throws -> [String: UInt64] {
            let output = try await CommandRunner.run("unsquashfs", ["-s", image], check: true).outputText
            var result: [String: UInt64] = [:]
            for line in output.split(separator: "\n") {
                for label in [
                    "Number of inodes", "Number of fragments", "Number of ids", "Block size", "Filesystem size",
                ]
                where line.hasPrefix(label + " ") {
                    result[label] = line.dropFirst(label.count + 1).split(separator: " ").first.flatMap { UInt64($0) }
                }
            }
            return result
        }

        @Test("text output names the compressor, block size and counts")
        func text() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "info", fixture.image])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            #expect(result.standardError.isEmpty)
            let stat = try await unsquashfsStat(fixture.image)
            let lines = Set(result.outputText.split(separator: "\n").map(String.init))
            #expect(lines.contains { $0.hasPrefix("compressor: xz") })
            #expect(lines.contains("block size: 131072"))
            #expect(lines.contains("inodes: \(stat["Number of inodes"] ?? 0)"))
            #expect(lines.contains("fragments: \(stat["Number of fragments"] ?? 0)"))
            #expect(lines.contains("ids: \(stat["Number of ids"] ?? 0)"))
            #expect(lines.contains("bytes used: \(stat["Filesystem size"] ?? 0)"))
            #expect(lines.contains("xattrs: yes"))
        }

        @Test("--json is valid JSON with the superblock's fields, keys in snake_case")
        func json() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "info", "--json", fixture.image])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput))
            let info = try #require(object as? [String: Any], "a JSON object")
            let stat = try await unsquashfsStat(fixture.image)
            #expect(info["compressor"] as? String == "xz")
            #expect((info["block_size"] as? NSNumber)?.uint64Value == 131_072)
            #expect((info["inode_count"] as? NSNumber)?.uint64Value == stat["Number of inodes"])
            #expect((info["fragment_count"] as? NSNumber)?.uint64Value == stat["Number of fragments"])
            #expect((info["id_count"] as? NSNumber)?.uint64Value == stat["Number of ids"])
            #expect((info["bytes_used"] as? NSNumber)?.uint64Value == stat["Filesystem size"])
            #expect(info["has_xattrs"] as? Bool == true)
            #expect(info["has_export_table"] as? Bool == true)
            let flags = try #require(info["flags"] as? [String])
            #expect(flags.contains("exportable"))
            #expect(flags.contains("duplicates-removed"))
            for key in ["inode_table_start", "directory_table_start", "id_table_start", "modification_time"] {
                #expect(info[key] is NSNumber, "\(key)")
            }
        }

        @Test("--offset reads an image embedded in a larger file")
        func offset() async throws {
            let fixture = try CLIFixture.require()
            let direct = try await fixture.run(["squashfs", "info", "--json", fixture.image])
            let embedded = try await fixture.run(
                ["squashfs", "info", "--json", "--offset", "\(CLIFixture.embeddedOffset)", fixture.embeddedImage])
            #expect(embedded.status == 0, "\(embedded.errorText)")
            #expect(embedded.outputText == direct.outputText)
            let listing = try await fixture.run(
                ["squashfs", "ls", "-r", "--offset", "\(CLIFixture.embeddedOffset)", fixture.embeddedImage])
            let directListing = try await fixture.run(["squashfs", "ls", "-r", fixture.image])
            #expect(listing.status == 0 && listing.outputText == directListing.outputText)
            let cat = try await fixture.run(
                [
                    "squashfs", "cat", "--offset", "\(CLIFixture.embeddedOffset)", fixture.embeddedImage,
                    "/data/random.bin",
                ])
            #expect(cat.standardOutput == CLIFixture.pseudoRandom(count: 300_001, seed: 2))
        }
    }
}
