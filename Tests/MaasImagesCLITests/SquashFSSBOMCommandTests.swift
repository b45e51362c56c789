import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs sbom`: the documents it writes pass the formats' validators (from the venv `make deps`
    /// creates), are reproducible, and record the image's SHA-256 given or computed.
    @Suite("squashfs sbom")
    struct SquashFSSBOMCommandTests {
        static let python: String = {
            let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            return repository.appendingPathComponent(".build/sbom-venv/bin/python3").path
        }()

        /// Validates the document at `path` (`cyclonedx` or `spdx`); prints its package URLs.
        static let validator = """
            import json, sys
            kind, path = sys.argv[1], sys.argv[2]
            if kind == "cyclonedx":
                from cyclonedx.schema import SchemaVersion
                from cyclonedx.validation.json import JsonStrictValidator
                error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(path, encoding="utf-8").read())
                if error is not None:
                    sys.exit("INVALID: %s" % error)
                print("\\n".join(c["purl"] for c in json.load(open(path))["components"] if "purl" in c))
            else:
                from spdx_tools.spdx.parser.parse_anything import parse_file
                from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
                document = parse_file(path)
                messages = validate_full_spdx_document(document)
                if messages:
                    sys.exit("INVALID: " + "\\n".join(m.validation_message for m in messages))
                print("\\n".join(r.locator for p in document.packages for r in p.external_references))
            """

        static func validate(_ path: String, as kind: String) async throws -> [String] {
            guard FileManager.default.isExecutableFile(atPath: python) else {
                Issue.record("the SBOM validators are missing: run `make deps` (it creates \(python))")
                return []
            }
            let result = try await CommandRunner.run(python, ["-c", validator, kind, path])
            #expect(result.status == 0, "\(kind): \(result.errorText)")
            return result.outputText.split(separator: "\n").map(String.init)
        }

        /// A root image with a dpkg database of two packages, an os-release file and one DEP-5 copyright file.
        private func makeImage(in directory: TemporaryDirectory) async throws -> String {
            let root = directory.appending("root")
            let files = [
                "var/lib/dpkg/status": """
                Package: bash
                Status: install ok installed
                Architecture: amd64
                Version: 5.2.15-2+b2
                Homepage: https://tiswww.case.edu/php/chet/bash/bashtop.html

                Package: tzdata
                Status: install ok installed
                Architecture: all
                Version: 1:2024a-0ubuntu0.22.04

                """,
                "etc/os-release": "ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n",
                "usr/share/doc/bash/copyright": """
                Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

                Files: *
                Copyright: Free Software Foundation
                License: GPL-3+

                """,
            ]
            for (path, contents) in files {
                let full = root + "/" + path
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
            }
            let image = directory.appending("root.sqfs")
            try await CommandRunner.run(
                "mksquashfs", [root, image, "-noappend", "-quiet", "-no-progress", "-comp", "xz"], check: true)
            return image
        }

        @Test("CycloneDX on standard output, SPDX with -o: both validate and are reproducible")
        func documents() async throws {
            let directory = try TemporaryDirectory(prefix: "maas-images-sbom")
            defer { directory.remove() }
            let fixture = try CLIFixture.require()
            let image = try await makeImage(in: directory)

            let standardOutput = try await fixture.run(["squashfs", "sbom", image])
            #expect(standardOutput.status == 0 && !standardOutput.crashed, "\(standardOutput.errorText)")
            let cycloneDX = directory.appending("sbom.cdx.json")
            let written = try await fixture.run(["squashfs", "sbom", image, "--format", "cyclonedx", "-o", cycloneDX])
            #expect(written.status == 0 && written.standardOutput.isEmpty, "\(written.errorText)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: cycloneDX)) == Data(standardOutput.standardOutput))
            let purls = try await Self.validate(cycloneDX, as: "cyclonedx")
            #expect(
                purls == [
                    "pkg:deb/ubuntu/bash@5.2.15-2%2Bb2?arch=amd64&distro=ubuntu-22.04",
                    "pkg:deb/ubuntu/tzdata@1%3A2024a-0ubuntu0.22.04?arch=all&distro=ubuntu-22.04",
                ])
            #expect(standardOutput.outputText.contains("\"id\": \"GPL-3.0-or-later\""))

            let spdx = directory.appending("sbom.spdx.json")
            let spdxRun = try await fixture.run(["squashfs", "sbom", image, "--format", "spdx", "-o", spdx])
            #expect(spdxRun.status == 0, "\(spdxRun.errorText)")
            #expect(try await Self.validate(spdx, as: "spdx") == purls)
            let again = try await fixture.run(["squashfs", "sbom", image, "--format", "spdx"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: spdx)) == Data(again.standardOutput))
        }

        @Test("--hash records sha256sum's digest, the same document as --image-sha256; bad digests are refused")
        func imageDigest() async throws {
            let directory = try TemporaryDirectory(prefix: "maas-images-sbom")
            defer { directory.remove() }
            let fixture = try CLIFixture.require()
            let image = try await makeImage(in: directory)
            let sum = try await CommandRunner.run("sha256sum", [image], check: true)
            let digest = String(sum.outputText.prefix(64))

            let hashed = try await fixture.run(["squashfs", "sbom", image, "--hash", "--timestamp", "86400"])
            #expect(hashed.status == 0, "\(hashed.errorText)")
            #expect(hashed.outputText.contains("\"content\": \"\(digest)\""))
            #expect(hashed.outputText.contains("\"timestamp\": \"1970-01-02T00:00:00Z\""))
            let given = try await fixture.run([
                "squashfs", "sbom", image, "--image-sha256", digest.uppercased(), "--timestamp", "86400",
            ])
            #expect(given.standardOutput == hashed.standardOutput)
            let spdx = try await fixture.run(["squashfs", "sbom", image, "--format", "spdx", "--hash"])
            #expect(spdx.outputText.contains("\"checksumValue\": \"\(digest)\""))

            for bad in ["xyz", String(repeating: "0", count: 63)] {
                let refused = try await fixture.run(["squashfs", "sbom", image, "--image-sha256", bad])
                #expect(refused.status != 0 && !refused.crashed && refused.standardOutput.isEmpty)
                #expect(refused.errorText.contains("--image-sha256"))
            }
        }

        @Test("an image without a dpkg database is an error (exit 1)")
        func missingDatabase() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "sbom", fixture.image])
            #expect(result.status == 1 && !result.crashed)
            #expect(result.errorText.hasPrefix("error: ") && result.errorText.contains("dpkg"))
            #expect(result.standardOutput.isEmpty)
        }
    }
}
