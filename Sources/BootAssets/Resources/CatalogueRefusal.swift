/// Something a ``BootResourceCatalogue`` refused to build a resource from, and why: a whole document or product,
/// or one item of a version.
public struct CatalogueRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The product id (or, for a whole document, its content id).
    public var product: String
    /// The version, for a refused item.
    public var version: String?
    /// The item, for a refused item.
    public var item: String?
    /// Why it was refused.
    public var reason: String

    /// A refusal.
    public init(product: String, version: String? = nil, item: String? = nil, reason: String) {
        self.product = product
        self.version = version
        self.item = item
        self.reason = reason
    }

    /// `PRODUCT[ VERSION ITEM]: REASON`.
    public var description: String {
        var location = product
        if let version { location += " version \(version)" }
        if let item { location += " item \(item)" }
        return "\(location): \(reason)"
    }
}
