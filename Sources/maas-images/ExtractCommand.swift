import ArgumentParser
import ProgressReporting
import SquashFS

extension SquashFSCommand {
    struct Extract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract the image, or some paths of it, into a directory (as unsquashfs -d).",
            discussion: """
                Owners, all mode bits, modification times and extended attributes are restored as unsquashfs does \
                when run by the same user: as root, everything; otherwise files belong to you, set-user-id and \
                set-group-id bits are dropped and device nodes are skipped. Nothing is ever written outside \
                DESTINATION, and an interrupted extraction leaves no partly written file under a real name.

                A PATTERN is a shell glob matched against each entry's full path inside the image (a leading / is \
                optional): * and ? match within one component (never a /), ** as a whole component matches zero or \
                more components, [...] matches one byte of a class ([!...] or [^...] negated), \\ quotes the next \
                character; a leading dot is matched like any other character. An entry a pattern matches is \
                extracted with everything below it, its parent directories with their own metadata (directories \
                searched without a match are not created, unlike unsquashfs). A PATTERN \
                without wildcards is a path: symbolic links in it are followed and it must exist. --exclude leaves \
                out what its pattern matches, with everything below it, and wins over PATTERNs. A PATTERN that \
                selects nothing is an error, reported before anything is written. Quote patterns from the shell.
                """)

        @OptionGroup var image: ImageOptions

        @Argument(help: "The directory to extract into: created if missing, and it must be empty unless --force.")
        var destination: String

        @Argument(
            help: ArgumentHelp(
                "Paths or shell-glob patterns inside the image to extract, with their parent directories "
                    + "(default: everything).", valueName: "pattern"))
        var paths: [String] = []

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Leave out the entries this shell-glob pattern matches, with everything below them (repeatable).",
                valueName: "pattern"))
        var exclude: [String] = []

        @Flag(name: .shortAndLong, help: "Extract into a non-empty directory, replacing what is at the image's paths.")
        var force = false

        @Option(name: .shortAndLong, help: "Threads decoding and writing file data (default: one per processor).")
        var jobs: Int?

        @Flag(inversion: .prefixedNo, help: "Restore owners and groups (default: only when running as root).")
        var owners: Bool?

        @Flag(help: "Do not restore extended attributes (file capabilities, security labels).")
        var noXattrs = false

        @Flag(
            help: """
                For untrusted images, even as root: create no device nodes, clear set-user-id and set-group-id \
                bits, restore no trusted.* or security.* extended attributes; each is reported.
                """)
        var safe = false

        @Option(help: "Refuse images that would write more than this many bytes of file contents.")
        var maximumBytes: UInt64?

        @Option(help: "Refuse images that would create more than this many entries.")
        var maximumEntries: Int?

        @Flag(name: .shortAndLong, help: "Print only errors and warnings: no summary, no progress bar.")
        var quiet = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() async throws {
            try await runAsyncReportingErrors { try await extract() }
        }

        private var options: ExtractionOptions {
            var options = ExtractionOptions()
            options.allowsNonEmptyDestination = force
            options.restoresExtendedAttributes = !noXattrs
            options.ownership = owners.map { $0 ? .preserve : .ignore } ?? .automatic
            options.safe = safe
            if let jobs { options.jobs = jobs }
            if let maximumBytes { options.maximumTotalBytes = maximumBytes }
            if let maximumEntries { options.maximumEntries = maximumEntries }
            options.include = paths.map { PathPattern($0) }.filter(\.hasWildcards)
            options.exclude = exclude.map { PathPattern($0) }
            return options
        }

        private func extract() async throws {
            let squashfs = try image.open()
            let destination = self.destination
            // Arguments without wildcards are paths, resolved as before (symbolic links followed, must exist).
            let paths = self.paths.filter { !PathPattern($0).hasWildcards }.map { ImagePath($0) }
            let options = self.options
            let showing = !quiet
            let summary = try await whileHandlingInterrupts {
                // Skipped entries are reported from the summary, afterwards (at most 20 lines), not as events.
                try await ProgressBar<ExtractionEvent>.run(showing: showing, itemName: "entries") { progress in
                    try await squashfs.extract(to: destination, paths: paths, options: options, progress: progress)
                }
            }
            for skipped in summary.skipped.prefix(20) {
                let what = skipped.created ? "" : " not created"
                writeStandardError("warning: \(skipped.path)\(what): \(skipped.reason)\n")
            }
            if summary.skipped.count > 20 {
                writeStandardError(
                    "warning: \(summary.skipped.count - 20) more entries not created or created incompletely\n")
            }
            if !quiet {
                print(
                    "\(summary.files) files, \(summary.directories) directories, \(summary.symbolicLinks) "
                        + "symbolic links, \(summary.hardLinks) hard links, \(summary.specialFiles) special files "
                        + "(\(formatBytes(summary.bytes))) extracted to \(destination)")
            }
        }
    }
}

/// Formats a byte count with a binary unit, e.g. `898.0 MiB` (`12 bytes` below 1 KiB).
func formatBytes(_ bytes: UInt64) -> String {
    ByteCount.format(Int64(clamping: bytes), smallUnit: "bytes")
}
