import SimpleStreams
import SimpleStreamsTestSupport
import Testing

@Suite("StreamDifference: products, versions and items between two streams")
struct StreamDifferenceTests {
    typealias Version = StreamDifference.ProductVersionChange
    typealias Change = StreamDifference.ItemChange
    typealias State = StreamDifference.ItemState

    static let sha = String(repeating: "a", count: 64)
    static let otherSHA = String(repeating: "b", count: 64)

    /// An item object: a file with a path, a size and digests.
    static func item(_ path: String, size: Int = 10, sha256: String? = sha, extra: String = "") -> String {
        var fields = ["\"ftype\": \"squashfs\"", "\"path\": \"\(path)\"", "\"size\": \(size)"]
        if let sha256 { fields.append("\"sha256\": \"\(sha256)\"") }
        if !extra.isEmpty { fields.append(extra) }
        return "{\(fields.joined(separator: ", "))}"
    }

    /// A products document: `products` maps product ids to versions, each to its items (name → item object).
    static func document(
        _ products: [(String, [(String, [(String, String)])])], contentID: String = "com.example:test",
        top: String = ""
    ) throws -> ProductsDocument {
        let productTexts = products.map { product, versions in
            let versionTexts = versions.map { version, items in
                let itemTexts = items.map { "\(quoted($0.0)): \($0.1)" }
                return "\(quoted(version)): {\"items\": {\(itemTexts.joined(separator: ", "))}}"
            }
            return "\(quoted(product)): {\"arch\": \"amd64\", \"versions\": {\(versionTexts.joined(separator: ", "))}}"
        }
        let text = """
            {"format": "products:1.0", "content_id": "\(contentID)", \(top)
             "products": {\(productTexts.joined(separator: ", "))}}
            """
        return try ProductsDocument(parsing: text.bytes)
    }

    static func quoted(_ text: String) -> String { "\"\(text)\"" }

    /// Two products with two versions each.
    static func base() throws -> ProductsDocument {
        try document([
            ("p:a", [("1", [("squashfs", item("a/1/s"))]), ("2", [("squashfs", item("a/2/s"))])]),
            ("p:b", [("1", [("squashfs", item("b/1/s"))]), ("2", [("squashfs", item("b/2/s"))])]),
        ])
    }

    @Test("identical documents, and no documents at all, differ in nothing")
    func equal() throws {
        let difference = try StreamDifference(old: [try Self.base()], new: [try Self.base()])
        #expect(difference.isEmpty)
        #expect(difference == StreamDifference())
        #expect(try StreamDifference(old: [], new: []).isEmpty)
    }

    @Test("products added and removed are listed once, in byte order, without their versions")
    func products() throws {
        let old = try Self.base()
        let new = try Self.document([
            ("p:a", [("1", [("squashfs", Self.item("a/1/s"))]), ("2", [("squashfs", Self.item("a/2/s"))])]),
            ("p:d", [("1", [("squashfs", Self.item("d/1/s"))])]),
            ("p:c", [("1", [("squashfs", Self.item("c/1/s"))])]),
        ])
        let difference = try StreamDifference(old: [old], new: [new])
        #expect(difference == StreamDifference(productsAdded: ["p:c", "p:d"], productsRemoved: ["p:b"]))
        #expect(!difference.isEmpty)
        let reverse = try StreamDifference(old: [new], new: [old])
        #expect(reverse == StreamDifference(productsAdded: ["p:b"], productsRemoved: ["p:c", "p:d"]))
    }

