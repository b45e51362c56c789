import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import Testing

@Suite("Inheritance: top → product → version → item")
struct InheritanceTests {
    /// Every level sets something, overrides something, and holds arrays, objects and null that must be ignored.
    static let levels = #"""
        {
         "format": "products:1.0", "content_id": "com.example:levels", "datatype": "image-ids",
         "updated": "Thu, 24 Jul 2025 09:01:43 +0000", "label": "top-label", "os": "top-os", "top_only": "T",
         "top_list": ["x"], "count": 7, "flag": true, "ratio": 1.0, "big": 1e16, "huge": 123456789012345678901234567890,
         "product_name": "top-pn", "item_name": "top-in", "version_name": "top-vn",
         "products": {
          "p1": {
           "os": "product-os", "arch": "amd64", "product_name": "stored-pn", "nested": {"a": 1}, "label": null,
           "versions": {
            "v1": {
             "label": "version-label", "product_name": "version-pn", "os": {"x": 1},
             "items": {
              "i1": {"path": "a/b", "sha256": "abc", "size": 476, "item_name": "bogus", "version_name": "item-vn",
                     "arch": ["x"], "flag": false}
             }
            },
            "v2": {
             "version_name": "stored-vn", "count": null,
             "items": {
              "i2": {"path": "a/c", "size": "12", "product_name": "item-pn", "top_only": {"o": 1}},
              "i3": {"path": "a/d", "size": -1, "label": ""}
             }
            }
           }
          }
         }
        }
        """#

    static func levelsDocument() throws -> ProductsDocument {
        try ProductsDocument(parsing: levels.bytes)
    }

    static func item(_ items: [FlattenedItem], _ name: String) throws -> FlattenedItem {
        try #require(items.first { $0.itemName == name })
    }

    @Test("The deepest level wins; arrays, objects and null neither inherit nor hide a scalar above them")
    func deepestWins() throws {
        let items = try Self.levelsDocument().flattenedItems()
        #expect(items.map(\.pedigree) == ["p1 v1 i1", "p1 v2 i2", "p1 v2 i3"])
        let i1 = try Self.item(items, "i1")
        #expect(i1.string("label") == "version-label")
        #expect(i1.string("os") == "product-os", "the version's object does not hide the product's string")
        #expect(i1.string("arch") == "amd64", "the item's array does not hide the product's string")
        #expect(i1.string("top_only") == "T")
        #expect(i1.string("content_id") == "com.example:levels")
        #expect(i1.contentID == "com.example:levels")
        #expect(i1.attribute("flag") == false)
        #expect(i1.attribute("size") == 476)
        #expect(i1.attribute("top_list") == nil)
        #expect(i1.attribute("nested") == nil)
        #expect(i1.attribute("products") == nil)
        #expect(i1.attribute("items") == nil)
        #expect(i1.attribute("versions") == nil)
        #expect(i1.attribute("missing") == nil)
        #expect(i1.storedFields["arch"] == ["x"], "the stored fields keep the array")

        let i2 = try Self.item(items, "i2")
        #expect(i2.string("label") == "top-label", "the product's null does not hide the top level's string")
        #expect(i2.string("os") == "product-os")
        #expect(i2.attribute("count") == 7, "the version's null does not hide the top level's number")
        #expect(i2.string("top_only") == "T", "the item's object does not hide the top level's string")
        #expect(i2.attribute("flag") == true)

        let i3 = try Self.item(items, "i3")
        #expect(i3.string("label") == "", "an empty string is a value and wins")
    }

    @Test("product_name, version_name and item_name follow Python's precedence")
    func syntheticNames() throws {
        let items = try Self.levelsDocument().flattenedItems()
        let i1 = try Self.item(items, "i1")
        #expect(i1.productName == "p1")
        #expect(i1.versionName == "v1")
        #expect(i1.itemName == "i1")
        #expect(i1.string("item_name") == "i1", "item_name always names the item")
        #expect(i1.string("version_name") == "item-vn", "an item-level version_name overrides the synthetic one")
        #expect(i1.string("product_name") == "version-pn", "a version-level product_name overrides the synthetic one")

        let i2 = try Self.item(items, "i2")
        #expect(i2.string("product_name") == "item-pn")
        #expect(i2.string("version_name") == "v2", "a version-level version_name is overwritten by the synthetic one")
        #expect(i2.string("item_name") == "i2")

        let i3 = try Self.item(items, "i3")
        #expect(i3.string("product_name") == "p1", "a product-level product_name is overwritten by the synthetic one")
        #expect(i3.string("version_name") == "v2")
        #expect(i3.attributes["product_name"] == "p1")
        #expect(i3.attributes["version_name"] == "v2")
        #expect(i3.attributes["item_name"] == "i3")
    }

    @Test("attributes holds the keys in the order of Python's dictionary, values as stored")
    func attributeOrder() throws {
        let items = try Self.levelsDocument().flattenedItems()
        let i1 = try Self.item(items, "i1")
        #expect(
            i1.attributes.keys == [
                "format", "content_id", "datatype", "updated", "label", "os", "top_only", "count", "flag", "ratio",
                "big", "huge", "product_name", "item_name", "version_name", "arch", "path", "sha256", "size",
            ])
        #expect(i1.attributes["product_name"] == "version-pn")
        #expect(i1.attributes["version_name"] == "item-vn")
        #expect(i1.attributes["item_name"] == "i1")
        #expect(i1.attributes["size"] == 476)
        #expect(i1.attributes["ratio"] == 1.0)
        for (key, value) in i1.attributes {
            #expect(i1.attribute(key) == value, "attributes and attribute(_:) agree on \(key)")
        }
        let i2 = try Self.item(items, "i2")
        #expect(
            i2.attributes.keys == [
                "format", "content_id", "datatype", "updated", "label", "os", "top_only", "count", "flag", "ratio",
                "big", "huge", "product_name", "item_name", "version_name", "arch", "path", "size",
            ])
        for (key, value) in i2.attributes { #expect(i2.attribute(key) == value, "\(key)") }
    }

    @Test("pythonString renders values as Python's str()")
    func pythonStrings() throws {
        let items = try Self.levelsDocument().flattenedItems()
        let i1 = try Self.item(items, "i1")
        #expect(i1.pythonString("size") == "476")
        #expect(i1.pythonString("count") == "7")
        #expect(i1.pythonString("flag") == "False")
        #expect(try Self.item(items, "i2").pythonString("flag") == "True")
        #expect(i1.pythonString("ratio") == "1.0")
        #expect(i1.pythonString("big") == "1e+16")
        #expect(i1.pythonString("huge") == "123456789012345678901234567890")
        #expect(i1.pythonString("top_list") == nil)
        #expect(i1.pythonString("missing") == nil)

        let cases: [(JSONValue, String?)] = [
            (.string("x"), "x"), (.string(""), ""), (.integer(0), "0"), (.integer(-5), "-5"),
            (.integer(.min), "-9223372036854775808"), (.largeInteger("-99999999999999999999"), "-99999999999999999999"),
            (.double(1.0), "1.0"), (.double(1e16), "1e+16"), (.double(1e15), "1000000000000000.0"),
            (.double(0.1), "0.1"), (.double(1e-05), "1e-05"), (.double(0.0001), "0.0001"), (.double(-0.0), "-0.0"),
            (.double(2.5e-5), "2.5e-05"), (.double(1.5e300), "1.5e+300"), (.double(123456789.0), "123456789.0"),
            (.bool(true), "True"), (.bool(false), "False"), (.null, nil), (.array([]), nil), (.object([:]), nil),
        ]
        for (value, expected) in cases {
            #expect(value.pythonString == expected, "\(value)")
            #expect(value.isScalar == (expected != nil), "\(value)")
        }
    }

    @Test("Typed accessors read the inherited values; size accepts an integer or a string of digits")
    func typedAccessors() throws {
        let items = try Self.levelsDocument().flattenedItems()
        #expect(try Self.item(items, "i1").size == 476)
        #expect(try Self.item(items, "i2").size == 12)
        #expect(try Self.item(items, "i3").size == nil, "a negative size is not a size")
        let i1 = try Self.item(items, "i1")
        #expect(i1.path == "a/b")
        #expect(i1.sha256 == "abc")
        #expect(i1.os == "product-os")
        #expect(i1.label == "version-label")
        #expect(i1.format == "products:1.0")
        #expect(i1.datatype == "image-ids")
        #expect(i1.updatedDate == StreamDates.parseRFC2822("Thu, 24 Jul 2025 09:01:43 +0000"))
        #expect(i1.arch == "amd64")
    }

    @Test("A stream condensed as the producer condenses it flattens back to every item's original fields")
    func condensedStreamFlattensBack() throws {
        let original = SyntheticStream.uncondensed()
        let condensed = SyntheticStream.condensed(original)
        let document = try ProductsDocument(json: condensed)

        // The condensing did move fields: check the shape it produced.
        let product = try #require(document.products.first)
        #expect(product.arch == "amd64")
        #expect(product.release == "jammy")
        #expect(product.subarches == "generic,ga-22.04,ga-24.04")
        #expect(product.label == nil, "label differs between versions")
        let version = try #require(product.version(named: "20250718"))
        #expect(version.label == "candidate")
        #expect(version.arch == nil)
        let item = try #require(version.item(named: "boot-kernel"))
        #expect(Set(item.json.keys) == ["ftype", "path", "sha256", "size", "kpackage"])
        #expect(item.json["size"] == 1000, "an int never moves up, even when every item has the same")
        let arm = try #require(document.products.first { $0.arch == "arm64" })
        let armSquashfs = try #require(arm.version(named: "20250601")?.item(named: "squashfs"))
        #expect(Set(armSquashfs.json.keys) == ["ftype", "path", "sha256", "size", "rolling", "ratio"])

        // Flattening gives every original field back, with the same value, on every item.
        let flattened = try document.flattenedItems()
        let originals = try Self.items(of: original)
        #expect(flattened.count == originals.count)
        #expect(flattened.count == document.itemCount)
        for (item, expected) in zip(flattened, originals) {
            #expect(item.pedigree == expected.pedigree)
            for (key, value) in expected.fields {
                #expect(item.attribute(key) == value, "\(item.pedigree): \(key)")
            }
            #expect(item.contentID == "com.example.maas:stable:v3:download")
            #expect(item.attribute("product_name") == .string(item.productName))
        }
    }

    static func items(of tree: JSONObject) throws -> [(pedigree: String, fields: JSONObject)] {
        var result: [(pedigree: String, fields: JSONObject)] = []
        for (productName, product) in try #require(tree["products"]?.objectValue) {
            for (versionName, version) in try #require(product.objectValue?["versions"]?.objectValue) {
                for (itemName, item) in try #require(version.objectValue?["items"]?.objectValue) {
                    result.append(("\(productName) \(versionName) \(itemName)", try #require(item.objectValue)))
                }
            }
        }
        return result
    }

    @Test("The real Ubuntu stream: items inherit the product's fields and keep their own")
    func maasUbuntuFlattening() throws {
        let document = try Fixture.products("maas/simplestreams_ubuntu.json")
        let items = try document.flattenedItems()
        #expect(items.count == document.itemCount)
        #expect(!items.isEmpty)
        for item in items {
            let product = try #require(document.product(named: item.productName))
            let stored = try #require(product.version(named: item.versionName)?.item(named: item.itemName))
            #expect(product.json["arch"] != nil && product.json["release"] != nil)
            #expect(item.arch == product.arch)
            #expect(item.release == product.release)
            #expect(item.subarches == product.subarches)
            #expect(item.label == product.label)
            #expect(item.contentID == "com.ubuntu.maas:stable:v3:download")
            #expect(item.sha256 == stored.sha256 && item.sha256?.count == 64)
            #expect(item.size == stored.json["size"]?.integerValue && item.size != nil)
            #expect(item.path == stored.path && item.path?.hasPrefix(product.release ?? "?") == true)
            #expect(item.ftype == stored.ftype)
        }
        let kernel = try #require(
            items.first {
                $0.productName == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04" && $0.itemName == "boot-kernel"
            })
        #expect(kernel.arch == "amd64")
        #expect(kernel.release == "jammy")
        #expect(kernel.label == "stable")
        #expect(kernel.kpackage == "linux-generic")
        #expect(kernel.supportEOL == "2027-04-21")
        #expect(kernel.subarches?.hasPrefix("generic,hwe-p,") == true)
    }

    @Test("Versions sort as strings, newest first")
    func versionOrder() throws {
        let document = try ProductsDocument(
            parsing: #"""
                {"products": {"p": {"versions": {"20250718": {}, "20250718.1": {}, "20240101_01": {}, "9": {},
                 "20250718_02": {}, "Z": {}, "é": {}}}}}
                """#.bytes)
        let product = try #require(document.product(named: "p"))
        #expect(
            product.versions.map(\.name) == ["20250718", "20250718.1", "20240101_01", "9", "20250718_02", "Z", "é"])
        #expect(
            product.versionsNewestFirst.map(\.name) == [
                "é", "Z", "9", "20250718_02", "20250718.1", "20250718", "20240101_01",
            ])
        #expect(VersionOrder.isNewer("20250718.1", than: "20250718"))
        #expect(!VersionOrder.isNewer("20250718", than: "20250718"))
        #expect(VersionOrder.isNewer("9", than: "10"), "string order, not numeric")
    }

    static let differentialDocuments: [String] = Fixture.allProducts + ["levels", "synthetic"]

    static func document(named name: String) throws -> JSONObject {
        switch name {
        case "levels": return try levelsDocument().json
        case "synthetic": return SyntheticStream.condensed(SyntheticStream.uncondensed())
        default: return try Fixture.products(name).json
        }
    }

    @Test(
        "Flattening agrees with python-simplestreams' products_exdata, key order and str() values included",
        .enabled(if: PythonOracle.isAvailable), arguments: differentialDocuments)
    func flatteningMatchesPython(name: String) async throws {
        let json = try Self.document(named: name)
        let items = try ProductsDocument(json: json).flattenedItems()
        let python = try await PythonOracle.flatten(json)
        #expect(items.count == python.items.count)
        for (item, expected) in zip(items, python.items) {
            #expect([item.productName, item.versionName, item.itemName] == expected.pedigree)
            let attributes = item.attributes
            #expect(attributes.keys == expected.attributes.keys, "\(item.pedigree)")
            for (key, value) in expected.attributes {
                #expect(attributes[key]?.pythonString == value.stringValue, "\(item.pedigree): \(key)")
                #expect(item.pythonString(key) == value.stringValue, "\(item.pedigree): \(key)")
            }
        }
    }
}
