#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A product of a MAAS stream, seen as MAAS sees it: its parsed id, its lists split, its dates parsed.
///
/// Attributes are read from the product and, when the product does not have them, from the document's top level
/// (where a condensing producer may have moved them).
public struct MaasProduct: Sendable, Hashable, StreamAttributes {
    /// The product as the document holds it.
    public let product: Product
    /// The parsed product id.
    public let id: MaasProductID
    /// The document's top level (without `products`), for inherited attributes.
    let top: JSONObject

    /// The value of `key` on the product, or inherited from the document's top level (strings, numbers, Booleans).
    public func attribute(_ key: String) -> JSONValue? {
        if let value = product.json[key], value.isScalar { return value }
        if let value = top[key], value.isScalar { return value }
        return nil
    }

    /// `subarches` split at commas, each trimmed of spaces, empty entries dropped
    /// (`generic,hwe-p,...,ga-22.04`).
    public var subarchList: [String] { Self.splitList(subarches) }

    /// `arches` split at commas and trimmed (`amd64, i386` on a bootloader), or `[arch]` when there is no `arches`.
    public var archList: [String] {
        if let arches { return Self.splitList(arches) }
        return arch.map { [$0] } ?? []
    }

    /// `support_eol` as a date (midnight UTC), or `nil` when absent or not `YYYY-MM-DD`.
    public var supportEOLDate: Date? { supportEOL.flatMap(StreamDates.parseCalendarDate) }

    /// `support_esm_eol` as a date (midnight UTC), or `nil` when absent or not `YYYY-MM-DD`.
    public var supportESMEOLDate: Date? { supportESMEOL.flatMap(StreamDates.parseCalendarDate) }

    /// The versions, newest first (version names in string order, as MAAS picks the latest).
    public var versionsNewestFirst: [ProductVersion] { product.versionsNewestFirst }

    static func splitList(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(separator: ",").compactMap { entry in
            let trimmed = entry.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
            return trimmed.isEmpty ? nil : String(trimmed)
        }
    }
}

/// The products of a document as MAAS sees them: ``ProductsDocument/maasProducts()``.
public struct MaasProducts: Sendable, Hashable {
    /// The products whose ids are MAAS product ids, in document order.
    public var products: [MaasProduct]
    /// The products whose ids are not (reported, not dropped silently).
    public var refused: [RefusedProduct]
}

/// A product whose id MAAS would not accept, and why.
public struct RefusedProduct: Sendable, Hashable {
    /// The product id.
    public var name: String
    /// Why it was refused.
    public var reason: String
}

extension ProductsDocument {
    /// The products as MAAS products, and the ones whose ids are not MAAS product ids (reported, not dropped
    /// silently). `_aliases` are expanded first.
    public func maasProducts() throws(SimpleStreamsError) -> MaasProducts {
        let expanded = try expandingAliases()
        var top = expanded.json
        top.removeValue(forKey: "products")
        var products: [MaasProduct] = []
        var refused: [RefusedProduct] = []
        for product in expanded.products {
            do {
                products.append(MaasProduct(product: product, id: try MaasProductID(parsing: product.name), top: top))
            } catch {
                refused.append(RefusedProduct(name: product.name, reason: error.message))
            }
        }
        return MaasProducts(products: products, refused: refused)
    }
}
