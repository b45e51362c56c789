import ArgumentParser
import Verification

/// `maas-images verify checksum FILE [--sha256 HEX] [--sha512 HEX] [--md5 HEX] [--size N]`.
struct VerifyChecksumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checksum",
        abstract: "Check a file's size and digest, as a simplestreams item states them.",
        discussion: """
            The size is checked first; then the strongest digest given (SHA-512, else SHA-256, else MD5) is computed \
            and compared, unless --all asks for every digest given. At least one digest is required: a size alone \
            verifies nothing. FILE must be a regular file (a FIFO or a device is refused). Exit status 0 when the \
            file matches; otherwise 'error: ...' on standard error with the expected and actual values, and exit \
            status 1.
            """)

    @Argument(help: "The file to check.")
    var file: String

    @Option(help: ArgumentHelp("The expected SHA-256 digest (64 hexadecimal digits).", valueName: "hex"))
    var sha256: String?

    @Option(help: ArgumentHelp("The expected SHA-512 digest (128 hexadecimal digits).", valueName: "hex"))
    var sha512: String?

    @Option(
        help: ArgumentHelp("The expected MD5 digest (32 hexadecimal digits; legacy streams only).", valueName: "hex"))
    var md5: String?

    @Option(help: ArgumentHelp("The expected size in bytes.", valueName: "n"))
    var size: Int?

    @Flag(help: "Check every digest given, not only the strongest.")
    var all = false

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let expected = try ExpectedContent(size: size, sha256: sha256, sha512: sha512, md5: md5)
            let verified = try ContentVerifier.verify(
                fileAtPath: file, expected: expected, policy: all ? .allStated : .strongest)
            var output = BufferedOutput()
            let digests = verified.digests.map { ", \($0)" }.joined()
            output.write("\(file): OK (\(verified.size) bytes\(digests))\n")
            try output.flush()
        }
    }
}