    @Test("versions added and removed of products both sides have")
    func versions() throws {
        let new = try Self.document([
            ("p:a", [("2", [("squashfs", Self.item("a/2/s"))]), ("3", [("squashfs", Self.item("a/3/s"))])]),
            ("p:b", [("1", [("squashfs", Self.item("b/1/s"))]), ("2", [("squashfs", Self.item("b/2/s"))])]),
        ])
        let difference = try StreamDifference(old: [try Self.base()], new: [new])
        #expect(
            difference
                == StreamDifference(
                    versionsAdded: [Version(product: "p:a", version: "3")],
                    versionsRemoved: [Version(product: "p:a", version: "1")]))
    }

    @Test("a same-path size change and a same-size digest change are item changes")
    func sizeAndDigest() throws {
        let new = try Self.document([
            ("p:a", [("1", [("squashfs", Self.item("a/1/s", size: 11))]), ("2", [("squashfs", Self.item("a/2/s"))])]),
            (
                "p:b",
                [
                    ("1", [("squashfs", Self.item("b/1/s"))]),
                    ("2", [("squashfs", Self.item("b/2/s", sha256: Self.otherSHA))]),
                ]
            ),
        ])
        let difference = try StreamDifference(old: [try Self.base()], new: [new])
        #expect(
            difference.itemsChanged == [
                Change(
                    product: "p:a", version: "1", item: "squashfs",
                    old: State(path: "a/1/s", size: 10, sha256: Self.sha),
                    new: State(path: "a/1/s", size: 11, sha256: Self.sha)),
                Change(
                    product: "p:b", version: "2", item: "squashfs",
                    old: State(path: "b/2/s", size: 10, sha256: Self.sha),
                    new: State(path: "b/2/s", size: 10, sha256: Self.otherSHA)),
            ])
        #expect(difference.productsAdded.isEmpty && difference.versionsAdded.isEmpty)
        #expect(difference.itemsChanged.first?.path == "a/1/s")
    }

    @Test("a changed path counts; an item added to or removed from a version counts with the other side nil")
    func pathAndItems() throws {
        let new = try Self.document([
            (
                "p:a",
                [
                    ("1", [("squashfs", Self.item("a/1/moved"))]),
                    ("2", [("squashfs", Self.item("a/2/s")), ("kernel", Self.item("a/2/k"))]),
                ]
            ),
            ("p:b", [("1", [("squashfs", Self.item("b/1/s"))]), ("2", [])]),
        ])
        let difference = try StreamDifference(old: [try Self.base()], new: [new])
        #expect(
            difference.itemsChanged == [
                Change(
                    product: "p:a", version: "1", item: "squashfs",
                    old: State(path: "a/1/s", size: 10, sha256: Self.sha),
                    new: State(path: "a/1/moved", size: 10, sha256: Self.sha)),
                Change(
                    product: "p:a", version: "2", item: "kernel", old: nil,
                    new: State(path: "a/2/k", size: 10, sha256: Self.sha)),
                Change(
                    product: "p:b", version: "2", item: "squashfs",
                    old: State(path: "b/2/s", size: 10, sha256: Self.sha),
                    new: nil),
            ])
        #expect(difference.itemsChanged.map(\.path) == ["a/1/moved", "a/2/k", "b/2/s"])
    }

    @Test("the strongest digest both sides state is compared; hexadecimal case does not matter")
    func strongestCommonDigest() throws {
        let sha512 = String(repeating: "c", count: 128)
        func compare(_ old: String, _ new: String) throws -> Bool {
            let oldDocument = try Self.document([("p", [("1", [("f", old)])])])
            let newDocument = try Self.document([("p", [("1", [("f", new)])])])
            return try StreamDifference(old: [oldDocument], new: [newDocument]).isEmpty
        }
        // A sha512 added next to an unchanged sha256: sha256 is the strongest both have.
        #expect(try compare(Self.item("f"), Self.item("f", extra: "\"sha512\": \"\(sha512)\"")))
        // Both state sha512: a changed sha256 does not matter beside an unchanged sha512... but a changed sha512 does.
        #expect(
            try compare(
                Self.item("f", extra: "\"sha512\": \"\(sha512)\""),
                Self.item("f", sha256: Self.otherSHA, extra: "\"sha512\": \"\(sha512)\"")))
        #expect(
            try !compare(
                Self.item("f", extra: "\"sha512\": \"\(sha512)\""),
                Self.item("f", extra: "\"sha512\": \"\(String(repeating: "d", count: 128))\"")))
        #expect(try compare(Self.item("f"), Self.item("f", sha256: Self.sha.uppercased())))
        // No algorithm in common: changed; no digest on either side: compared on path and size only.
        #expect(
            try !compare(
                Self.item("f"), Self.item("f", sha256: nil, extra: "\"md5\": \"\(String(repeating: "e", count: 32))\""))
        )
        #expect(try compare(Self.item("f", sha256: nil), Self.item("f", sha256: nil)))
        #expect(try !compare(Self.item("f", sha256: nil), Self.item("f")))
    }

    @Test("items are compared on their flattened values: a path inherited from the version or document counts")
    func inherited() throws {
        let old = try ProductsDocument(
            parsing: #"""
                {"format": "products:1.0", "sha256": "\#(Self.sha)", "products": {"p": {"versions": {
                  "1": {"path": "v/1/f", "items": {"f": {"size": 10}}}}}}}
                """#.bytes)
        let same = try ProductsDocument(
            parsing: #"""
                {"format": "products:1.0", "products": {"p": {"versions": {
                  "1": {"items": {"f": {"size": 10, "path": "v/1/f", "sha256": "\#(Self.sha)"}}}}}}}
                """#.bytes)
        let moved = try ProductsDocument(
            parsing: #"""
                {"format": "products:1.0", "sha256": "\#(Self.sha)", "products": {"p": {"versions": {
                  "1": {"path": "v/2/f", "items": {"f": {"size": 10}}}}}}}
                """#.bytes)
        #expect(try StreamDifference(old: [old], new: [same]).isEmpty)
        let difference = try StreamDifference(old: [old], new: [moved])
        #expect(difference.itemsChanged.map(\.path) == ["v/2/f"])
        #expect(difference.itemsChanged.first?.old?.path == "v/1/f")
    }

    @Test("aliases are expanded before comparing")
    func aliases() throws {
        let aliased = try ProductsDocument(
            parsing: #"""
                {"format": "products:1.0", "_aliases": {"sizes": {"big": {"size": 20}}},
                 "products": {"p": {"versions": {"1": {"items": {"f": {"path": "f", "sizes": "big"}}}}}}}
                """#.bytes)
        let plain = try ProductsDocument(
            parsing:
                #"{"format": "products:1.0", "products": {"p": {"versions": {"1": {"items": {"f": {"path": "f", "size": 20}}}}}}}"#
                .bytes)
        #expect(try StreamDifference(old: [aliased], new: [plain]).isEmpty)
    }

    @Test("NFC and NFD spellings of a product id are two products; names sort by bytes")
    func normalisation() throws {
        let nfc = "p:caf\u{e9}"
        let nfd = "p:cafe\u{301}"
        let old = try Self.document([(nfc, [("1", [("f", Self.item("f"))])])])
        let new = try Self.document([(nfd, [("1", [("f", Self.item("f"))])])])
        let difference = try StreamDifference(old: [old], new: [new])
        #expect(difference.productsAdded.count == 1 && difference.productsRemoved.count == 1)
        #expect(difference.productsAdded.first?.utf8.elementsEqual(nfd.utf8) == true)
        #expect(difference.productsRemoved.first?.utf8.elementsEqual(nfc.utf8) == true)
        #expect(difference != StreamDifference(productsAdded: [nfc], productsRemoved: [nfd]))

        // Byte order, not String order: "Z" (0x5A) sorts before "a" (0x61), "é" (0xC3 0xA9) after both.
        let many = try Self.document([
            (nfc, [("1", [("f", Self.item("f"))])]), ("p:a", [("1", [("f", Self.item("f"))])]),
            ("p:Z", [("1", [("f", Self.item("f"))])]),
        ])
        #expect(try StreamDifference(old: [], new: [many]).productsAdded == ["p:Z", "p:a", nfc])
    }

    @Test("products are keyed by id across documents; a product moving between documents is unchanged")
    func severalDocuments() throws {
        let one = try Self.document([
            ("p:a", [("1", [("squashfs", Self.item("a/1/s"))])]), ("p:b", [("1", [("squashfs", Self.item("b/1/s"))])]),
        ])
        let first = try Self.document([("p:a", [("1", [("squashfs", Self.item("a/1/s"))])])], contentID: "one")
        let second = try Self.document([("p:b", [("1", [("squashfs", Self.item("b/1/s"))])])], contentID: "two")
        #expect(try StreamDifference(old: [one], new: [second, first]).isEmpty)
        // The versions of one product in two documents are merged; the first document's item wins.
        let split = try Self.document([("p:a", [("2", [("squashfs", Self.item("a/2/s"))])])], contentID: "three")
        let shadowed = try Self.document([("p:a", [("1", [("squashfs", Self.item("a/1/other"))])])], contentID: "four")
        let difference = try StreamDifference(old: [first], new: [first, split, shadowed])
        #expect(difference == StreamDifference(versionsAdded: [Version(product: "p:a", version: "2")]))
    }

    @Test("an unknown alias is an error")
    func unknownAlias() throws {
        let document = try ProductsDocument(
            parsing: #"""
                {"format": "products:1.0", "_aliases": {"sizes": {"big": {"size": 20}}},
                 "products": {"p": {"versions": {"1": {"items": {"f": {"path": "f", "sizes": "none"}}}}}}}
                """#.bytes)
        let error = simpleStreamsError { try StreamDifference(old: [document], new: []) }
        #expect(error?.code == .unknownAlias)
    }
}
