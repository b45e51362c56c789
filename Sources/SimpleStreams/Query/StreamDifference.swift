/// What changed between two sets of products documents: the products, versions and items (files) one stream has and
/// the other has not, and the items whose file changed.
///
/// The comparison is pure (no I/O): read the documents first, verified, with `StreamReader`. Each side is the union
/// of its documents, keyed by product id, so a product that moved from one products document to another is the same
/// product; when one side names the same product, version and item in two documents, the first document's item
/// counts. Product ids, version names, item names and paths are compared and sorted by their UTF-8 bytes
/// (``BytewiseString``): an NFC and an NFD spelling of one name are two names, as a web server and Python see them.
///
/// - A product only one side has is in ``productsAdded`` or ``productsRemoved`` (its versions are not listed again).
/// - A version only one side has, of a product both have, is in ``versionsAdded`` or ``versionsRemoved``.
/// - An item of a version both sides have is in ``itemsChanged`` when only one side has it, or when its file
///   changed: its path, its size, or its digest. Items are compared on their flattened values (``FlattenedItem``:
///   what they inherit from their version, product and document counts), and the digest compared is the strongest
///   that both sides state (`sha512`, then `sha256`, then `md5`; hexadecimal digits in either case). When the two
///   sides state no algorithm in common, the item changed unless neither states a digest at all.
///
/// ```swift
/// let difference = try StreamDifference(old: oldDocuments, new: newDocuments)
/// for change in difference.versionsAdded { print("+ \(change.product)@\(change.version)") }
/// ```
public struct StreamDifference: Sendable, Equatable {
    /// A version of a product, named by the product id and the version name.
    public struct ProductVersionChange: Sendable, Hashable {
        /// The product id.
        public var product: String
        /// The version name.
        public var version: String

        /// Creates a version reference.
        public init(product: String, version: String) {
            self.product = product
            self.version = version
        }

        /// Whether the product ids and the version names have the same bytes.
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.product.hasSameBytes(as: rhs.product) && lhs.version.hasSameBytes(as: rhs.version)
        }

