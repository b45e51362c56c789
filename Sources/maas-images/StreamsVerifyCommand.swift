import ArgumentParser
import FoundationEssentials
import ImageMirror
import SignedStreams
import SimpleStreams
import Verification

/// `maas-images streams verify`: audits a mirror directory against its own published metadata, changing nothing.
struct StreamsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a mirror directory against its published metadata: every file present, sound, and no other.",
        discussion: """
            DEST is a mirror made by `streams mirror`. Its published metadata is verified (--keyring: the keyring \
            of the key that signs it, the upstream keyring or the mirror's own key with --sign-key; default the \
            MAAS keyring) unless --no-verify is given, then every payload it names that DEST holds is hashed, \
            --jobs at a time. DEST is only read.

            One line per problem: `KIND PATH: DETAIL`, where KIND is missing (named and held, but absent), corrupt \
            (the wrong size or digest, not a regular file, or a metadata document that does not verify), extra \
            (a file no metadata names), partial (a .part file or a temporary file of an interrupted run) or \
            orphaned (no longer named, kept until its grace period ends; informational), then a summary line. \
            The exit status is 0 when DEST is sound (orphans allowed), 1 otherwise.
            """
    )

    @Argument(help: "The mirror directory to check.")
    var destination: String

    @Option(help: "The keyring of trusted keys (binary or armored; default: \(Keyring.maasDefaultPath)).")
    var keyring: String?

    @Flag(help: "Read the metadata without checking signatures (the .json documents).")
    var noVerify = false

    @Option(help: "How many files to hash at once.")
    var jobs = 2

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "The --prune-grace the mirror's runs use, for when orphans expire (default 72h; 0 for at once).",
            valueName: "duration"))
    var pruneGrace = "72h"

    @Flag(help: "The mirror's runs use --no-prune: orphans never expire.")
    var noPrune = false

    @Flag(name: .shortAndLong, help: "Do not show progress on standard error.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "The largest metadata document read, in MiB (default \(StreamReader.defaultMaximumDocumentSize >> 20)).",
            valueName: "MiB"))
    var maxDocumentSize: Int?

    func validate() throws {
        if noVerify && keyring != nil { throw ValidationError("--keyring and --no-verify exclude each other") }
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
        if PruningPolicy(parsing: pruneGrace) == nil {
            throw ValidationError("--prune-grace takes a duration such as 72h, 30m, 3d or 0, not '\(pruneGrace)'")
        }
        if let maxDocumentSize, maxDocumentSize < 1 || maxDocumentSize > StreamSourceOptions.largestDocumentMiB {
            throw ValidationError(
                "--max-document-size must be a number of MiB from 1 up to \(StreamSourceOptions.largestDocumentMiB)")
        }
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            var audit = MirrorAudit(
                mirror: destination, policy: try StreamSourceOptions.policy(keyring: keyring, noVerify: noVerify),
                jobs: jobs,
                maximumDocumentSize: maxDocumentSize.map { $0 << 20 } ?? StreamReader.defaultMaximumDocumentSize)
            audit.pruning = noPrune ? .never : PruningPolicy(parsing: pruneGrace)
            let job = audit
            let report = try await ProgressBar<MirrorAuditEvent>.run(showing: !quiet, itemName: "files") { progress in
                try await job.run(progress: progress)
            }
            if json {
                try JSONOutput.write(VerifyOutput(report))
            } else {
                try Self.printReport(report)
            }
            guard report.ok else { throw ExitCode.failure }
        }
    }

    /// One line per problem, then the summary.
    private static func printReport(_ report: MirrorAuditReport) throws {
        var output = BufferedOutput()
        for problem in report.problems {
            output.write("\(problem.kind.rawValue) \(printable(problem.path)): \(printable(problem.detail))\n")
        }
        var counts: [String] = []
        for kind in MirrorProblem.Kind.allCases {
            let count = report.problems.count { $0.kind == kind }
            if count > 0 { counts.append("\(count) \(kind.rawValue)") }
        }
        let checked = "\(report.filesChecked) files checked (\(ByteCount.format(report.bytesChecked)))"
        let found = counts.isEmpty ? "" : (report.ok ? ", " : "; ") + counts.joined(separator: ", ")
        output.write((report.ok ? "ok: " : "not ok: ") + checked + found + "\n")
        try output.flush()
    }
}

/// The `--json` report of `streams verify`.
struct VerifyOutput: Encodable {
    var ok: Bool
    var filesChecked: Int
    var bytesChecked: Int64
    var problems: [Problem]

    struct Problem: Encodable {
        var path: String
        var kind: String
        var detail: String
        /// RFC 3339, for an orphan the pruning policy removes.
        var expires: String?
    }

    init(_ report: MirrorAuditReport) {
        ok = report.ok
        filesChecked = report.filesChecked
        bytesChecked = report.bytesChecked
        problems = report.problems.map { problem in
            Problem(
                path: problem.path, kind: problem.kind.rawValue, detail: problem.detail,
                expires: problem.expires.map(StreamDates.formatRFC3339))
        }
    }
}
