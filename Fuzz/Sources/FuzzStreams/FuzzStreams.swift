import FuzzSupport
import SimpleStreams

@main
enum FuzzStreams {
    /// Treats each input as a simplestreams document (and its first line as a filter expression) and exercises
    /// parsing, alias expansion, flattening, queries, the MAAS view and the writer.
    static func main() {
        runFuzzer(exercise)
    }
}

private func exercise(fd: Int32) {
    guard let bytes = readFuzzInput(fd) else { return }
    if let firstLine = bytes.split(separator: 0x0A, maxSplits: 1).first,
        let expression = String(validating: firstLine, as: UTF8.self), let filter = try? ItemFilter(expression)
    {
        _ = filter.description
    }
    guard let value = try? JSONValue(parsing: bytes) else { return }
    // Writing and reading back must give the same value, in the same order, in both styles.
    for style in [JSONWritingStyle.compact, .simplestreams] {
        guard let reparsed = try? JSONValue(parsing: value.serialized(style)), reparsed == value,
            reparsed.objectValue?.keys == value.objectValue?.keys
        else {
            fatalError("the JSON round trip changed the value (style \(style))")
        }
    }
    guard case .object(let object) = value else { return }
    if let index = try? IndexDocument(json: object) {
        for entry in index.entries { _ = (entry.path, entry.productNames, entry.isProducts) }
    }
    guard let document = try? ProductsDocument(json: object) else { return }
    if let items = try? document.flattenedItems() {
        for item in items.prefix(10_000) {
            _ = item.attributes
            if let path = item.path, !StreamPath.isSafe(path) { fatalError("an unsafe path was flattened: \(path)") }
        }
    }
    let filters = ["arch=amd64", "release~^(jammy|noble)", "ftype!=manifest"]
    if let query = try? StreamQuery(filters: filters, maximumVersions: 1) {
        _ = try? query.run(on: document)
    }
    if let (products, _) = try? document.maasProducts() {
        for product in products { _ = (product.subarchList, product.archList, product.supportEOLDate) }
    }
    _ = document.updatedDate
}
