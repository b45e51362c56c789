import ArgumentParser
import ImageMirror
import Logging
import SignedStreams
import Verification

/// The options every curation command shares: the site's key and the pruning policy.
struct CurationOptions: ParsableArguments {
    @Option(help: "The site's key (fingerprint) that signs the new metadata.")
    var signKey: String

    @Option(help: "The GnuPG home holding the secret key of --sign-key.")
    var gnupgHome: String

    @Option(
        help: ArgumentHelp(
            """
            Keep files the new metadata no longer names for this long (72h, 30m, 3d, 1w, seconds; 0 removes them \
            at once); a later run or curation removes them.
            """, valueName: "duration"))
    var pruneGrace = "72h"

    @Flag(help: "Never remove files the metadata no longer names (they stay recorded as orphans).")
    var noPrune = false

    func validate() throws {
        if PruningPolicy(parsing: pruneGrace) == nil {
            throw ValidationError("--prune-grace takes a duration such as 72h, 30m, 3d or 0, not '\(pruneGrace)'")
        }
    }

    /// The versions named on the command line.
    static func versions(_ texts: [String]) throws -> [ProductVersionID] {
        var versions: [ProductVersionID] = []
        for text in texts {
            do {
                versions.append(try ProductVersionID(parsing: text))
            } catch {
                throw ValidationError(error.message)
            }
        }
        return versions
    }

    /// The curation of `destination`: signed with the site's key, DEST's metadata verified with `keyring` or else
    /// with the public key of --sign-key.
    func curation(of destination: String, keyring: String?) throws -> MirrorCuration {
        let signer = try DocumentSigner(homeDirectory: gnupgHome, fingerprint: signKey)
        let trusted = try keyring.map { try Keyring(contentsOf: $0) } ?? Keyring(bytes: try signer.publicKey())
        var logger = Logger(label: "maas-images.curation")
        logger.logLevel = .warning
        return MirrorCuration(
            mirror: destination, signer: signer, policy: .verify(keyring: trusted),
            pruning: noPrune ? .never : PruningPolicy(parsing: pruneGrace) ?? .default, logger: logger)
    }

    /// Reports on standard error what `summary` did, `first` first, unless `quiet`.
    func report(_ summary: CurationSummary, _ first: String, quiet: Bool) {
        guard !quiet else { return }
        writeStandardError(
            "\(first), \(summary.published.count) metadata files re-signed, \(summary.pruned.count) files removed, "
                + "\(summary.orphans.count) kept as orphans\n")
    }
}

/// `maas-images streams remove`: removes versions from a local mirror's metadata, re-signed with the site's key.
struct StreamsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove versions from a local mirror's metadata, re-signed with the site's key.",
        discussion: """
            PRODUCT@VERSION names a version as the stream writes the product id \
            (com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04@20250718). DEST's published metadata is verified \
            (--keyring, or the public key of --sign-key), the versions are removed (a product left without \
            versions is dropped), and every products document and then the index are written again as .json, \
            .json.gpg and .sjson signed with --sign-key. The removal is recorded in DEST, so later `streams mirror` \
            runs do not take the versions back until `--unhold PRODUCT`. The files of the removed versions are \
            kept for --prune-grace, then removed. A version DEST does not publish is an error and nothing is \
            changed. Interrupted, DEST stays consistent; run the command again to finish.
            """
    )

    @Argument(help: "The mirror directory.")
    var destination: String

    @Argument(help: "The versions to remove: PRODUCT@VERSION.")
    var versions: [String]

    @Option(help: "The keyring that verifies DEST's metadata (default: the public key of --sign-key).")
    var keyring: String?

    @OptionGroup var curation: CurationOptions

    @Flag(name: .shortAndLong, help: "Print no summary on standard error.")
    var quiet = false

    func validate() throws {
        if versions.isEmpty { throw ValidationError("name at least one PRODUCT@VERSION") }
        _ = try CurationOptions.versions(versions)
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let summary = try await curation.curation(of: destination, keyring: keyring).remove(
                try CurationOptions.versions(versions))
            curation.report(summary, "\(summary.removed.count) versions removed", quiet: quiet)
        }
    }
}
