import Foundation
import Testing

extension CLITests {
    /// Failures print `error: ...` on standard error and exit with status 1, without crashing.
    @Suite("errors")
    struct ErrorReportingTests {
        /// A case: the arguments after `maas-images squashfs`, and a word the message must contain.
        struct Case: Sendable, CustomTestStringConvertible {
            var arguments: @Sendable (CLIFixture) -> [String]
            var mentions: String
            var testDescription: String
        }

        static let cases: [Case] = [
            Case(
                arguments: { ["info", $0.directory.appending("missing.sqfs")] }, mentions: "missing.sqfs",
                testDescription: "missing image file"),
            Case(
                arguments: { ["info", $0.source + "/data/random.bin"] }, mentions: "random.bin",
                testDescription: "not a squashfs file"),
            Case(arguments: { ["info", $0.source] }, mentions: "source", testDescription: "a directory"),
            Case(
                arguments: { ["ls", $0.source + "/data/empty"] }, mentions: "empty", testDescription: "an empty file"),
            Case(
                arguments: { ["ls", $0.image, "/no/such/dir"] }, mentions: "no", testDescription: "ls of a missing path"
            ),
            Case(
                arguments: { ["cat", $0.image, "/etc/missing"] }, mentions: "missing",
                testDescription: "cat of a missing path"),
            Case(
                arguments: { ["cat", $0.image, "/etc"] }, mentions: "directory", testDescription: "cat of a directory"),
            Case(
                arguments: { ["cat", $0.image, "/dangling"] }, mentions: "does",
                testDescription: "cat of a dangling link"),
            Case(
                arguments: { ["cat", $0.image, "/etc/hostname/x"] }, mentions: "directory",
                testDescription: "a file used as a directory"),
            Case(
                arguments: { ["ls", $0.embeddedImage] }, mentions: "embedded",
                testDescription: "image at an offset, no --offset"),
            Case(
                arguments: { ["info", "--offset", "99999999", $0.image] }, mentions: "offset",
                testDescription: "offset past the end"),
        ]

        @Test("error: on stderr, exit status 1, nothing on stdout", arguments: cases)
        func failure(_ testCase: Case) async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs"] + testCase.arguments(fixture))
            #expect(!result.crashed, "crashed: \(result.errorText)")
            #expect(result.status == 1)
            #expect(result.errorText.hasPrefix("error: "), "\(result.errorText)")
            #expect(result.errorText.contains(testCase.mentions), "\(result.errorText)")
            #expect(result.standardOutput.isEmpty, "\(result.outputText)")
        }

        @Test("a truncated image fails cleanly")
        func truncated() async throws {
            let fixture = try CLIFixture.require()
            let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.image))
            let path = fixture.directory.appending("truncated.sqfs")
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
            for arguments in [["info", path], ["ls", "-r", path], ["cat", path, "/data/random.bin"]] {
                let result = try await fixture.run(["squashfs"] + arguments)
                #expect(!result.crashed)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.errorText.hasPrefix("error: "))
            }
        }
    }
}
