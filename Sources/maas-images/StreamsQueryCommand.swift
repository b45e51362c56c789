import ArgumentParser
import FoundationEssentials
import Glibc
import SimpleStreams
import Verification

/// `maas-images streams query`: list the items of a mirror that pass filters, after verifying every document.
struct StreamsQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List the items of a simplestreams mirror that match filters, verifying every document first.",
        discussion: """
            SOURCE is a mirror root (a directory or file:// URL) whose index is streams/v1/index.sjson \
            (streams/v1/index.json with --no-verify), or the path of an index or products document under \
            streams/v1/ in it. Every document read must be signed by a key of the keyring (clearsigned .sjson, or \
            .json with a detached .json.gpg) unless --no-verify is given.

            FILTER is KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX over the item's attributes, including those it \
            inherits from its version, product and document (arch, release, subarch, label, ftype, path, size, \
            sha256, content_id, product_name, version_name, item_name, ...). A missing key compares as empty; \
            regular expressions search anywhere (anchor with ^...$); several filters must all match. \
            --max keeps the newest N versions of each product that have a matching item.

            Output: one line per item, tab-separated: product, version, item, ftype, size, path. With --json, an \
            array of objects holding every inherited attribute.
            """
    )

    @Argument(help: "The mirror root (directory or file:// URL), or a streams/v1/*.sjson|json document in it.")
    var source: String

    @Argument(help: "Filters: KEY=VALUE, KEY!=VALUE, KEY~REGEX, KEY!~REGEX.")
    var filters: [String] = []

    @Option(help: "The keyring of trusted keys (binary or armored; default: \(Keyring.maasDefaultPath)).")
    var keyring: String?

    @Flag(help: "Read documents without checking signatures (.sjson index paths are read as .json).")
    var noVerify = false

    @Option(help: "Keep only the newest N versions of each product.")
    var max: Int?

    @Option(help: "Refuse documents updated before this date (RFC 2822, or YYYY-MM-DD): rollback protection.")
    var notOlderThan: String?

    @Flag(help: "Print a JSON array of items with all their attributes.")
    var json = false

    @Flag(name: .shortAndLong, help: "Do not report the signatures checked on standard error.")
    var quiet = false

    func validate() throws {
        if noVerify && keyring != nil { throw ValidationError("--keyring and --no-verify exclude each other") }
        if let max, max < 0 { throw ValidationError("--max cannot be negative") }
    }

    func run() async throws {
        try await runAsyncReportingErrors {
            let query = try StreamQuery(filters: filters, maximumVersions: max)
            let (root, documentPath) = Self.splitSource(source)
            var reader = StreamReader(source: try LocalStreamSource(root), policy: try policy())
            if let notOlderThan {
                guard
                    let date = StreamDates.parseRFC2822(notOlderThan) ?? StreamDates.parseCalendarDate(notOlderThan)
                else { throw CLIError("--not-older-than \(notOlderThan) is neither RFC 2822 nor YYYY-MM-DD") }
                reader.notOlderThan = date
            }
            let result = try await reader.query(query, path: documentPath)
            let signed =
                (result.indexes.map { ($0.path, $0.signature) } + result.products.map { ($0.path, $0.signature) })
            let items = result.items
            if !quiet {
                for (path, signature) in signed {
                    if let signature {
                        var line = "verified \(path): signed by \(signature.primaryKeyFingerprint)"
                        if let name = signature.userIDs.first { line += " \"\(name)\"" }
                        writeStandardError(line + "\n")
                    } else {
                        writeStandardError("unverified \(path) (--no-verify)\n")
                    }
                }
            }
            if json {
                try writeStandardOutput(Self.json(items, root: root) + [0x0A])
            } else {
                var output = BufferedOutput()
                for item in items {
                    let size = item.size.map(String.init) ?? "-"
                    output.write(
                        [item.productName, item.versionName, item.itemName, item.ftype ?? "-", size, item.path ?? "-"]
                            .joined(separator: "\t") + "\n")
                }
                try output.flush()
            }
        }
    }

    private func policy() throws -> SignaturePolicy {
        if noVerify { return .allowUnsigned }
        let path = keyring ?? Keyring.maasDefaultPath
        if keyring == nil && access(path, F_OK) != 0 {
            throw CLIError(
                "no keyring: \(path) does not exist; pass --keyring KEYRING, or --no-verify to read unsigned documents")
        }
        return .verify(keyring: try Keyring(contentsOf: path))
    }

    /// Splits `…/streams/v1/X.sjson` into the mirror root and the document path, as python-simplestreams does.
    static func splitSource(_ source: String) -> (root: String, documentPath: String?) {
        guard source.hasSuffix(".sjson") || source.hasSuffix(".json"),
            let range = source.firstRange(of: "streams/v1/")
        else { return (source, nil) }
        let root = String(source[..<range.lowerBound])
        return (root.isEmpty ? "." : root, String(source[range.lowerBound...]))
    }

    /// The items as a JSON array: every inherited attribute, typed, plus `item_url` where the item has a path.
    static func json(_ items: [FlattenedItem], root: String) -> [UInt8] {
        let objects: [JSONValue] = items.map { item in
            var attributes = item.attributes
            if let path = item.path {
                attributes["item_url"] = .string(root.hasSuffix("/") ? root + path : root + "/" + path)
            }
            return .object(attributes)
        }
        return JSONValue.array(objects).serialized(JSONWritingStyle(indent: 1, spacedSeparators: true))
    }
}
