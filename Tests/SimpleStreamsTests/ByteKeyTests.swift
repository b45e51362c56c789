import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport
import Testing

/// JSON keys, names and paths are byte strings, as Python's `json` and `dict` keep them (issue 16, defect 3):
/// `String ==` would merge NFC and NFD spellings, and `K` with KELVIN SIGN.
@Suite("Byte strings: keys and names compared by their UTF-8 bytes")
struct ByteKeyTests {
    /// Pairs `String ==` calls equal and Python keeps apart.
    static let lookalikes: [(String, String)] = [
        ("caf\u{e9}", "cafe\u{301}"), ("K", "\u{212A}"), (";", "\u{37E}"), ("\u{212B}", "\u{C5}"),
    ]

    /// A document whose object keys hold every lookalike, a byte-identical duplicate (the last value wins), and a
    /// large object (past the hash index threshold) holding them again.
    static var document: String {
        var members: [String] = []
        for (index, pair) in lookalikes.enumerated() {
            members.append("\(JSONValue.string(pair.0).text): \(2 * index)")
            members.append("\(JSONValue.string(pair.1).text): \(2 * index + 1)")
        }
        members.append(#""K": "last""#)
        var large: [String] = (0..<100).map { #""key\#($0)": \#($0)"# }
        for (first, second) in lookalikes {
            large.append("\(JSONValue.string(first).text): \"first\"")
            large.append("\(JSONValue.string(second).text): \"second\"")
        }
        members.append(#""large": {\#(large.joined(separator: ", "))}"#)
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// Python's members of every object, in order: `[key, value]` pairs, objects as nested lists.
    static let pythonMembers = #"""
        import json, sys
        def members(value):
            if isinstance(value, dict):
                return [[k, members(v)] for k, v in value.items()]
            return value
        print(json.dumps(members(json.load(open(sys.argv[1], encoding="utf-8"))), ensure_ascii=True))
        """#

    /// Our members in the same shape.
    static func members(_ value: JSONValue) -> JSONValue {
        guard case .object(let object) = value else { return value }
        return .array(object.map { member in [.string(member.key), members(member.value)] })
    }

    @Test("Parsed objects keep the keys Python keeps, in its order, with its values (differential)")
    func matchesPython() async throws {
        try #require(PythonOracle.isAvailable)
        let text = Self.document
        let value = try JSONValue(parsing: text.bytes)
        let scratch = try ScratchDirectory(prefix: "simplestreams-bytekeys")
        defer { scratch.remove() }
        let path = try scratch.write(text, to: "document.json")
        let python = try await Tool.python(Self.pythonMembers, [path])
        #expect(Self.members(value).isIdentical(to: python))
        // 4 pairs, plus "large"; the second "K" replaced the first one's value in place.
        let object = try #require(value.objectValue)
        #expect(object.count == 2 * Self.lookalikes.count + 1)
        #expect(object["K"] == "last")
        #expect(object.position(of: "K") == 2)
    }

    @Test("Lookups find the member with exactly the bytes asked for, in small and indexed objects")
    func lookups() throws {
        let object = try #require(try JSONValue(parsing: Self.document.bytes).objectValue)
        let large = try #require(object["large"]?.objectValue)
        for (index, (first, second)) in Self.lookalikes.enumerated() where first != "K" {
            #expect(object[first] == .integer(Int64(2 * index)), "\(first.unicodeScalars.map(\.value))")
            #expect(object[second] == .integer(Int64(2 * index + 1)))
            #expect(large[first] == "first")
            #expect(large[second] == "second")
        }
        #expect(object["\u{212A}"] == 3)
        #expect(object["cafe"] == nil)
        // Removing one spelling leaves the other.
        var copy = large
        #expect(copy.removeValue(forKey: "cafe\u{301}") == "second")
        #expect(copy["caf\u{e9}"] == "first")
        #expect(copy["cafe\u{301}"] == nil)
        #expect(large["cafe\u{301}"] == "second")
        // Setting a lookalike adds a member; setting the same bytes replaces.
        var small: JSONObject = ["K": 1]
        small["\u{212A}"] = 2
        small["K"] = 3
        #expect(small.count == 2)
        #expect(small.keys.map(BytewiseString.init) == ["K", "\u{212A}"].map(BytewiseString.init))
    }

    @Test("Parse, serialize, parse gives byte-identical keys, in every writing style")
    func roundTrip() throws {
        let value = try JSONValue(parsing: Self.document.bytes)
        for style in [JSONWritingStyle.compact, .simplestreams, JSONWritingStyle(indent: 2)] {
            let again = try JSONValue(parsing: value.serialized(style))
            #expect(again.isIdentical(to: value))
            #expect(again == value)
        }
    }

    @Test("Values, objects and arrays compare and hash strings by bytes")
    func valueEquality() {
        #expect(JSONValue.string("caf\u{e9}") != .string("cafe\u{301}"))
        #expect(Set<JSONValue>([.string("K"), .string("\u{212A}"), .string("K")]).count == 2)
        let nfc: JSONObject = ["caf\u{e9}": 1]
        let nfd: JSONObject = ["cafe\u{301}": 1]
        #expect(nfc != nfd)
        #expect(Set([nfc, nfd]).count == 2)
        #expect(JSONValue.array(["K"]) != .array(["\u{212A}"]))
        // Order does not matter for objects, as for Python dictionaries.
        #expect(JSONObject(["a": 1, "b": 2]) == JSONObject(["b": 2, "a": 1]))
    }

    @Test("Products, versions and items named alike are kept apart, flattened and queried as Python does")
    func namesMatchPython() async throws {
        try #require(PythonOracle.isAvailable)
        let text = #"""
            {"format": "products:1.0", "content_id": "com.example:test", "\u212aind": "kelvin", "Kind": "k",
             "products": {
              "caf\u00e9": {"arch": "amd64", "versions": {
               "2025\u00e9": {"items": {"k\u00e9": {"path": "a/caf\u00e9", "ftype": "squashfs"},
                                        "ke\u0301": {"path": "a/cafe\u0301", "ftype": "squashfs"}}},
               "2025e\u0301": {"items": {"x": {"path": "b/x", "ftype": "squashfs"}}}}},
              "cafe\u0301": {"arch": "arm64", "versions": {"1": {"items": {"K": {"path": "c/K"},
                                                                             "\u212a": {"path": "c/\u212a"}}}}}}}
            """#
        let document = try ProductsDocument(parsing: text.bytes)
        #expect(document.products.count == 2)
        let items = try document.flattenedItems()
        #expect(items.count == 5)
        let queries: [(filters: [String], max: Int?)] = [
            ([], nil), ([], 1), (["item_name=k\u{e9}"], nil), (["Kind=kelvin"], nil), (["\u{212A}ind=kelvin"], nil),
            (["path~caf"], nil), (["product_name=cafe\u{301}"], nil), (["version_name~^2025e"], nil),
        ]
        let python = try await PythonOracle.flatten(document.json, queries: queries)
        #expect(items.count == python.items.count)
        for (item, expected) in zip(items, python.items) {
            let pedigree = [item.productName, item.versionName, item.itemName]
            #expect(pedigree.map(BytewiseString.init) == expected.pedigree.map(BytewiseString.init))
            #expect(JSONValue.object(item.attributes).isIdentical(to: .object(expected.attributes)))
        }
        for (query, expected) in zip(queries, python.queries) {
            let ours = try StreamQuery(filters: query.filters, maximumVersions: query.max).run(on: document)
            let pedigrees = ours.map { [$0.productName, $0.versionName, $0.itemName].map(BytewiseString.init) }
            #expect(pedigrees == expected.map { $0.map(BytewiseString.init) }, "\(query.filters)")
        }
        #expect(document.product(named: "cafe\u{301}")?.attribute("arch") == "arm64")
        #expect(document.product(named: "caf\u{e9}")?.attribute("arch") == "amd64")
        let versions = try #require(document.product(named: "caf\u{e9}")).versionsNewestFirst.map(\.name)
        #expect(versions.map(BytewiseString.init) == ["2025\u{e9}", "2025e\u{301}"].map(BytewiseString.init))
    }
}