        /// Hashes the bytes of the product id and the version name.
        public func hash(into hasher: inout Hasher) {
            BytewiseString.hashBytes(of: product, into: &hasher)
            BytewiseString.hashBytes(of: version, into: &hasher)
        }
    }

    /// The file an item describes, as its flattened values state it.
    public struct ItemState: Sendable, Hashable {
        /// `path`, if the item has one.
        public var path: String?
        /// `size` in bytes, if the item states a valid one (see ``StreamAttributes/size``).
        public var size: Int64?
        /// `sha512`, as stated.
        public var sha512: String?
        /// `sha256`, as stated.
        public var sha256: String?
        /// `md5`, as stated.
        public var md5: String?

        /// The digest algorithms an item may state, strongest first.
        public static let digestAlgorithms = ["sha512", "sha256", "md5"]

        /// Creates an item state.
        public init(
            path: String? = nil, size: Int64? = nil, sha512: String? = nil, sha256: String? = nil,
            md5: String? = nil
        ) {
            self.path = path
            self.size = size
            self.sha512 = sha512
            self.sha256 = sha256
            self.md5 = md5
        }

        /// The state of a flattened item.
        public init(_ item: FlattenedItem) {
            self.init(path: item.path, size: item.size, sha512: item.sha512, sha256: item.sha256, md5: item.md5)
        }

        /// The digest stated for `algorithm` (`sha512`, `sha256` or `md5`), if any.
        public func digest(_ algorithm: String) -> String? {
            if algorithm.hasSameBytes(as: "sha512") { return sha512 }
            if algorithm.hasSameBytes(as: "sha256") { return sha256 }
            if algorithm.hasSameBytes(as: "md5") { return md5 }
            return nil
        }

        /// The strongest digest algorithm that both `self` and `other` state, if any.
        public func strongestCommonDigest(with other: ItemState) -> String? {
            Self.digestAlgorithms.first { digest($0) != nil && other.digest($0) != nil }
        }

        /// Whether `self` and `other` describe the same file: the same path (bytes), the same size, and the same
        /// strongest common digest (or no digest on either side).
        public func describesSameFile(as other: ItemState) -> Bool {
            guard Self.sameBytes(path, other.path), size == other.size else { return false }
            if let algorithm = strongestCommonDigest(with: other) {
                return Self.sameDigest(digest(algorithm), other.digest(algorithm))
            }
            return Self.digestAlgorithms.allSatisfy { digest($0) == nil && other.digest($0) == nil }
        }

        /// Whether two optional strings have the same bytes (or are both absent).
        static func sameBytes(_ lhs: String?, _ rhs: String?) -> Bool {
            switch (lhs, rhs) {
            case (nil, nil): true
            case (let lhs?, let rhs?): lhs.hasSameBytes(as: rhs)
            default: false
            }
        }

        /// Whether two optional digests are the same, hexadecimal letters compared in either case.
        public static func sameDigest(_ lhs: String?, _ rhs: String?) -> Bool {
            switch (lhs, rhs) {
            case (nil, nil): true
            case (let lhs?, let rhs?): lhs.utf8.elementsEqual(rhs.utf8) { asciiLowercase($0) == asciiLowercase($1) }
            default: false
            }
        }

        private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
            byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
        }

        /// Whether every field has the same bytes.
        public static func == (lhs: Self, rhs: Self) -> Bool {
            sameBytes(lhs.path, rhs.path) && lhs.size == rhs.size && sameBytes(lhs.sha512, rhs.sha512)
                && sameBytes(lhs.sha256, rhs.sha256) && sameBytes(lhs.md5, rhs.md5)
        }

        /// Hashes the bytes of every field.
        public func hash(into hasher: inout Hasher) {
            for text in [path, sha512, sha256, md5] {
                if let text { BytewiseString.hashBytes(of: text, into: &hasher) } else { hasher.combine(0 as UInt8) }
            }
            hasher.combine(size)
        }
    }

    /// An item of a version both sides have that only one side has, or whose file changed.
    public struct ItemChange: Sendable, Hashable {
        /// The product id.
        public var product: String
        /// The version name.
        public var version: String
        /// The item name.
        public var item: String
        /// The item in the old stream; `nil` when only the new stream has it.
        public var old: ItemState?
        /// The item in the new stream; `nil` when only the old stream has it.
        public var new: ItemState?

        /// Creates an item change.
        public init(product: String, version: String, item: String, old: ItemState?, new: ItemState?) {
            self.product = product
            self.version = version
            self.item = item
            self.old = old
            self.new = new
        }

        /// The item's path: the new one, or the old one when the new stream lacks the item (or its path).
        public var path: String? { new?.path ?? old?.path }

        /// Whether the names have the same bytes and the states are equal.
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.product.hasSameBytes(as: rhs.product) && lhs.version.hasSameBytes(as: rhs.version)
                && lhs.item.hasSameBytes(as: rhs.item) && lhs.old == rhs.old && lhs.new == rhs.new
        }

        /// Hashes the bytes of the names and the states.
        public func hash(into hasher: inout Hasher) {
            for text in [product, version, item] { BytewiseString.hashBytes(of: text, into: &hasher) }
            hasher.combine(old)
            hasher.combine(new)
        }
    }

    /// The product ids only the new stream has, in byte order.
    public var productsAdded: [String] = []
    /// The product ids only the old stream has, in byte order.
    public var productsRemoved: [String] = []
    /// The versions only the new stream has, of products both streams have, in byte order of product then version.
    public var versionsAdded: [ProductVersionChange] = []
    /// The versions only the old stream has, of products both streams have, in byte order of product then version.
    public var versionsRemoved: [ProductVersionChange] = []
    /// The items that changed in versions both streams have, in byte order of product, version, then item.
    public var itemsChanged: [ItemChange] = []

    /// Whether the two streams describe the same products, versions and files.
    public var isEmpty: Bool {
        productsAdded.isEmpty && productsRemoved.isEmpty && versionsAdded.isEmpty && versionsRemoved.isEmpty
            && itemsChanged.isEmpty
    }

    /// Compares the products documents of an old stream with those of a new one.
    ///
    /// - Throws: ``SimpleStreamsError`` when a document's `_aliases` cannot be expanded (an unknown alias, or an
    ///   alias that brings an unsafe path), naming it.
    public init(old: [ProductsDocument], new: [ProductsDocument]) throws(SimpleStreamsError) {
        let oldProducts = try Self.catalogue(old)
        let newProducts = try Self.catalogue(new)
        for product in Self.union(oldProducts.keys, newProducts.keys) {
            switch (oldProducts[product], newProducts[product]) {
            case (nil, _?): productsAdded.append(product.string)
            case (_?, nil): productsRemoved.append(product.string)
            case (let oldVersions?, let newVersions?):
                compare(product: product.string, old: oldVersions, new: newVersions)
            case (nil, nil): break
            }
        }
    }

    /// Creates a difference from its parts, as they are.
    public init(
        productsAdded: [String] = [], productsRemoved: [String] = [], versionsAdded: [ProductVersionChange] = [],
        versionsRemoved: [ProductVersionChange] = [], itemsChanged: [ItemChange] = []
    ) {
        self.productsAdded = productsAdded
        self.productsRemoved = productsRemoved
        self.versionsAdded = versionsAdded
        self.versionsRemoved = versionsRemoved
        self.itemsChanged = itemsChanged
    }

    /// Whether every list is equal, names compared by bytes.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        func sameNames(_ lhs: [String], _ rhs: [String]) -> Bool {
            lhs.elementsEqual(rhs) { $0.hasSameBytes(as: $1) }
        }
        return sameNames(lhs.productsAdded, rhs.productsAdded) && sameNames(lhs.productsRemoved, rhs.productsRemoved)
            && lhs.versionsAdded == rhs.versionsAdded && lhs.versionsRemoved == rhs.versionsRemoved
            && lhs.itemsChanged == rhs.itemsChanged
    }

    // MARK: - Comparison

    /// Items by name, of versions by name, of products by id.
    private typealias Items = [BytewiseString: ItemState]
    private typealias Versions = [BytewiseString: Items]
    private typealias Catalogue = [BytewiseString: Versions]

    /// Every item of `documents`, flattened, keyed by product id, version name and item name; the first document to
    /// name an item wins.
    private static func catalogue(_ documents: [ProductsDocument]) throws(SimpleStreamsError) -> Catalogue {
        var catalogue: Catalogue = [:]
        for document in documents {
            let expanded = try document.expandingAliases()
            let top = expanded.json
            for product in expanded.products {
                let productKey = BytewiseString(product.name)
                var versions = catalogue.removeValue(forKey: productKey) ?? [:]
                for version in product.versions {
                    let versionKey = BytewiseString(version.name)
                    var items = versions.removeValue(forKey: versionKey) ?? [:]
                    for item in version.items where items[BytewiseString(item.name)] == nil {
                        let flattened = FlattenedItem(top: top, product: product, version: version, item: item)
                        items[BytewiseString(item.name)] = ItemState(flattened)
                    }
                    versions[versionKey] = items
                }
                catalogue[productKey] = versions
            }
        }
        return catalogue
    }

    /// The keys of both sides, once each, in byte order.
    private static func union(
        _ lhs: some Sequence<BytewiseString>, _ rhs: some Sequence<BytewiseString>
    ) -> [BytewiseString] {
        Set(lhs).union(rhs).sorted()
    }

    private mutating func compare(product: String, old: Versions, new: Versions) {
        for version in Self.union(old.keys, new.keys) {
            switch (old[version], new[version]) {
            case (nil, _?): versionsAdded.append(ProductVersionChange(product: product, version: version.string))
            case (_?, nil): versionsRemoved.append(ProductVersionChange(product: product, version: version.string))
            case (let oldItems?, let newItems?):
                for item in Self.union(oldItems.keys, newItems.keys) {
                    let oldState = oldItems[item]
                    let newState = newItems[item]
                    if let oldState, let newState, oldState.describesSameFile(as: newState) { continue }
                    itemsChanged.append(
                        ItemChange(
                            product: product, version: version.string, item: item.string, old: oldState,
                            new: newState))
                }
            case (nil, nil): break
            }
        }
    }
}
