import FuzzSupport
import SimpleStreams

@main
enum FuzzStreams {
    /// Treats each input as a simplestreams document (and its first line as a filter expression and a path) and
    /// exercises parsing, byte-keyed objects, path canonicalisation, alias expansion, flattening, queries, the MAAS
    /// view and the writer.
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
    if let firstLine = bytes.split(separator: 0x0A, maxSplits: 1).first,
        let path = String(validating: firstLine, as: UTF8.self)
    {
        checkCanonical(path)
    }
    guard let value = try? JSONValue(parsing: bytes) else { return }
    // Writing and reading back must give the same value, with byte-identical keys in the same order, in both styles.
    for style in [JSONWritingStyle.compact, .simplestreams] {
        guard let reparsed = try? JSONValue(parsing: value.serialized(style)), reparsed == value,
            sameKeys(reparsed, value)
        else {
            fatalError("the JSON round trip changed the value (style \(style))")
        }
    }
    checkObjects(value, budget: 100_000)
    guard case .object(let object) = value else { return }
    if let index = try? IndexDocument(json: object) {
        for entry in index.entries { _ = (entry.path, entry.productNames, entry.isProducts) }
    }
    guard let document = try? ProductsDocument(json: object) else { return }
    if let items = try? document.flattenedItems() {
        for item in items.prefix(10_000) {
            _ = item.attributes
            if let path = item.path, !isAcceptedItemPath(path) { fatalError("an unsafe path was flattened: \(path)") }
        }
    }
    let filters = ["arch=amd64", "release~^(jammy|noble)", "ftype!=manifest"]
    if let query = try? StreamQuery(filters: filters, maximumVersions: 1) {
        _ = try? query.run(on: document)
    }
    if let products = try? document.maasProducts().products {
        for product in products { _ = (product.subarchList, product.archList, product.supportEOLDate) }
    }
    _ = document.updatedDate
}

/// Whether `lhs` and `rhs` hold objects with the same keys, byte for byte and in the same order, at every level.
private func sameKeys(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.object(let left), .object(let right)):
        guard left.count == right.count else { return false }
        for (l, r) in zip(left, right) {
            guard l.key.utf8.elementsEqual(r.key.utf8), sameKeys(l.value, r.value) else { return false }
        }
        return true
    case (.array(let left), .array(let right)):
        return left.count == right.count && zip(left, right).allSatisfy { sameKeys($0, $1) }
    default:
        return true
    }
}

/// Every object's keys are distinct by bytes and found at their own position; every string is checked as a path.
private func checkObjects(_ value: JSONValue, budget: Int) {
    var budget = budget
    func visit(_ value: JSONValue) {
        guard budget > 0 else { return }
        budget -= 1
        switch value {
        case .object(let object):
            var seen = Set<BytewiseString>()
            for (position, member) in object.enumerated() {
                guard seen.insert(BytewiseString(member.key)).inserted else {
                    fatalError("a parsed object holds a key twice")
                }
                guard object.position(of: member.key) == position else {
                    fatalError("a key is not found at its own position")
                }
                visit(member.value)
            }
        case .array(let elements):
            for element in elements { visit(element) }
        case .string(let text):
            checkCanonical(text)
        default:
            break
        }
    }
    visit(value)
}

/// An accepted path is canonical: no empty, `.` or `..` segment, no percent sign, no leading `/`; and the spellings
/// a file system or a server would take as the same path are refused.
private func checkCanonical(_ path: String) {
    guard isAcceptedItemPath(path) else { return }
    // Segments by bytes: a `/` followed by a combining mark is one Character, but still a separator on disk.
    let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    let dot = Array(".".utf8)
    let dotDot = Array("..".utf8)
    if segments.contains(where: { $0.isEmpty || $0.elementsEqual(dot) || $0.elementsEqual(dotDot) })
        || path.utf8.contains(UInt8(ascii: "%"))
    {
        fatalError("an accepted path is not canonical: \(path)")
    }
    for variant in ["./" + path, path + "/", path + "/.", "a/../" + path, path.replacingFirstSlash(with: "/./")] {
        guard let variant, !variant.utf8.elementsEqual(path.utf8) else { continue }
        if isAcceptedItemPath(variant) { fatalError("another spelling of an accepted path is accepted: \(variant)") }
    }
}

/// Whether a products document accepts `path` as an item's path (`StreamPath` is `package`, so the check goes through
/// the public API: a one-item document with that path, refused with `unsafe-path` when the path is not accepted; any
/// other refusal is a bug).
private func isAcceptedItemPath(_ path: String) -> Bool {
    let item: JSONObject = ["path": .string(path)]
    let document: JSONObject = [
        "format": "products:1.0",
        "products": ["p": ["versions": ["v": ["items": ["i": .object(item)]]]]],
    ]
    do {
        _ = try ProductsDocument(json: document).flattenedItems()
        return true
    } catch {
        if error.code != .unsafePath { fatalError("a path was refused as \(error.code), not unsafe-path: \(path)") }
        return false
    }
}

extension String {
    fileprivate func replacingFirstSlash(with replacement: String) -> String? {
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let rest = utf8[utf8.index(after: slash)...]
        return String(decoding: utf8[..<slash], as: UTF8.self) + replacement + String(decoding: rest, as: UTF8.self)
    }
}
