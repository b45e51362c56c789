import ArgumentParser
import SignedStreams
import SimpleStreams

/// `maas-images streams diff`: what changed between two streams (products, versions, files), with the exit status of
/// diff(1): 0 when they are the same, 1 when they differ, 2 on any error.
struct StreamsDiffCommand: AsyncParsableCommand, ErrorExitStatus {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two simplestreams streams: the products, versions and files added, removed or changed.",
        usage: """
            maas-images streams diff OLD NEW [--keyring <keyring> | --no-verify] [--json] [<options>]
            """,
        discussion: """
            OLD (SOURCE below) and NEW are each a mirror root (a directory, or a file://, http:// or https:// URL) \
            or the path or URL of an index or products document under streams/v1/ in it, read exactly as \
            `streams query` reads SOURCE: every document verified with --keyring (or the MAAS keyring) unless \
            --no-verify is given, and the options below apply to both.

            Products are compared by product id across all the products documents of each side; product ids, \
            version names, item names and paths are compared as bytes. An item changed when its path, its size or \
            its digest (the strongest both sides state: sha512, sha256, then md5) changed, all as the item \
            inherits them; an item only one side has, in a version both have, changed too.

            Output: `+ PRODUCT` and `- PRODUCT` for products only NEW or only OLD has, `+ PRODUCT@VERSION` and \
            `- PRODUCT@VERSION` for versions of products both have, `! PRODUCT@VERSION ITEM: FIELD OLD -> NEW, ...` \
            for changed items (`added (...)` or `removed (...)` for an item only one side has). With --json, an \
            object with products_added, products_removed, versions_added, versions_removed and items_changed.

            Exit status: 0 when the streams describe the same products, versions and files, 1 when they differ, \
            2 on any error (a usage error, a document that cannot be read or fails to verify).
            """
    )

    /// The status of every failure, usage errors included, as diff(1).
    static let errorExitStatus = ExitCode(2)

    @OptionGroup var stream: StreamSourceOptions

    @Argument(
        help: ArgumentHelp(
            "The new stream: a mirror root or a document in it, as SOURCE (the old stream).", valueName: "new"))
    var new: String

    @Flag(help: "Print the difference as a JSON object.")
    var json = false

    func run() async throws {
        let differ = try await Self.reportingErrors { [self] in
            try await whileHandlingInterrupts { [self] in
                var newStream = stream
                newStream.source = new
                let old = try await stream.read()
                let new = try await newStream.read()
                let difference = try StreamDifference(
                    old: old.products.map(\.document), new: new.products.map(\.document))
                if json {
                    try JSONOutput.write(DifferenceOutput(difference))
                } else {
                    var output = BufferedOutput()
                    for line in Self.lines(difference) { output.write(line + "\n") }
                    try output.flush()
                }
                return !difference.isEmpty
            }
        }
        if differ { throw ExitCode(1) }
    }

    /// Runs `body`, reporting an error as `error: ...` on standard error with exit status 2; an exit status thrown
    /// (a signal's, or success after a closed pipe) passes through.
    static func reportingErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let status as ExitCode {
            throw status
        } catch {
            writeStandardError("error: \(printableMessage(String(describing: error)))\n")
            throw errorExitStatus
        }
    }

    /// The text output: one line per difference, names escaped as ``printable(_:)`` does.
    static func lines(_ difference: StreamDifference) -> [String] {
        var lines: [String] = []
        lines += difference.productsAdded.map { "+ " + printable($0) }
        lines += difference.productsRemoved.map { "- " + printable($0) }
        lines += difference.versionsAdded.map { "+ " + printable($0.product) + "@" + printable($0.version) }
        lines += difference.versionsRemoved.map { "- " + printable($0.product) + "@" + printable($0.version) }
        for change in difference.itemsChanged {
            let head = "! \(printable(change.product))@\(printable(change.version)) \(printable(change.item)): "
            switch (change.old, change.new) {
            case (let old?, let new?): lines.append(head + changedFields(old, new).joined(separator: ", "))
            case (nil, let new?): lines.append(head + "added (" + fields(new).joined(separator: ", ") + ")")
            case (let old?, nil): lines.append(head + "removed (" + fields(old).joined(separator: ", ") + ")")
            case (nil, nil): break
            }
        }
        return lines
    }

    /// `FIELD OLD -> NEW` for each field that differs (`-` for an absent value): path, size, then the digests.
    static func changedFields(_ old: StreamDifference.ItemState, _ new: StreamDifference.ItemState) -> [String] {
        func text(_ value: String?) -> String { value.map(printable) ?? "-" }
        var changes: [String] = []
        if !sameBytes(old.path, new.path) { changes.append("path \(text(old.path)) -> \(text(new.path))") }
        if old.size != new.size {
            changes.append("size \(old.size.map(String.init) ?? "-") -> \(new.size.map(String.init) ?? "-")")
        }
        for algorithm in StreamDifference.ItemState.digestAlgorithms {
            let before = old.digest(algorithm)
            let after = new.digest(algorithm)
            if !StreamDifference.ItemState.sameDigest(before, after) {
                changes.append("\(algorithm) \(text(before)) -> \(text(after))")
            }
        }
        return changes
    }

    /// `FIELD VALUE` for each field an item states: path, size, then the digests.
    static func fields(_ state: StreamDifference.ItemState) -> [String] {
        var fields: [String] = []
        if let path = state.path { fields.append("path " + printable(path)) }
        if let size = state.size { fields.append("size \(size)") }
        for algorithm in StreamDifference.ItemState.digestAlgorithms {
            if let digest = state.digest(algorithm) { fields.append("\(algorithm) \(printable(digest))") }
        }
        return fields
    }

    private static func sameBytes(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case (let lhs?, let rhs?): lhs.hasSameBytes(as: rhs)
        default: false
        }
    }
}

