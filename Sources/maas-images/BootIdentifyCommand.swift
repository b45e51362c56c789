import ArgumentParser
import BootAssets
import SimpleStreams

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

    @Option(help: "Check every file against this boot file type (boot-kernel, boot-initrd, squashfs, ...).")
    var expect: String?

    @Flag(help: "Print a JSON array of objects.")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE") }
        if let expect, !BootFileType(rawValue: expect).isKnown {
            throw ValidationError("--expect \(expect) is not a boot file type")
        }
    }

    func run() throws {
        try runReportingErrors {
            let expected = expect.map { BootFileType(rawValue: $0) }
            var output = BufferedOutput()
            var objects: [JSONValue] = []
            var failed = false
            for path in files {
                let found: ContentIdentification
                do {
                    found = try ContentIdentifier.identify(contentsOf: path)
                } catch {
                    writeStandardError("error: \(error)\n")
                    failed = true
                    continue
                }
                if json {
                    objects.append(Self.json(path: path, found))
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
                output.write(
                    bytes: JSONValue.array(objects).serialized(JSONWritingStyle(indent: 1, spacedSeparators: true)))
                output.write("\n")
            }
            try output.flush()
            if failed { throw ExitCode.failure }
        }
    }

    /// Tabs and newlines in a field become spaces, so each file stays one line of four fields.
    static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// One file as a JSON object; `details` is an object in the details' order.
    static func json(path: String, _ found: ContentIdentification) -> JSONValue {
        var details = JSONObject()
        for detail in found.details { details[detail.name] = .string(detail.value) }
        var object = JSONObject()
        object["path"] = .string(path)
        object["kind"] = .string(found.kind.rawValue)
        object["compression"] = found.compression.map { .string($0.rawValue) } ?? .null
        object["architecture"] = found.architecture.map { .string($0) } ?? .null
        object["details"] = .object(details)
        object["summary"] = .string(found.summary)
        return .object(object)
    }
}
