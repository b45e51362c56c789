/// An `index:1.0` document (`streams/v1/index.sjson`): the products documents of a mirror, one entry per content id.
///
/// Entries of every datatype and format are kept (MAAS's `image-ids`, cloud images' `image-downloads`,
/// `release-notifications`, and any other); readers decide which ones to follow by ``IndexEntry/format``.
public struct IndexDocument: Sendable, Hashable, StreamAttributes {
    /// The whole document, in document order.
    public private(set) var json: JSONObject

    /// Creates an index from a parsed JSON object.
    ///
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/invalidDocument`` if `index` is missing
    ///   or not an object of objects, or an entry's `path` or `products` has the wrong type;
    ///   ``SimpleStreamsError/Code/unsafePath`` if an entry's path could escape the mirror root.
    public init(json: JSONObject) throws(SimpleStreamsError) {
        self.json = json
        guard case .object(let index)? = json["index"] else {
            throw SimpleStreamsError(.invalidDocument, "an index document needs an 'index' object")
        }
        for (contentID, value) in index {
            guard case .object(let entry) = value else {
                throw SimpleStreamsError(.invalidDocument, "index entry \(contentID) is not an object")
            }
            if let products = entry["products"] {
                guard case .array(let names) = products, names.allSatisfy({ $0.stringValue != nil }) else {
                    throw SimpleStreamsError(
                        .invalidDocument, "'products' of index entry \(contentID) is not a list of strings")
                }
            }
            try StreamPath.validateField(in: entry, at: "index entry \(contentID)")
        }
    }

    /// Parses an index from UTF-8 JSON bytes; see ``init(json:)``.
    public init(parsing bytes: some Collection<UInt8>) throws(SimpleStreamsError) {
        guard case .object(let object) = try JSONValue(parsing: bytes) else {
            throw SimpleStreamsError(.invalidDocument, "an index document must be a JSON object")
        }
        try self.init(json: object)
    }

    public func attribute(_ key: String) -> JSONValue? { json[key] }

    /// The entries, in document order.
    public var entries: [IndexEntry] {
        json.children(of: "index", IndexEntry.init)
    }

    /// The entry for `contentID`.
    public func entry(for contentID: String) -> IndexEntry? {
        json.child(of: "index", named: contentID, IndexEntry.init)
    }

    /// The document as JSON text; ``JSONWritingStyle/simplestreams`` writes it as the MAAS producer does.
    public func serialized(_ style: JSONWritingStyle = .simplestreams) -> [UInt8] {
        JSONValue.object(json).serialized(style)
    }
}

extension IndexDocument: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONObject(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}

/// One entry of an ``IndexDocument``: a content id and where its products document is.
public struct IndexEntry: Sendable, Hashable, StreamAttributes {
    /// The content id: the key of the entry in `index` (`com.ubuntu.maas:stable:v3:download`).
    public var contentID: String
    /// The entry object as the index holds it.
    public var json: JSONObject

    /// Creates an entry.
    public init(contentID: String, json: JSONObject) {
        self.contentID = contentID
        self.json = json
    }

    public func attribute(_ key: String) -> JSONValue? { json[key] }

    /// The product ids the entry lists (`products`), in order.
    public var productNames: [String] {
        json["products"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Whether the entry points at a products document (`format` is `products:1.0`).
    public var isProducts: Bool { format == "products:1.0" }

    /// Whether the entry points at another index (`format` is `index:1.0`).
    public var isIndex: Bool { format == "index:1.0" }
}
