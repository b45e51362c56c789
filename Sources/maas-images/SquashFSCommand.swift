import ArgumentParser
import FoundationEssentials
import ImageContents
import SquashFS
import SystemLayer

/// `maas-images squashfs`: read squashfs root images.
struct SquashFSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squashfs",
        abstract: "Read squashfs images (MAAS root images) natively.",
        subcommands: [Info.self, List.self, Cat.self, Extract.self, Manifest.self, ToTar.self, Diff.self, SBOM.self]
    )
}

extension SquashFSCommand {
    struct ImageOptions: ParsableArguments {
        @Argument(help: "The squashfs image file.")
        var image: String

        @Option(help: "Where the image starts inside the file, in bytes.")
        var offset: UInt64 = 0

        @OptionGroup var decoder: XZDecoderOption

        func open() throws -> SquashFSImage {
            var options = decoder.applied(to: SquashFSImage.Options())
            options.offset = offset
            return try SquashFSImage(path: image, options: options)
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the superblock and what the image holds.")

        @OptionGroup var image: ImageOptions

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            try runReportingErrors {
                let info = ImageSummary(try image.open())
                if json {
                    try JSONOutput.write(info)
                } else {
                    print(info.description, terminator: "")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List a directory (the root by default).")

        @OptionGroup var image: ImageOptions

        @Argument(help: "The directory or file inside the image.")
        var path: String = "/"

        @Flag(name: .shortAndLong, help: "List subdirectories recursively, with full paths.")
        var recursive = false

        @Flag(name: .shortAndLong, help: "Long form, like ls -l: mode, uid/gid, size or device, mtime, name, target.")
        var long = false

        @Flag(
            help: """
                JSON Lines, one object per entry, written as the walk goes: path, type, mode, uid, gid, size, mtime, \
                link_count, inode, link_target, device. Names that are not UTF-8 are written escaped (\\xNN), with \
                their exact bytes in path_base64 or link_target_base64.
                """)
        var json = false

        func validate() throws {
            if json && long { throw ValidationError("--json and --long cannot be combined") }
        }

        func run() throws {
            try runReportingErrors {
                let squashfs = try image.open()
                var walker = try squashfs.walk(from: ImagePath(path), recursive: recursive)
                var output = BufferedOutput()
                if json {
                    var formatter = ListingJSONFormatter()
                    guard let start = try walker.next() else { return }
                    if start.inode.kind != .directory { output.write(bytes: formatter.line(for: start)) }
                    while let entry = try walker.next() { output.write(bytes: formatter.line(for: entry)) }
                    try output.flush()
                    return
                }
                var formatter = ListingFormatter(long: long)
                guard let start = try walker.next() else { return }
                if start.inode.kind != .directory {
                    output.write(bytes: formatter.line(for: start, name: start.path.bytes))
                }
                while let entry = try walker.next() {
                    let name = recursive ? entry.path.bytes : entry.path.lastComponent
                    output.write(bytes: formatter.line(for: entry, name: name))
                }
                try output.flush()
            }
        }
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write files' bytes to standard output, one after the other.",
            discussion: """
                Every PATH is looked up before anything is written: a missing path or one that is not a regular \
                file fails the command with no output.
                """)

        @OptionGroup var image: ImageOptions

        @Argument(help: "Files inside the image; symbolic links are followed inside the image.")
        var paths: [String]

        func validate() throws {
            if paths.isEmpty { throw ValidationError("Missing expected argument '<paths> ...'") }
        }

        func run() throws {
            try runReportingErrors {
                let squashfs = try image.open()
                let readers = try paths.map { try squashfs.fileReader(at: ImagePath($0)) }
                let chunk = 1 << 20
                for reader in readers {
                    var offset: UInt64 = 0
                    while offset < reader.size {
                        let bytes = try reader.read(at: offset, count: chunk)
                        try writeStandardOutput(bytes)
                        offset += UInt64(bytes.count)
                    }
                }
            }
        }
    }
}

extension SquashFSCommand {
    struct Manifest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the image's package manifest (squashfs.manifest): dpkg-query --show's lines, then seeded snaps.")

        @OptionGroup var image: ImageOptions

        @Option(
            name: .long,
            help: """
                A published manifest to compare with: prints added (+), removed (-) and changed (~) packages and \
                snaps and exits 2 when they differ.
                """
        )
        var compare: String?

        func run() throws {
            try runReportingErrors {
                let manifest = try PackageManifest(of: try image.open())
                guard let compare else {
                    try writeStandardOutput(Array(manifest.text.utf8))
                    return
                }
                let published = try PackageManifest(parsing: try readTextFile(compare))
                let difference = manifest.difference(from: published)
                var output = BufferedOutput()
                for entry in difference.added { output.write("+ \(entry.line)\n") }
                for entry in difference.removed { output.write("- \(entry.line)\n") }
                // A snap's channel, when known, precedes its revision: "~ snap:lxd\tstable 100 -> stable 101".
                func version(_ entry: PackageManifest.Entry) -> String {
                    entry.channel.map { "\($0) \(entry.version)" } ?? entry.version
                }
                for change in difference.changed {
                    output.write("~ \(change.name)\t\(version(change.old)) -> \(version(change.new))\n")
                }
                try output.flush()
                if !difference.isEmpty { throw ExitCode(2) }
            }
        }
    }
}

/// Reads a whole text file (a published manifest).
func readTextFile(_ path: String) throws -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw CLIError("\(path): cannot read (\(error))")
    }
}

/// Formats `ls` lines as bytes: names exactly as stored when printable, escaped otherwise (see `ImagePath`).
struct ListingFormatter {
    let long: Bool
    /// Entries of one image often share a modification time; the last one formatted is kept.
    private var lastTime: (seconds: UInt32, text: String)?

    init(long: Bool) { self.long = long }

    mutating func line(for entry: WalkEntry, name: [UInt8]) -> [UInt8] {
        guard long else { return printableBytes(name) + [0x0A] }
        let inode = entry.inode
        let size = inode.device.map { "\($0.major),\($0.minor)" } ?? String(inode.size)
        var line = Array("\(inode.modeString) \(inode.uid)/\(inode.gid) \(size) \(time(inode.modificationTime)) ".utf8)
        line += printableBytes(name)
        if let target = inode.symlinkTarget { line += Array(" -> ".utf8) + printableBytes(target) }
        line.append(0x0A)
        return line
    }

    private mutating func time(_ seconds: UInt32) -> String {
        if let lastTime, lastTime.seconds == seconds { return lastTime.text }
        let text = formatTime(seconds)
        lastTime = (seconds, text)
        return text
    }

    /// Printable ASCII other than `\` is written as is; anything else goes through `ImagePath.description`.
    private func printableBytes(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }) { return bytes }
        return Array(ImagePath(bytes: bytes).description.utf8)
    }
}

/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM` in UTC.
func formatTime(_ seconds: UInt32) -> String {
    let time = CivilTime.components(secondsSinceEpoch: Int64(seconds))
    let two = CivilTime.two
    return "\(time.year)-\(two(time.month))-\(two(time.day)) \(two(time.secondOfDay / 3600)):"
        + two(time.secondOfDay % 3600 / 60)
}
