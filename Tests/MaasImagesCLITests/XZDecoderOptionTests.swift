import Foundation
import Testing

extension CLITests {
    /// `--xz-decoder automatic|native|liblzma` on every `squashfs` command that opens an image.
    @Suite("squashfs --xz-decoder")
    struct XZDecoderOptionTests {
        static let imageCommands = ["info", "ls", "cat", "extract", "manifest", "to-tar", "diff", "sbom"]

        @Test("every image command offers the option")
        func help() async throws {
            let fixture = try CLIFixture.require()
            for command in Self.imageCommands {
                let result = try await fixture.run(["squashfs", command, "--help"])
                #expect(result.status == 0, "\(command): \(result.errorText)")
                #expect(result.outputText.contains("--xz-decoder <decoder>"), "squashfs \(command) --help")
            }
        }

        @Test("info says which decoder is used; each decoder reads the same", arguments: ["native", "liblzma"])
        func decoder(_ decoder: String) async throws {
            let fixture = try CLIFixture.require()
            let directory = try TemporaryDirectory(prefix: "maas-images-xz-decoder")
            defer { directory.remove() }

            let info = try await fixture.run(["squashfs", "info", "--xz-decoder", decoder, fixture.image])
            #expect(info.status == 0 && !info.crashed, "\(info.errorText)")
            let line = info.outputText.split(separator: "\n").first { $0.hasPrefix("xz decoder: ") }
            #expect(line?.hasPrefix("xz decoder: \(decoder) (--xz-decoder \(decoder); liblzma ") == true, "\(info)")

            let json = try await fixture.run(["squashfs", "info", "--json", "--xz-decoder", decoder, fixture.image])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
            #expect(object["xz_decoder"] as? String == decoder)
            #expect(object["xz_decoder_option"] as? String == decoder)
            #expect(object["liblzma_version"] is String)

            let cat = try await fixture.run([
                "squashfs", "cat", "--xz-decoder", decoder, fixture.image, "/data/random.bin",
            ])
            #expect(cat.status == 0 && cat.standardOutput == CLIFixture.pseudoRandom(count: 300_001, seed: 2))

            let listing = try await fixture.run(["squashfs", "ls", "-r", "--xz-decoder", decoder, fixture.image])
            let reference = try await fixture.run(["squashfs", "ls", "-r", fixture.image])
            #expect(listing.status == 0 && listing.outputText == reference.outputText)

            let destination = directory.appending("extracted")
            let extract = try await fixture.run([
                "squashfs", "extract", "--xz-decoder", decoder, fixture.image, destination,
            ])
            #expect(extract.status == 0, "\(extract.errorText)")
            let extracted = try Data(contentsOf: URL(fileURLWithPath: destination + "/data/random.bin"))
            #expect(Array(extracted) == CLIFixture.pseudoRandom(count: 300_001, seed: 2))

            // The archive is reproducible: the same bytes whichever decoder read the image.
            let archive = directory.appending("image.tar")
            let toTar = try await fixture.run([
                "squashfs", "to-tar", "--xz-decoder", decoder, fixture.image, "-o", archive,
            ])
            #expect(toTar.status == 0, "\(toTar.errorText)")
            let referenceArchive = directory.appending("reference.tar")
            let referenceTar = try await fixture.run(
                ["squashfs", "to-tar", "--xz-decoder", "liblzma", fixture.image, "-o", referenceArchive])
            #expect(referenceTar.status == 0, "\(referenceTar.errorText)")
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: archive))
                    == Data(contentsOf: URL(fileURLWithPath: referenceArchive)))

            let diff = try await fixture.run([
                "squashfs", "diff", "--xz-decoder", decoder, fixture.image, fixture.image,
            ])
            #expect(diff.status == 0 && diff.outputText.isEmpty, "\(diff.errorText)")
        }

        @Test("automatic is the default and resolves to native or liblzma")
        func automatic() async throws {
            let fixture = try CLIFixture.require()
            let json = try await fixture.run(["squashfs", "info", "--json", fixture.image])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any])
            #expect(object["xz_decoder_option"] as? String == "automatic")
            let resolved = try #require(object["xz_decoder"] as? String)
            #expect(["native", "liblzma"].contains(resolved))
            let text = try await fixture.run(["squashfs", "info", fixture.image])
            #expect(text.outputText.contains("xz decoder: \(resolved) (--xz-decoder automatic; liblzma "))
        }

        @Test("an unknown decoder is a usage error naming the choices")
        func unknown() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "info", "--xz-decoder", "zlib", fixture.image])
            #expect(result.status != 0 && !result.crashed)
            #expect(
                result.errorText.contains("automatic") && result.errorText.contains("liblzma"), "\(result.errorText)")
            #expect(result.standardOutput.isEmpty)
        }
    }
}
