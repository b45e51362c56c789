/// One product of a ``ProductsDocument``: a product id (`com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04`), its
/// own attributes and its versions.
///
/// The typed accessors of ``StreamAttributes`` read this level only; ``FlattenedItem`` adds what is inherited.
public struct Product: Sendable, Hashable, StreamAttributes {
    /// The product id: the key of the product in `products`.
    public var name: String
    /// The product object as the document holds it.
    public var json: JSONObject

    /// Creates a product.
    public init(name: String, json: JSONObject) {
        self.name = name
        self.json = json
    }

    public func attribute(_ key: String) -> JSONValue? { json[key] }

    /// The versions, in document order (use ``versionsNewestFirst`` for MAAS's order).
    public var versions: [ProductVersion] {
        json.children(of: "versions", ProductVersion.init)
    }

    /// The versions, newest first: version names sorted as strings (by Unicode code points, as Python sorts them),
    /// the order MAAS and python-simplestreams use to pick the latest.
    public var versionsNewestFirst: [ProductVersion] {
        versions.sorted { VersionOrder.isNewer($0.name, than: $1.name) }
    }

    /// The version named `name` (its serial, such as `20250718`).
    public func version(named name: String) -> ProductVersion? {
        json.child(of: "versions", named: name, ProductVersion.init)
    }
}

/// One version of a ``Product``: a serial (`20250718`, `20240622_01`, `20231004.0`) and its items.
public struct ProductVersion: Sendable, Hashable, StreamAttributes {
    /// The version name: the key of the version in `versions`.
    public var name: String
    /// The version object as the document holds it.
    public var json: JSONObject

    /// Creates a version.
    public init(name: String, json: JSONObject) {
        self.name = name
        self.json = json
    }

    public func attribute(_ key: String) -> JSONValue? { json[key] }

    /// The items, in document order.
    public var items: [StreamItem] {
        json.children(of: "items", StreamItem.init)
    }

    /// The item named `name` (`boot-kernel`, `squashfs`, `grub2-signed`, ...).
    public func item(named name: String) -> StreamItem? {
        json.child(of: "items", named: name, StreamItem.init)
    }
}

/// One item of a ``ProductVersion``: usually a file (`ftype`, `path`, `size`, `sha256`), as stored at its own level.
public struct StreamItem: Sendable, Hashable, StreamAttributes {
    /// The item name: the key of the item in `items`.
    public var name: String
    /// The item object as the document holds it.
    public var json: JSONObject

    /// Creates an item.
    public init(name: String, json: JSONObject) {
        self.name = name
        self.json = json
    }

    public func attribute(_ key: String) -> JSONValue? { json[key] }
}

/// The order of version names: plain string order by Unicode code points, as Python's `sorted` and MAAS use.
package enum VersionOrder {
    /// Whether version `name` sorts after `other` (is newer).
    package static func isNewer(_ name: String, than other: String) -> Bool {
        // UTF-8 byte order is code point order.
        other.utf8.lexicographicallyPrecedes(name.utf8)
    }
}
