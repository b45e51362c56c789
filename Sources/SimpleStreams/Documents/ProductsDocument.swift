/// A `products:1.0` document: the products of one content id, their versions and the items (files) of each version.
///
/// The document is kept whole as a ``JSONObject``: the typed properties read from it, and every field this module
/// does not know (and `_aliases`) stays in ``json``, so writing the document back loses nothing.
///
/// Attributes are inherited top level → product → version → item, the deepest level winning;
/// ``flattenedItems()`` gives every item with what it inherits, exactly as python-simplestreams computes it.
///
/// ```swift
/// let document = try ProductsDocument(parsing: bytes)
/// for item in try document.flattenedItems() where item.ftype == "squashfs" {
///     print(item.productName, item.versionName, item.path ?? "", item.size ?? 0)
/// }
/// ```
public struct ProductsDocument: Sendable, Hashable, StreamAttributes {
    /// The whole document, in document order.
    public private(set) var json: JSONObject

    /// Creates a document from a parsed JSON object.
    ///
    /// The tree must have the simplestreams shape: `products` an object of product objects, each `versions` an
    /// object of version objects, each `items` an object of item objects. Every `path` in it, at any level, must be
    /// safe (no `..`, `.`, absolute path, URL scheme, `//`, backslash, percent sign or NUL), so every path an item inherits is safe too. Unknown fields, datatypes and formats are kept.
    ///
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/invalidDocument`` naming the product,
    ///   version or item whose shape is wrong, or ``SimpleStreamsError/Code/unsafePath``.
    public init(json: JSONObject) throws(SimpleStreamsError) {
        self.json = json
        try validate()
    }

    /// Parses a document from UTF-8 JSON bytes; see ``init(json:)``.
    public init(parsing bytes: some Collection<UInt8>) throws(SimpleStreamsError) {
        guard case .object(let object) = try JSONValue(parsing: bytes) else {
            throw SimpleStreamsError(.invalidDocument, "a products document must be a JSON object")
        }
        try self.init(json: object)
    }

    public func attribute(_ key: String) -> JSONValue? { json[key] }

    /// The `_aliases` table, if the document has one.
    public var aliases: JSONObject? { json["_aliases"]?.objectValue }

    /// The products, in document order.
    public var products: [Product] {
        json.children(of: "products", Product.init)
    }

    /// The product named `name` (its product id).
    public func product(named name: String) -> Product? {
        json.child(of: "products", named: name, Product.init)
    }

    /// The number of items in all versions of all products.
    public var itemCount: Int {
        products.reduce(0) { total, product in
            product.versions.reduce(total) { $0 + $1.items.count }
        }
    }

    /// The document as JSON text; ``JSONWritingStyle/simplestreams`` writes it as the MAAS producer does.
    public func serialized(_ style: JSONWritingStyle = .simplestreams) -> [UInt8] {
        JSONValue.object(json).serialized(style)
    }

    private func validate() throws(SimpleStreamsError) {
        try StreamPath.validateField(in: json, at: "the top level")
        guard let productsValue = json["products"] else { return }
        guard case .object(let products) = productsValue else {
            throw SimpleStreamsError(.invalidDocument, "'products' is not an object")
        }
        for (productName, productValue) in products {
            guard case .object(let product) = productValue else {
                throw SimpleStreamsError(.invalidDocument, "product \(productName) is not an object")
            }
            try StreamPath.validateField(in: product, at: "product \(productName)")
            guard let versionsValue = product["versions"] else { continue }
            guard case .object(let versions) = versionsValue else {
                throw SimpleStreamsError(.invalidDocument, "'versions' of product \(productName) is not an object")
            }
            for (versionName, versionValue) in versions {
                func pedigree() -> String { "\(productName) version \(versionName)" }
                guard case .object(let version) = versionValue else {
                    throw SimpleStreamsError(.invalidDocument, "\(pedigree()) is not an object")
                }
                try StreamPath.validateField(in: version, at: pedigree())
                guard let itemsValue = version["items"] else { continue }
                guard case .object(let items) = itemsValue else {
                    throw SimpleStreamsError(.invalidDocument, "'items' of \(pedigree()) is not an object")
                }
                for (itemName, itemValue) in items {
                    guard case .object(let item) = itemValue else {
                        throw SimpleStreamsError(.invalidDocument, "\(pedigree()) item \(itemName) is not an object")
                    }
                    try StreamPath.validateField(in: item, at: "\(pedigree()) item \(itemName)")
                }
            }
        }
    }
}

extension ProductsDocument: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONObject(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
