/// A query over products documents: filters on flattened items, then the latest versions of each product.
///
/// The semantics are python-simplestreams' (`sstream-query`, `sstream-mirror`):
/// 1. Every item is flattened with what it inherits (``FlattenedItem``) and must pass every filter (they are ANDed).
/// 2. A version is kept when at least one of its items passes; a product when at least one version is kept.
/// 3. With ``maximumVersions``, only the newest `N` kept versions of each product remain, version names sorted as
///    strings (as MAAS and python-simplestreams sort them). Filtering comes first, so `max` counts versions that
///    have a matching item.
///
/// Results come product by product in document order, versions newest first (the order python-simplestreams
/// visits them in), items in document order.
public struct StreamQuery: Sendable, Hashable {
    /// The filters every item must pass.
    public var filters: [ItemFilter]
    /// How many versions of each product to keep, newest first; `nil` keeps all.
    public var maximumVersions: Int?

    /// Creates a query.
    public init(filters: [ItemFilter] = [], maximumVersions: Int? = nil) {
        self.filters = filters
        self.maximumVersions = maximumVersions
    }

    /// Creates a query from filter expressions (`arch=amd64`, `release~jammy`).
    ///
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/invalidFilter`` or
    ///   ``SimpleStreamsError/Code/invalidRegex`` naming the expression, or
    ///   ``SimpleStreamsError/Code/invalidArgument`` for a negative `maximumVersions`.
    public init(filters expressions: [String], maximumVersions: Int? = nil) throws(SimpleStreamsError) {
        if let maximumVersions, maximumVersions < 0 {
            throw SimpleStreamsError(.invalidArgument, "the maximum number of versions cannot be negative")
        }
        var filters: [ItemFilter] = []
        for expression in expressions { filters.append(try ItemFilter(expression)) }
        self.init(filters: filters, maximumVersions: maximumVersions)
    }

    /// The items of `document` that the query selects.
    ///
    /// - Throws: ``SimpleStreamsError`` for an unknown alias or an unsafe path anywhere in the document (not only in
    ///   the items selected: a document that tries to escape the mirror is refused whole, as python-simplestreams
    ///   refuses it).
    public func run(on document: ProductsDocument) throws(SimpleStreamsError) -> [FlattenedItem] {
        let expanded = try document.expandingAliases()
        var matchers = filters.map(FilterMatcher.init)
        let top = expanded.json
        var result: [FlattenedItem] = []
        for product in expanded.products {
            var kept: [(name: String, items: [FlattenedItem])] = []
            for version in product.versions {
                var selected: [FlattenedItem] = []
                for item in version.items {
                    let flattened = FlattenedItem(top: top, product: product, version: version, item: item)
                    var passes = true
                    for index in matchers.indices where !matchers[index].matches(flattened) {
                        passes = false
                        break
                    }
                    if passes { selected.append(flattened) }
                }
                if !selected.isEmpty { kept.append((version.name, selected)) }
            }
            kept.sort { VersionOrder.isNewer($0.name, than: $1.name) }
            if let maximumVersions, kept.count > maximumVersions { kept.removeLast(kept.count - maximumVersions) }
            for version in kept { result.append(contentsOf: version.items) }
        }
        return result
    }
}
