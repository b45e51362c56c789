import Foundation
import SimpleStreams

#if canImport(Glibc)
    import Glibc
#endif

/// The work the `Streams` suite and `stream-query` time, shared so that both do exactly the same thing.
public enum StreamWorkloads {
    /// The filters of the query benchmarks: amd64 squashfs images of jammy and noble.
    public static let filters = ["arch=amd64", "release~^(jammy|noble)$", "ftype=squashfs"]
    /// The newest versions kept per product by the query benchmarks.
    public static let maximumVersions = 2

    /// The baseline: Foundation's `JSONSerialization.jsonObject(with:)` on the same bytes, nothing else. Returns the
    /// number of products, so the parse cannot be optimised away.
    public static func rawParse(_ bytes: [UInt8]) throws -> Int {
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        guard let top = object as? [String: Any], let products = top["products"] as? [String: Any] else {
            throw StreamInputError("not a products document")
        }
        return products.count
    }

    /// `JSONValue(parsing:)` alone: the order-preserving tree. Returns the number of top-level members.
    public static func parse(_ bytes: [UInt8]) throws -> Int {
        guard case .object(let object) = try JSONValue(parsing: bytes) else {
            throw StreamInputError("not a JSON object")
        }
        return object.count
    }

    /// `ProductsDocument(parsing:)`, `flattenedItems()`, and every item's inherited ``FlattenedItem/attributes``
    /// materialised. Returns the item count and the total number of attributes.
    public static func flattenAll(_ bytes: [UInt8]) throws -> (items: Int, attributes: Int) {
        let document = try ProductsDocument(parsing: bytes)
        let items = try document.flattenedItems()
        var attributes = 0
        for item in items { attributes += item.attributes.count }
        return (items.count, attributes)
    }

    /// `ProductsDocument(parsing:)` and a ``StreamQuery`` run: the library's path. Returns the number of items
    /// selected.
    public static func query(
        _ bytes: [UInt8], filters: [String] = filters, maximumVersions: Int? = maximumVersions
    ) throws -> Int {
        let query = try StreamQuery(filters: filters, maximumVersions: maximumVersions)
        let document = try ProductsDocument(parsing: bytes)
        return try query.run(on: document).count
    }

    /// What jq and python-simplestreams do: every item flattened into a materialised attribute object, the filters
    /// run on those objects, then the newest `maximumVersions` versions with a match kept per product. Returns the
    /// number of items selected (the same as ``query(_:filters:maximumVersions:)``).
    public static func flattenThenFilter(
        _ bytes: [UInt8], filters: [String] = filters, maximumVersions: Int? = maximumVersions
    ) throws -> Int {
        let itemFilters = try filters.map { try ItemFilter($0) }
        let document = try ProductsDocument(parsing: bytes)
        var matchingVersions: [String: [String: Int]] = [:]
        for item in try document.flattenedItems() {
            let attributes = MaterializedAttributes(object: item.attributes)
            guard itemFilters.allSatisfy({ $0.matches(attributes) }) else { continue }
            matchingVersions[item.productName, default: [:]][item.versionName, default: 0] += 1
        }
        var selected = 0
        for versions in matchingVersions.values {
            // Newest first: version names in Unicode code point (UTF-8 byte) order, as MAAS and the library sort them.
            let newest = versions.keys.sorted { $1.utf8.lexicographicallyPrecedes($0.utf8) }
            for name in newest.prefix(maximumVersions ?? newest.count) { selected += versions[name] ?? 0 }
        }
        return selected
    }
}

extension StreamWorkloads {
    /// One phase of ``phases(_:rounds:)``: its name and its median time in seconds over the rounds.
    public typealias Phase = (name: String, seconds: Double)

    /// The query and the full flattening cut into phases, each timed on its own, `rounds` times in one process;
    /// the medians, in the order they run: `parse` (`JSONValue(parsing:)`), `validate` (`ProductsDocument(json:)`:
    /// the shape and every path), `query` (`StreamQuery.run`), `flattenedItems` (`flattenedItems()`), `attributes`
    /// (every item's ``FlattenedItem/attributes``), `release` (freeing the tree, the items and their attributes).
    public static func phases(_ bytes: [UInt8], rounds: Int) throws -> [Phase] {
        let query = try StreamQuery(filters: filters, maximumVersions: maximumVersions)
        var samples: [String: [Double]] = [:]
        let order = ["parse", "validate", "query", "flattenedItems", "attributes", "release"]
        for _ in 0..<rounds {
            var start = monotonicSeconds()
            func lap(_ name: String) {
                let now = monotonicSeconds()
                samples[name, default: []].append(now - start)
                start = now
            }
            let kept = Kept()
            let value = try JSONValue(parsing: bytes)
            lap("parse")
            guard case .object(let object) = value else { throw StreamInputError("not a JSON object") }
            let document = try ProductsDocument(json: object)
            lap("validate")
            let selected = try query.run(on: document)
            lap("query")
            let items = try document.flattenedItems()
            lap("flattenedItems")
            let attributes = items.map(\.attributes)
            lap("attributes")
            kept.value = (value, document, selected, items, attributes)
            start = monotonicSeconds()
            kept.value = nil
            lap("release")
        }
        return order.map { name in
            let sorted = (samples[name] ?? []).sorted()
            return (name, sorted.isEmpty ? 0 : sorted[sorted.count / 2])
        }
    }

    /// Holds a round's results, so that their release is timed where the holder lets go of them.
    private final class Kept {
        var value: (JSONValue, ProductsDocument, [FlattenedItem], [FlattenedItem], [JSONObject])?
    }

    /// `CLOCK_MONOTONIC` in seconds.
    public static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A materialised attribute object, filtered as a flattened item is.
struct MaterializedAttributes: StreamAttributes {
    var object: JSONObject
    func attribute(_ key: String) -> JSONValue? { object[key] }
}
