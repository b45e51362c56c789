import Foundation
import TestSupport
import Testing

/// `--max-document-size`: metadata documents are capped at 64 MiB by default, and the cap is the user's to lower or
/// raise.
@Suite("--max-document-size")
struct DocumentSizeOptionTests {
    @Test("A document over the cap is refused with a message naming it; a higher cap reads it; 0 is invalid")
    func cap() async throws {
        let scratch = try ScratchDirectory(prefix: "document-size")
        defer { scratch.remove() }
        // A valid index of 1.5 MiB: an entry followed by whitespace.
        let index =
            #"{"format": "index:1.0", "updated": "Mon, 01 Dec 2025 00:00:00 +0000", "index": {}"#
            + String(repeating: " ", count: 3 << 19) + "}\n"
        try scratch.write(index, to: "streams/v1/index.json")
        let maasImages = try CommandRunner.maasImages()
        let base = ["streams", "query", scratch.path, "--no-verify", "--quiet"]

        let refused = try await CommandRunner.run(maasImages, base + ["--max-document-size", "1"])
        #expect(refused.status == 1)
        #expect(refused.errorText.hasPrefix("error: ") && refused.errorText.contains("streams/v1/index.json"))

        let accepted = try await CommandRunner.run(maasImages, base + ["--max-document-size", "2"])
        #expect(accepted.status == 0, "\(accepted.errorText)")
        let byDefault = try await CommandRunner.run(maasImages, base)
        #expect(byDefault.status == 0, "\(byDefault.errorText)")

        let invalid = try await CommandRunner.run(maasImages, base + ["--max-document-size", "0"])
        #expect(invalid.status != 0)
        #expect(invalid.errorText.contains("--max-document-size"))
    }
}
