import ArgumentParser
import ImageContents
import SquashFS

extension SquashFSCommand {
    /// `maas-images squashfs diff`: what changed between two images (packages and files), with the exit status of
    /// diff(1): 0 when they are the same, 1 when they differ, 2 on any error.
    struct Diff: ParsableCommand, ErrorExitStatus {
        static let configuration = CommandConfiguration(
            abstract: "Compare two squashfs images: packages and files added, removed or changed.",
            discussion: """
                Packages come from both images' dpkg databases (var/lib/dpkg/status and its updates/ journal), \
                keyed by name and architecture. Files are compared entry by entry: type, size, content, link \
                target, device number, mode, owner, extended attributes, and with --mtime the modification time. \
                Contents are compared without decompressing blocks whose stored bytes are the same in both images; \
                the same contents stored with another compressor or block size are not a change.

                Output: `+ NAME:ARCH VERSION` and `- NAME:ARCH VERSION` for packages only NEW or only OLD lists, \
                `~ NAME:ARCH OLD -> NEW` for another version; then `+ PATH` and `- PATH` for entries only NEW or \
                only OLD has (a directory's contents are listed too), `~ PATH: CHANGE, ...` for entries that \
                differ. Paths are printed with bytes that are not printable UTF-8 escaped as \\xNN. With --json, \
                an object {"packages": {"added", "removed", "changed"}, "files": {"added", "removed", "changed"}}.

                Exit status: 0 when the images are the same, 1 when they differ, 2 on any error.
                """
        )

        /// The status of every failure, usage errors included, as diff(1).
        static let errorExitStatus = ExitCode(2)

        @Argument(help: "The old image.")
        var old: String

        @Argument(help: "The new image.")
        var new: String

        @Flag(help: "Print the difference as a JSON object.")
        var json = false

        @Flag(help: "Compare only the packages, not the files.")
        var packagesOnly = false

        @Flag(help: "Report changed modification times too.")
        var mtime = false

        @OptionGroup var decoder: XZDecoderOption

        func run() throws {
            if try compare() { throw ExitCode(1) }
        }

        /// Compares the images and prints the difference; returns whether they differ.
        private func compare() throws -> Bool {
            do {
                var options = ImageDifference.Options()
                options.comparesFiles = !packagesOnly
                options.comparesModificationTimes = mtime
                let imageOptions = decoder.applied(to: SquashFSImage.Options())
                let difference = try ImageDifference(
                    old: try SquashFSImage(path: old, options: imageOptions),
                    new: try SquashFSImage(path: new, options: imageOptions), options: options)
                if json {
                    try JSONOutput.write(DiffOutput(difference, filesCompared: !packagesOnly))
                } else {
                    var output = BufferedOutput()
                    for line in Self.lines(difference) { output.write(line + "\n") }
                    try output.flush()
                }
                return !difference.isEmpty
            } catch let status as ExitCode {
                throw status
            } catch {
                writeStandardError("error: \(printableMessage(String(describing: error)))\n")
                throw Self.errorExitStatus
            }
        }

        /// The text output: packages, then files.
        static func lines(_ difference: ImageDifference) -> [String] {
            func package(_ name: String, _ architecture: String) -> String {
                printableMessage(architecture.isEmpty ? name : "\(name):\(architecture)")
            }
            var lines: [String] = []
            let packages = difference.packages
            lines += packages.added.map { "+ \(package($0.name, $0.architecture)) \(printableMessage($0.version))" }
            lines += packages.removed.map { "- \(package($0.name, $0.architecture)) \(printableMessage($0.version))" }
            lines += packages.changed.map {
                "~ \(package($0.name, $0.architecture)) \(printableMessage($0.oldVersion)) -> "
                    + printableMessage($0.newVersion)
            }
            let files = difference.files
            lines += files.added.map { "+ \($0.path)" }
            lines += files.removed.map { "- \($0.path)" }
            lines += files.changed.map { "~ \($0.path): " + $0.changes.map(\.description).joined(separator: ", ") }
            return lines
        }
    }
}

/// `squashfs diff --json`.
struct DiffOutput: Encodable {
    struct Package: Encodable {
        var name: String
        var architecture: String
        var version: String
    }

    struct PackageChange: Encodable {
        var name: String
        var architecture: String
        var oldVersion: String
        var newVersion: String
    }

    struct Packages: Encodable {
        var added: [Package]
        var removed: [Package]
        var changed: [PackageChange]
    }

    struct ChangedFile: Encodable {
        var path: String
        var changes: [String]
    }

    struct Files: Encodable {
        var added: [String]
        var removed: [String]
        var changed: [ChangedFile]
    }

    var packages: Packages
    /// Absent with --packages-only.
    var files: Files?

    init(_ difference: ImageDifference, filesCompared: Bool) {
        let packages = difference.packages
        self.packages = Packages(
            added: packages.added.map { Package(name: $0.name, architecture: $0.architecture, version: $0.version) },
            removed: packages.removed.map {
                Package(name: $0.name, architecture: $0.architecture, version: $0.version)
            },
            changed: packages.changed.map {
                PackageChange(
                    name: $0.name, architecture: $0.architecture, oldVersion: $0.oldVersion, newVersion: $0.newVersion)
            })
        guard filesCompared else { return }
        let files = difference.files
        self.files = Files(
            added: files.added.map(\.path.description), removed: files.removed.map(\.path.description),
            changed: files.changed.map {
                ChangedFile(path: $0.path.description, changes: $0.changes.map(\.description))
            })
    }
}
