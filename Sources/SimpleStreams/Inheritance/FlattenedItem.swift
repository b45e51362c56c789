/// An item with every attribute it inherits, exactly as python-simplestreams' `products_exdata` computes it.
///
/// The attributes are those of the document's top level, then the product, then the version, then the item, each
/// level overwriting the one above: the deepest level wins. Only strings, numbers and Booleans are inherited (Python's
/// `stringitems`); arrays, objects and `null` at any level are not attributes. Three names are added: `product_name`
/// after the product's attributes, `version_name` after the version's, and `item_name` after the item's, so
/// `item_name` always names the item, while a `product_name` stored on a version or item overrides the synthetic one,
/// as in Python.
///
/// Values keep their JSON type (``JSONValue/integer(_:)`` for `size`); ``pythonString(_:)`` gives the text Python
/// compares filters against.
public struct FlattenedItem: Sendable, Hashable, StreamAttributes {
    /// The product id.
    public let productName: String
    /// The version name.
    public let versionName: String
    /// The item name.
    public let itemName: String

    // The four levels, after `_aliases` expansion.
    let top: JSONObject
    let product: JSONObject
    let version: JSONObject
    let item: JSONObject

    init(top: JSONObject, product: Product, version: ProductVersion, item: StreamItem) {
        self.top = top
        self.product = product.json
        self.version = version.json
        self.item = item.json
        self.productName = product.name
        self.versionName = version.name
        self.itemName = item.name
    }

    /// The inherited value of `key`: from the deepest level that has it as a string, number or Boolean.
    public func attribute(_ key: String) -> JSONValue? {
        if key.hasSameBytes(as: "item_name") { return .string(itemName) }
        if let value = item[key], value.isScalar { return value }
        if key.hasSameBytes(as: "version_name") { return .string(versionName) }
        if let value = version[key], value.isScalar { return value }
        if key.hasSameBytes(as: "product_name") { return .string(productName) }
        if let value = product[key], value.isScalar { return value }
        if let value = top[key], value.isScalar { return value }
        return nil
    }

    /// The inherited value of `key` as Python's `str()` renders it: what filters compare.
    public func pythonString(_ key: String) -> String? {
        attribute(key)?.pythonString
    }

    /// Every attribute, in the order Python's dictionary holds them: top-level keys first, then the keys each deeper
    /// level adds, a key keeping its first position when a deeper level overwrites its value.
    public var attributes: JSONObject {
        var result = JSONObject()
        result.reserveCapacity(top.count + product.count + version.count + item.count + 3)
        func merge(_ level: JSONObject) {
            for (key, value) in level where value.isScalar { result.append(key, value) }
        }
        merge(top)
        merge(product)
        result.append("product_name", .string(productName))
        merge(version)
        result.append("version_name", .string(versionName))
        merge(item)
        result.append("item_name", .string(itemName))
        return result
    }

    /// The item's own fields as the document stores them, including arrays and objects (such as
    /// `release_notification`), which are not inherited.
    public var storedFields: JSONObject { item }
}

extension ProductsDocument {
    /// Every item of every version of every product, flattened with what it inherits, in document order.
    ///
    /// `_aliases` are expanded first, and the expanded document is checked again like any document (an alias can
    /// bring a `path`), so every item's inherited path is safe.
    ///
    /// - Throws: ``SimpleStreamsError`` with ``SimpleStreamsError/Code/unknownAlias`` or
    ///   ``SimpleStreamsError/Code/unsafePath`` naming the item.
    public func flattenedItems() throws(SimpleStreamsError) -> [FlattenedItem] {
        let expanded = try expandingAliases()
        var result: [FlattenedItem] = []
        let top = expanded.json
        for product in expanded.products {
            for version in product.versions {
                for item in version.items {
                    result.append(FlattenedItem(top: top, product: product, version: version, item: item))
                }
            }
        }
        return result
    }

    /// The document with its `_aliases` expanded (itself when it has none); see ``FlattenedItem``.
    public func expandingAliases() throws(SimpleStreamsError) -> ProductsDocument {
        guard aliases != nil else { return self }
        return try ProductsDocument(json: AliasExpansion.expand(json))
    }
}

extension FlattenedItem {
    /// Where the item sits, for messages: `product version item`.
    public var pedigree: String { "\(productName) \(versionName) \(itemName)" }
}