/// `streams diff --json`: `products_added`, `products_removed`, `versions_added`, `versions_removed` and
/// `items_changed`.
struct DifferenceOutput: Encodable {
    /// `{"product", "version"}`.
    struct Version: Encodable {
        var product: String
        var version: String
    }

    /// `{"path", "size", "sha512", "sha256", "md5"}`, each only when the item states it.
    struct State: Encodable {
        var path: String?
        var size: Int64?
        var sha512: String?
        var sha256: String?
        var md5: String?

        init(_ state: StreamDifference.ItemState) {
            path = state.path
            size = state.size
            sha512 = state.sha512
            sha256 = state.sha256
            md5 = state.md5
        }
    }

    /// `{"product", "version", "item", "path", "old", "new"}`; `old` or `new` is `null` for an item only one side
    /// has, `path` is the new path (the old one for a removed item).
    struct Item: Encodable {
        var product: String
        var version: String
        var item: String
        var path: String?
        var old: State?
        var new: State?

        enum CodingKeys: String, CodingKey {
            case product, version, item, path, old, new
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(product, forKey: .product)
            try container.encode(version, forKey: .version)
            try container.encode(item, forKey: .item)
            try container.encode(path, forKey: .path)
            try container.encode(old, forKey: .old)
            try container.encode(new, forKey: .new)
        }
    }

    var productsAdded: [String]
    var productsRemoved: [String]
    var versionsAdded: [Version]
    var versionsRemoved: [Version]
    var itemsChanged: [Item]

    init(_ difference: StreamDifference) {
        productsAdded = difference.productsAdded
        productsRemoved = difference.productsRemoved
        versionsAdded = difference.versionsAdded.map { Version(product: $0.product, version: $0.version) }
        versionsRemoved = difference.versionsRemoved.map { Version(product: $0.product, version: $0.version) }
        itemsChanged = difference.itemsChanged.map {
            Item(
                product: $0.product, version: $0.version, item: $0.item, path: $0.path, old: $0.old.map(State.init),
                new: $0.new.map(State.init))
        }
    }
}
