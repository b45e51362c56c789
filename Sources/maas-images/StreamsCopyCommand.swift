import ArgumentParser
import ImageMirror
import ProgressReporting

/// `maas-images streams copy`: copies versions from a stream or mirror into a local mirror (promoting a candidate
/// version to stable), re-signed with the site's key.
struct StreamsCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy versions (metadata and verified files) from a stream into a local mirror, re-signed.",
        discussion: """
            SOURCE is a mirror root (directory or URL) as for `streams mirror`, verified with --keyring (or the \
            MAAS keyring) unless --no-verify; PRODUCT@VERSION names a version of SOURCE. Its files are downloaded \
            into DEST and verified against SOURCE's signed sizes and digests (identical files are linked), then \
            the version is merged into DEST's product with the same id, else into the one product whose id is the \
            same after its first field (com.ubuntu.maas.candidate:v3:boot:... into com.ubuntu.maas.stable:v3:boot:...: \
            a candidate promoted to stable), else added to DEST's products document with the same content id. \
            DEST's metadata (verified with --dest-keyring, or the public key of --sign-key) is written again \
            signed with --sign-key, and the copy is recorded so later `streams mirror` runs keep it. A file DEST \
            already holds with other content, or a version SOURCE lacks, is an error and nothing is changed. \
            Interrupted, DEST stays consistent; run the command again to finish.
            """
    )

    @OptionGroup var stream: StreamSourceOptions

    @Argument(help: "The mirror directory to copy into.")
    var destination: String

    @Argument(help: "The versions to copy: PRODUCT@VERSION, as SOURCE names them.")
    var versions: [String]

    @Option(help: "The keyring that verifies DEST's metadata (default: the public key of --sign-key).")
    var destKeyring: String?

    @OptionGroup var curation: CurationOptions

    func validate() throws {
        if versions.isEmpty { throw ValidationError("name at least one PRODUCT@VERSION") }
        _ = try CurationOptions.versions(versions)
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let curation = try self.curation.curation(of: destination, keyring: destKeyring)
            let versions = try CurationOptions.versions(versions)
            let policy = try stream.policy()
            let summary = try await stream.sourceArgument.withSource(http: stream.httpSettings()) { source in
                try await ProgressBar<MirrorEvent>.run(
                    showing: !stream.quiet, itemName: "files", eventLine: StreamMirror.line
                ) { progress in
                    try await curation.copy(
                        versions, from: source, policy: policy, documentPath: stream.rootAndDocument.documentPath,
                        retry: stream.httpSettings().retry, progress: progress)
                }
            }
            self.curation.report(
                summary,
                "\(summary.copied.count) versions copied (\(summary.downloaded.count) files downloaded, "
                    + "\(summary.linked.count) linked)", quiet: stream.quiet)
        }
    }
}
