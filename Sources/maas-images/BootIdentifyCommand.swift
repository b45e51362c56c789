import ArgumentParser
import BootAssets

/// `maas-images boot identify`: tell what boot files are from their bytes, and check them against a file type.
struct BootIdentifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Identify boot files by their content (kernel, initrd, squashfs, dtb, EFI binary, ...).",
        discussion: """
            Only headers are read: a compressed file has at most its first 64 KiB decompressed, cpio member data \
            is skipped, and no file is read beyond 8 MiB.

            Output: one line per file, tab-separated: path, kind, architecture (or -), summary. With --json, an \
            array of objects (path, kind, compression, architecture, details, summary).

            With --expect TYPE (a boot file type: boot-kernel, boot-initrd, squashfs, boot-dtb, root-tgz, \
            root-dd.xz, manifest, ...), a file whose content does not fit the type is reported on standard error \
            and the command exits with status 1, after the other files are printed.
            """
    )

    @Argument(help: "The files to identify.")
    var files: [String]

    @Option(
        help: ArgumentHelp(
            "Check every file against this boot file type (boot-kernel, boot-initrd, squashfs, ...).",
            valueName: "type"),
        transform: BootFileType.argument)
    var expect: BootFileType?

    @Flag(help: "Print a JSON array of objects.")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE") }
    }

    func run() throws {
        try runReportingErrors {
            let expected = expect
            var output = BufferedOutput()
            var objects: [IdentifiedFile] = []
            var failed = false
            for path in files {
                let found: ContentIdentification
                do {
                    found = try ContentIdentification(contentsOf: path)
                } catch {
                    writeStandardError("error: \(error)\n")
                    failed = true
                    continue
                }
                if json {
                    objects.append(IdentifiedFile(path: path, found))
                } else {
                    let fields = [path, found.kind.rawValue, found.architecture ?? "-", found.summary]
                    output.write(fields.map(Self.singleLine).joined(separator: "\t") + "\n")
                }
                if let expected, !found.isConsistent(with: expected) {
                    try output.flush()
                    writeStandardError("error: \(path): expected \(expected), found \(found.summary)\n")
                    failed = true
                }
            }
            if json {
                output.write(bytes: try JSONOutput.encode(objects))
            }
            try output.flush()
            if failed { throw ExitCode.failure }
        }
    }

    /// Tabs and newlines in a field become spaces, so each file stays one line of four fields.
    static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}

/// One file in `boot identify --json`.
struct IdentifiedFile: Encodable {
    var path: String
    var kind: String
    /// `null` when the file is not compressed.
    var compression: String?
    /// `null` when the content names no architecture.
    var architecture: String?
    /// The named facts found, as an object (`{"members": "3"}`); names in snake_case.
    var details: Details
    var summary: String

    init(path: String, _ found: ContentIdentification) {
        self.path = path
        kind = found.kind.rawValue
        compression = found.compression?.rawValue
        architecture = found.architecture
        details = Details(found.details)
        summary = found.summary
    }

    private enum CodingKeys: String, CodingKey {
        case path, kind, compression, architecture, details, summary
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(kind, forKey: .kind)
        try container.encode(compression, forKey: .compression)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(details, forKey: .details)
        try container.encode(summary, forKey: .summary)
    }

    /// The details as an object, one member per detail.
    struct Details: Encodable {
        var details: [ContentDetail]

        init(_ details: [ContentDetail]) { self.details = details }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: NameKey.self)
            for detail in details { try container.encode(detail.value, forKey: NameKey(detail.name)) }
        }
    }

    /// A detail's name as a key (converted to snake_case by ``JSONOutput``).
    private struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
