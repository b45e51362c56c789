import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import Testing

@Suite("Inheritance: _aliases expansion")
struct AliasTests {
    static let aliased = #"""
        {
         "format": "products:1.0", "content_id": "com.example:aliases", "cloud": "east",
         "_aliases": {
          "crsn": {
           "us-east-1": {"region": "us-east-1", "endpoint": "https://ec2.us-east-1.amazonaws.com"},
           "eu-west-1": {"region": "eu-west-1", "endpoint": "https://ec2.eu-west-1.amazonaws.com", "zones": ["a"]}
          },
          "maas": {"std": {"label": "aliased-label", "arch": "arm64"}},
          "cloud": {"east": {"provider": "example-cloud"}},
          "falsy": {},
          "nullref": null
         },
         "products": {
          "p": {
           "arch": "amd64", "maas": "std", "label": "own-label",
           "versions": {
            "v1": {
             "items": {
              "overridden": {"crsn": "us-east-1", "region": "OVERRIDDEN?", "path": "p/v1/a"},
              "empty": {"crsn": "", "region": "kept", "path": "p/v1/b"},
              "number": {"crsn": 5, "path": "p/v1/c"},
              "falsy": {"falsy": "anything", "nullref": "x", "path": "p/v1/d"},
              "listed": {"regions": [{"crsn": "eu-west-1"}, "eu-west-1", [{"crsn": "us-east-1"}]], "path": "p/v1/e"}
             }
            }
           }
          }
         }
        }
        """#

    static func document() throws -> ProductsDocument {
        try ProductsDocument(parsing: aliased.bytes)
    }

    @Test("An alias overwrites existing keys in place, adds its others, and keeps the alias key")
    func overwriteAndKeep() throws {
        let items = try Self.document().flattenedItems()
        let item = try #require(items.first { $0.itemName == "overridden" })
        #expect(item.string("region") == "us-east-1")
        #expect(item.string("endpoint") == "https://ec2.us-east-1.amazonaws.com")
        #expect(item.string("crsn") == "us-east-1", "the alias key stays")
        #expect(item.storedFields.keys == ["crsn", "region", "path", "endpoint"])

        // At product level, the alias overwrites the product's own arch and label, which the items inherit.
        #expect(item.arch == "arm64")
        #expect(item.label == "aliased-label")
        // At the top level too.
        #expect(item.string("provider") == "example-cloud")

        let expanded = try Self.document().expandingAliases()
        let product = try #require(expanded.product(named: "p"))
        #expect(product.json.keys == ["arch", "maas", "label", "versions"], "overwritten keys keep their position")
        #expect(product.arch == "arm64")
        #expect(expanded.json["_aliases"] == (try Self.document()).json["_aliases"], "the table itself stays")
        #expect(expanded.json["provider"] == "example-cloud")
    }

    @Test("Empty strings, non-strings and falsy alias tables are skipped")
    func skipped() throws {
        let items = try Self.document().flattenedItems()
        let empty = try #require(items.first { $0.itemName == "empty" })
        #expect(empty.string("region") == "kept")
        #expect(empty.attribute("endpoint") == nil)
        let number = try #require(items.first { $0.itemName == "number" })
        #expect(number.attribute("crsn") == 5)
        #expect(number.attribute("endpoint") == nil)
        let falsy = try #require(items.first { $0.itemName == "falsy" })
        #expect(falsy.storedFields.keys == ["falsy", "nullref", "path"])
    }

    @Test("Objects inside arrays are expanded too")
    func insideArrays() throws {
        let items = try Self.document().flattenedItems()
        let listed = try #require(items.first { $0.itemName == "listed" })
        let regions = try #require(listed.storedFields["regions"]?.arrayValue)
        #expect(regions.count == 3)
        #expect(
            regions[0]
                == [
                    "crsn": "eu-west-1", "region": "eu-west-1", "endpoint": "https://ec2.eu-west-1.amazonaws.com",
                    "zones": ["a"],
                ])
        #expect(regions[1] == "eu-west-1", "a bare string in an array has no key, so nothing to expand")
        #expect(
            regions[2]
                == [["crsn": "us-east-1", "region": "us-east-1", "endpoint": "https://ec2.us-east-1.amazonaws.com"]])
        #expect(listed.attribute("regions") == nil, "arrays are not inherited attributes")
        #expect(listed.attribute("region") == nil)
    }

    @Test("A value missing from its alias table is an unknownAlias error naming the key and the value")
    func unknownAlias() throws {
        var text = Self.aliased.replacingOccurrences(
            of: #""crsn": "us-east-1", "region""#, with: #""crsn": "mars-1", "region""#)
        #expect(text != Self.aliased)
        let document = try ProductsDocument(parsing: text.bytes)
        let error = try #require(simpleStreamsError { try document.flattenedItems() })
        #expect(error.code == .unknownAlias)
        #expect(error.message.contains("crsn"), "\(error.message)")
        #expect(error.message.contains("mars-1"), "\(error.message)")
        #expect(simpleStreamsError { try document.expandingAliases() }?.code == .unknownAlias)
        #expect(simpleStreamsError { try StreamQuery().run(on: document) }?.code == .unknownAlias)

        // At product level as well.
        text = Self.aliased.replacingOccurrences(of: #""maas": "std""#, with: #""maas": "nonstandard""#)
        let productLevel = try ProductsDocument(parsing: text.bytes)
        #expect(simpleStreamsError { try productLevel.flattenedItems() }?.code == .unknownAlias)
    }

    @Test("Without an _aliases table nothing changes")
    func noTable() throws {
        let document = try Fixture.products("maas/simplestreams_bootloaders.json")
        #expect(document.aliases == nil)
        #expect(try document.expandingAliases() == document)
        let empty = try ProductsDocument(
            parsing: #"{"_aliases": {}, "products": {"p": {"crsn": "x", "versions": {"v": {"items": {"i": {}}}}}}}"#
                .bytes)
        #expect(try empty.flattenedItems().first?.string("crsn") == "x")
    }

    @Test(
        "Expansion and flattening agree with python-simplestreams' expand_tree and products_exdata",
        .enabled(if: PythonOracle.isAvailable))
    func matchesPython() async throws {
        let document = try Self.document()
        let items = try document.flattenedItems()
        let python = try await PythonOracle.flatten(document.json)
        #expect(items.count == python.items.count)
        for (item, expected) in zip(items, python.items) {
            #expect([item.productName, item.versionName, item.itemName] == expected.pedigree)
            #expect(item.attributes.keys == expected.attributes.keys, "\(item.pedigree)")
            for (key, value) in expected.attributes {
                #expect(item.pythonString(key) == value.stringValue, "\(item.pedigree): \(key)")
            }
        }
    }

    @Test("An alias that brings itself back, or one that multiplies the document, is a limit error, not a hang")
    func runawayAliases() throws {
        // Found by FuzzStreams: the alias object carries the alias key again, so Python recurses until it fails.
        let selfReferencing = try Fixture.products("fuzz/self-referencing-alias.json")
        let error = simpleStreamsError { try selfReferencing.expandingAliases() }
        #expect(error?.code == .limitExceeded, "\(String(describing: error))")

        // Each level's alias brings two copies of the next one: 2^40 objects if nothing stopped it.
        var levels: [String] = []
        for level in 0..<40 {
            levels.append(#""l\#(level)": {"x": {"a": {"l\#(level + 1)": "x"}, "b": {"l\#(level + 1)": "x"}}}"#)
        }
        let text = #"{"_aliases": {\#(levels.joined(separator: ", "))}, "products": {"p": {"l0": "x"}}}"#
        let multiplying = try ProductsDocument(parsing: Array(text.utf8))
        let multiplied = simpleStreamsError { try multiplying.flattenedItems() }
        #expect(multiplied?.code == .limitExceeded, "\(String(describing: multiplied))")
    }
}
