import ArgumentParser
import ImageMirror
import Logging
import SimpleStreams
import Verification

/// `maas-images streams mirror`: a verified, resumable, parallel local mirror of a signed stream.
struct StreamsMirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Mirror a signed simplestreams stream (or the part filters select) into a directory.",
        discussion: """
            SOURCE is a mirror root (http://, https://, file:// URL or directory), as for `streams query`. Every \
            document is verified (--keyring, or the MAAS keyring) before anything is downloaded, unless \
            --no-verify is given. FILTER selects items as for `streams query`; --os, --release, --arch, \
            --subarch and --label form a MAAS boot source selection on top of the filters. --max keeps the \
            newest N versions of each product; older ones are removed.

            Payloads are downloaded --jobs at a time to DEST/PATH.part, checked against the signed size and \
            SHA-256 as they arrive, and renamed into place only when they match; identical files are downloaded \
            once and hard-linked; an interrupted download resumes. Then the products documents and last the \
            index are written (the upstream signed files byte for byte, or with --sign-key filtered documents \
            listing only what DEST holds, signed with that key). If a file fails, the others are still \
            downloaded but the metadata is not published and nothing is removed: DEST stays a consistent mirror, \
            a rerun finishes the job, and the exit status is 1. Files the new metadata no longer names are kept \
            for --prune-grace (72h by default) as orphans, then removed by a later run. --mirror names other \
            servers (or directories) to take a payload from when SOURCE cannot give it; the metadata still comes \
            only from SOURCE and every byte is verified against it. --hold keeps a product at one version (with \
            --sign-key); `streams remove` and `streams copy` curate a site-signed mirror. Proxies come from \
            http_proxy, https_proxy and no_proxy.
            """
    )

    @OptionGroup var stream: StreamSourceOptions

    @Argument(help: "The mirror directory to create or update.")
    var destination: String

    @Argument(help: "Filters: KEY=VALUE, KEY!=VALUE, KEY~REGEX, KEY!~REGEX.")
    var filters: [String] = []

    @Option(help: "Selection: only this operating system (ubuntu, centos, ...).")
    var os: String?

    @Option(help: "Selection: only this release (noble, jammy, ...).")
    var release: String?

    @Option(help: "Selection: only these architectures (repeatable).")
    var arch: [String] = []

    @Option(help: "Selection: only these subarchitectures (repeatable).")
    var subarch: [String] = []

    @Option(help: "Selection: only these labels (repeatable).")
    var label: [String] = []

    @Option(help: "Keep only the newest N versions of each product.")
    var max: Int?

    @Option(help: "How many files to download at once.")
    var jobs = 4

    @Flag(help: "Hash the files already in DEST again and download the corrupted ones.")
    var verifyExisting = false

    @Flag(help: "Print what would be downloaded and removed, with sizes, and change nothing.")
    var dryRun = false

    @Flag(
        help: """
            Let the source's metadata replace what DEST publishes even when it is older (its 'updated' date): a \
            deliberate rollback. Without it an older stream is refused, as a replay would be.
            """)
    var allowOlderMetadata = false

    @Option(
        help: ArgumentHelp(
            """
            Keep files the new metadata no longer names for this long (72h, 30m, 3d, 1w, seconds; 0 removes them \
            at once), then remove them on a later run.
            """, valueName: "duration"))
    var pruneGrace = "72h"

    @Flag(help: "Never remove files the metadata no longer names (they stay recorded as orphans).")
    var noPrune = false

    @Option(
        name: .customLong("mirror"),
        help: ArgumentHelp(
            """
            Another server (URL) or directory holding the same payloads, tried in order for a file SOURCE cannot \
            give; the metadata always comes from SOURCE, and every byte is verified against it (repeatable).
            """, valueName: "url"))
    var fallbackMirrors: [String] = []

    @Option(help: "Write filtered metadata signed with this key (fingerprint) instead of the upstream documents.")
    var signKey: String?

    @Option(help: "The GnuPG home holding the secret key of --sign-key.")
    var gnupgHome: String?

    @Option(
        help: ArgumentHelp(
            """
            Keep this version of the product and take no newer one until --unhold (repeatable; needs --sign-key). \
            Recorded in DEST, so later runs keep the hold.
            """, valueName: "product@version"))
    var hold: [String] = []

    @Option(
        help: ArgumentHelp(
            "Lift the hold, and the removed and copied versions, of this product (repeatable).",
            valueName: "product"))
    var unhold: [String] = []

    func validate() throws {
        if let max, max < 0 { throw ValidationError("--max cannot be negative") }
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
        if (signKey == nil) != (gnupgHome == nil) { throw ValidationError("--sign-key and --gnupg-home go together") }
        if !hold.isEmpty && signKey == nil { throw ValidationError("--hold needs --sign-key and --gnupg-home") }
        for text in hold {
            do {
                _ = try ProductVersionID(parsing: text)
            } catch {
                throw ValidationError("--hold \(text): \(error.message)")
            }
        }
        if PruningPolicy(parsing: pruneGrace) == nil {
            throw ValidationError("--prune-grace takes a duration such as 72h, 30m, 3d or 0, not '\(pruneGrace)'")
        }
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let source = stream.sourceArgument
            let cache = source.isHTTP ? MetadataCache(mirror: destination) : nil
            try await source.withSource(http: stream.httpSettings(), cache: cache) { source in
                try await withFallbacks(sharing: source) { fallbacks in
                    try await mirror(from: source, fallbacks: fallbacks)
                }
            }
        }
    }

    private func options() throws -> MirrorOptions {
        var selections: [BootSelection] = []
        if os != nil || release != nil || !arch.isEmpty || !subarch.isEmpty || !label.isEmpty {
            selections.append(
                BootSelection(os: os, release: release, arches: arch, subarches: subarch, labels: label))
        }
        let signer = try signKey.map { key in
            try DocumentSigner(homeDirectory: gnupgHome ?? "", fingerprint: key)
        }
        var options = MirrorOptions(
            filters: try StreamQuery(filters: filters).filters, selections: selections, maximumVersions: max,
            jobs: jobs, verifyExisting: verifyExisting, signer: signer, allowsOlderMetadata: allowOlderMetadata,
            maximumDocumentSize: stream.maximumDocumentSize,
            pruning: noPrune ? .never : PruningPolicy(parsing: pruneGrace) ?? .default)
        options.holds = try hold.map { try ProductVersionID(parsing: $0) }
        options.releasedHolds = unhold
        return options
    }

    /// Runs `body` with the sources of `--mirror`: URLs read through SOURCE's HTTP clients (or new ones with the same
    /// settings when SOURCE is a directory), directories from the file system.
    private func withFallbacks<Result: Sendable>(
        sharing source: any PayloadSource, _ body: ([any PayloadSource]) async throws -> Result
    ) async throws -> Result {
        func sources(_ transport: HTTPTransport?) throws -> [any PayloadSource] {
            try fallbackMirrors.map { location throws -> any PayloadSource in
                if let transport, HTTPStreamSource.isHTTP(location) {
                    return try HTTPStreamSource(location, transport: transport)
                }
                return try LocalStreamSource(location)
            }
        }
        if let http = source as? HTTPStreamSource { return try await body(try sources(http.transport)) }
        guard fallbackMirrors.contains(where: HTTPStreamSource.isHTTP) else { return try await body(try sources(nil)) }
        return try await HTTPTransport.withTransport(stream.httpSettings()) { transport in
            try await body(try sources(transport))
        }
    }

    private func mirror(from source: any PayloadSource, fallbacks: [any PayloadSource]) async throws {
        var logger = Logger(label: "maas-images.mirror")
        logger.logLevel = .warning
        var mirror = StreamMirror(
            source: source, destination: destination, policy: try stream.policy(),
            documentPath: stream.rootAndDocument.documentPath, options: try options(),
            retry: stream.httpSettings().retry, logger: logger)
        mirror.notOlderThan = try stream.rollbackDate()
        mirror.fallbackSources = fallbacks
        if dryRun {
            try printPlan(try await mirror.plan())
            return
        }
        let summary = try await mirror.runShowingProgress(!stream.quiet)
        writeStandardError(
            "\(summary.downloaded.count) downloaded, \(summary.linked.count) linked, "
                + "\(summary.plan.files.count - summary.plan.downloads.count) already present, "
                + "\(summary.pruned.count) removed, \(summary.orphans.count) kept as orphans, "
                + "\(summary.failures.count) failed\n")
        guard summary.succeeded else {
            throw CLIError(
                "\(summary.failures.count) files could not be mirrored; the metadata was not published "
                    + "(\(destination) is unchanged apart from verified files); run again to retry")
        }
    }

    private func printPlan(_ plan: MirrorPlan) throws {
        var output = BufferedOutput()
        for file in plan.downloads { output.write("+ \(file.path) \(ByteCount.format(file.size))\n") }
        for removal in plan.removals { output.write("- \(removal.path) \(ByteCount.format(removal.size))\n") }
        for orphan in plan.orphans {
            let until = orphan.expires.map { "until \(StreamDates.formatRFC3339($0))" } ?? "(never pruned)"
            output.write("~ \(orphan.path) \(ByteCount.format(orphan.size)) kept \(until)\n")
        }
        for problem in plan.problems { output.write("! \(problem)\n") }
        output.write(
            "\(plan.downloads.count) files to download (\(ByteCount.format(plan.bytesToDownload))), "
                + "\(plan.removals.count) to remove (\(ByteCount.format(plan.bytesToRemove))), "
                + "\(plan.orphans.count) kept as orphans, "
                + "\(plan.files.count - plan.downloads.count) present\n")
        try output.flush()
    }
}
