import ArgumentParser
import SquashFS
import SystemLayer
import SystemPackage

/// `--compress` of `squashfs to-tar`.
enum TarCompressionArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case none, gzip, xz, zstd

    var compression: TarOptions.Compression {
        switch self {
        case .none: .none
        case .gzip: .gzip
        case .xz: .xz
        case .zstd: .zstd
        }
    }
}

extension SquashFSCommand {
    struct ToTar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "to-tar",
            abstract: "Write the image as a POSIX pax tar archive (as sqfs2tar), optionally compressed.",
            discussion: """
                The archive holds every entry in image order, the root as ./: numeric owners (no names), all mode \
                bits, modification times, extended attributes (SCHILY.xattr records), hard links, symbolic links, \
                fifos and device nodes; files with sparse blocks in GNU sparse 1.0 form. GNU tar restores the tree \
                unsquashfs -d extracts with: tar --xattrs --xattrs-include='*' --numeric-owner -xpf ARCHIVE. \
                Sockets cannot be archived and are left out, each with a warning. The archive is reproducible: the \
                same image and options give the same bytes, whatever the number of jobs.

                Without -o the archive goes to standard output (refused when it is a terminal). With -o it is \
                written to a temporary file beside FILE and renamed to FILE when complete, so FILE never holds a \
                partial archive.
                """)

        @OptionGroup var image: ImageOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the archive to FILE.", valueName: "file"))
        var output: String?

        @Option(help: "Compress the archive: none, gzip, xz or zstd.")
        var compress: TarCompressionArgument = .none

        @Option(help: "The compression level (gzip 1-9, xz 0-9, zstd 1-19; default: each tool's default).")
        var level: Int?

        @Option(name: .shortAndLong, help: "Threads decoding blocks and compressing (default: one per processor).")
        var jobs: Int?

        @Flag(help: "Leave out extended attributes.")
        var noXattrs = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if let level {
                let range: ClosedRange<Int>
                switch compress {
                case .none: throw ValidationError("--level needs --compress")
                case .gzip: range = 1...9
                case .xz: range = 0...9
                case .zstd: range = 1...19
                }
                guard range.contains(level) else {
                    throw ValidationError("--level for \(compress.rawValue) must be in \(range)")
                }
            }
        }

        func run() async throws {
            try await runAsyncReportingErrors {
                let squashfs = try image.open()
                let options = self.options
                let output = self.output
                let summary = try await whileHandlingInterrupts {
                    try await Self.write(squashfs, options: options, output: output)
                }
                Self.reportSkipped(summary)
            }
        }

        private var options: TarOptions {
            var options = TarOptions()
            options.compression = compress.compression
            options.compressionLevel = level
            options.includesExtendedAttributes = !noXattrs
            if let jobs { options.jobs = jobs }
            return options
        }

        /// Writes the archive to `output`, or to standard output (`nil` when a reader there went away).
        private static func write(_ squashfs: SquashFSImage, options: TarOptions, output: String?) async throws
            -> TarSummary?
        {
            if let output { return try await writeFile(output, squashfs, options) }
            guard !FileDescriptor.standardOutput.isTerminal else {
                throw CLIError("standard output is a terminal: redirect it or use -o FILE")
            }
            do {
                return try await squashfs.writeTar(to: .standardOutput, options: options)
            } catch {
                if let errno = error.underlyingError as? Errno, errno == .brokenPipe { return nil }
                throw error
            }
        }

        private static func reportSkipped(_ summary: TarSummary?) {
            guard let summary else { return }
            for path in summary.skippedSockets.prefix(20) {
                writeStandardError("warning: \(path): sockets cannot be archived; left out\n")
            }
            if summary.skippedSockets.count > 20 {
                writeStandardError("warning: \(summary.skippedSockets.count - 20) more sockets left out\n")
            }
        }

        /// Writes the archive to a temporary file beside `path`, renamed to `path` once complete (removed on failure
        /// or interruption).
        private static func writeFile(_ path: String, _ squashfs: SquashFSImage, _ options: TarOptions) async throws
            -> TarSummary
        {
            let directoryPath: String
            let name: String
            if let slash = path.lastIndex(of: "/") {
                directoryPath = slash == path.startIndex ? "/" : String(path[..<slash])
                name = String(path[path.index(after: slash)...])
            } else {
                directoryPath = "."
                name = path
            }
            guard !name.isEmpty else { throw CLIError("-o \(path) names a directory") }
            let directory = try DirectoryDescriptor.open(directoryPath, followsSymbolicLink: true)
            let permissions: FilePermissions = [.ownerReadWrite, .groupReadWrite, .otherReadWrite]
            let (file, temporary) = try directory.createTemporaryFile(for: Array(name.utf8), permissions: permissions)
            let summary: TarSummary
            do {
                summary = try await squashfs.writeTar(to: file, options: options)
                try FileIO.synchronize(file, path)
            } catch {
                try? file.close()
                try? directory.remove(temporary)
                throw error
            }
            do {
                try file.close()
                try directory.rename(temporary, to: Array(name.utf8), in: directory)
            } catch {
                try? directory.remove(temporary)
                throw error
            }
            return summary
        }
    }
}
