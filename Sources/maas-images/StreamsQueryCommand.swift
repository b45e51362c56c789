import ArgumentParser
import SignedStreams
import SimpleStreams

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

            Output: one line per item, tab-separated: product, version, item, ftype, size, path; control \
            characters and backslashes in them are written as \\xNN. With --json, an array of objects holding every \
            inherited attribute, exactly.
            """
    )

    @OptionGroup var stream: StreamSourceOptions

    @Argument(help: "Filters: KEY=VALUE, KEY!=VALUE, KEY~REGEX, KEY!~REGEX.")
    var filters: [String] = []

    @Option(help: "Keep only the newest N versions of each product.")
    var max: Int?

    @Flag(help: "Print a JSON array of items with all their attributes.")
    var json = false

    func validate() throws {
        if let max, max < 0 { throw ValidationError("--max cannot be negative") }
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let query = try StreamQuery(filters: filters, maximumVersions: max)
            let result = try await stream.read(query)
            let items = result.items
            if json {
                try JSONOutput.write(items.map { QueriedItem($0, root: stream.rootAndDocument.root) })
            } else {
                var output = BufferedOutput()
                for item in items {
                    let size = item.size.map(String.init) ?? "-"
                    let fields = [
                        item.productName, item.versionName, item.itemName, item.ftype ?? "-", size, item.path ?? "-",
                    ]
                    output.write(fields.map(printable).joined(separator: "\t") + "\n")
                }
                try output.flush()
            }
        }
    }
}

/// One item in `streams query --json`: every attribute it has or inherits, with the document's own keys and typed
/// values exactly, plus `item_url` where the item has a path.
struct QueriedItem: Encodable {
    var attributes: JSONObject

    init(_ item: FlattenedItem, root: String) {
        attributes = item.attributes
        if let path = item.path {
            attributes["item_url"] = .string(root.hasSuffix("/") ? root + path : root + "/" + path)
        }
    }

    func encode(to encoder: any Encoder) throws {
        try DocumentValue(.object(attributes)).encode(to: encoder)
    }
}

/// A value from a simplestreams document, encoded with its object keys exactly as the document has them
/// (``DocumentKey``), never converted.
struct DocumentValue: Encodable {
    var value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .object(let object):
            var container = encoder.container(keyedBy: DocumentKey.self)
            for (key, member) in object { try container.encode(DocumentValue(member), forKey: DocumentKey(key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(DocumentValue(element)) }
        default:
            try value.encode(to: encoder)
        }
    }
}
