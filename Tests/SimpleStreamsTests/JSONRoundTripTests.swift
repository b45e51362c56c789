import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport
import Testing

@Suite("JSON: parse and write back")
struct JSONRoundTripTests {
    static let fixtures = [
        "maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json", "maas/simplestreams_bootloaders.json",
        "maas/simplestreams_index.json", "examples/cirros/streams/v1/net.cirros-cloud:devel:download.json",
        "examples/foocloud/streams/v1/com.example.foovendor:released:aws.json",
    ]

    static func fixture(_ name: String) throws -> [UInt8] {
        try Fixture.bytes(name)
    }

    @Test(
        "A real document parses to the same value as JSONSerialization and writes back unchanged",
        arguments: fixtures)
    func realDocumentRoundTrip(name: String) throws {
        let bytes = try Self.fixture(name)
        let value = try JSONValue(parsing: bytes)
        let reference = try JSONSerialization.jsonObject(with: Data(bytes))
        let ours = try JSONSerialization.jsonObject(with: Data(value.serialized()))
        #expect((reference as? NSDictionary) == (ours as? NSDictionary))
        // Parsing our output gives the same tree, key order included.
        let reparsed = try JSONValue(parsing: value.serialized(.simplestreams))
        #expect(reparsed == value)
        #expect(reparsed.objectValue?.keys == value.objectValue?.keys)
    }

    @Test(
        "The MAAS products documents are written back byte for byte as json.dumps(indent=1) wrote them",
        arguments: Fixture.maasProducts)
    func maasFixturesAreByteIdentical(name: String) throws {
        let bytes = try Fixture.bytes(name)
        let document = try ProductsDocument(parsing: bytes)
        #expect(document.serialized(.simplestreams) + [0x0A] == bytes)
        #expect(document.serialized() + [0x0A] == bytes, "the default style of a document is .simplestreams")
        #expect(try JSONValue(parsing: bytes).serialized(.simplestreams) + [0x0A] == bytes)
    }

    @Test(
        "Every fixture survives parse, write and parse with its key order, in every style", arguments: Fixture.allJSON)
    func everyFixtureKeepsKeyOrder(name: String) throws {
        let value = try JSONValue(parsing: try Fixture.bytes(name))
        for style in [JSONWritingStyle.simplestreams, .compact, JSONWritingStyle(indent: 4, escapesNonASCII: false)] {
            let reparsed = try JSONValue(parsing: value.serialized(style))
            #expect(reparsed.isIdentical(to: value), "style \(style)")
            // Writing is deterministic: the second round gives the same bytes.
            #expect(reparsed.serialized(style) == value.serialized(style))
        }
    }

    @Test("Products and index documents keep every field through a round trip", arguments: Fixture.allProducts)
    func productsDocumentRoundTrip(name: String) throws {
        let document = try Fixture.products(name)
        let again = try ProductsDocument(parsing: document.serialized())
        #expect(JSONValue.object(again.json).isIdentical(to: .object(document.json)))
        #expect(again == document)
        #expect(again.itemCount == document.itemCount)
    }

    @Test("Integers of any size, floats, unicode and nested objects survive")
    func awkwardValuesSurvive() throws {
        let text = #"""
            {"big": 123456789012345678901234567890, "negative_big": -9223372036854775809,
             "max": 9223372036854775807, "min": -9223372036854775808, "zero": -0,
             "floats": [1.0, 1e16, 1E+16, 0.1, 1e-05, -0.0, 1.5e300, 2.5E-5, 100.0],
             "unicode": "\u00e9t\u00e9 \ud83d\ude00 \u2603 caf\u00E9", "raw": "été 😀",
             "escapes": "\"\\\/\b\f\n\r\t\u0001\u001f\u007f",
             "products": {"p": {"versions": {"v": {"items": {"notify": {"ftype": "notifications", "size": 1,
               "release_notification": {"message": "Upgrade", "level": 2, "deep": {"list": [1, {"x": null}]}}}}}}}}}
            """#
        let value = try JSONValue(parsing: text.bytes)
        let object = try #require(value.objectValue)
        #expect(object["big"] == .largeInteger("123456789012345678901234567890"))
        #expect(object["negative_big"] == .largeInteger("-9223372036854775809"))
        #expect(object["max"] == .integer(.max))
        #expect(object["min"] == .integer(.min))
        #expect(object["zero"] == .integer(0))
        #expect(
            object["floats"]
                == .array([1.0, 1e16, 1e16, 0.1, 1e-05, .double(-0.0), 1.5e300, 2.5e-5, 100.0]))
        #expect(object["unicode"] == .string("\u{E9}t\u{E9} \u{1F600} \u{2603} caf\u{E9}"))
        #expect(object["raw"] == .string("\u{E9}t\u{E9} \u{1F600}"))
        #expect(object["escapes"] == .string("\"\\/\u{8}\u{C}\n\r\t\u{1}\u{1F}\u{7F}"))
        for style in [JSONWritingStyle.simplestreams, .compact] {
            #expect(try JSONValue(parsing: value.serialized(style)).isIdentical(to: value))
        }
        let written = String(decoding: value.serialized(.simplestreams), as: UTF8.self)
        #expect(written.contains(#""big": 123456789012345678901234567890"#))
        #expect(written.contains(#""negative_big": -9223372036854775809"#))
        #expect(written.contains(#""unicode": "\u00e9t\u00e9 \ud83d\ude00 \u2603 caf\u00e9""#))
        #expect(written.contains("1e+16,"))
        let isASCII = written.utf8.allSatisfy { $0 < 0x80 }
        #expect(isASCII, "the .simplestreams style escapes everything outside ASCII")
        let compact = String(decoding: value.serialized(.compact), as: UTF8.self)
        #expect(compact.contains(#""raw":"été 😀""#))
        #expect(!compact.contains("\n"))

        let document = try ProductsDocument(json: object)
        let item = try #require(try document.flattenedItems().first)
        #expect(
            item.storedFields["release_notification"]
                == ["message": "Upgrade", "level": 2, "deep": ["list": [1, ["x": nil]]]])
        #expect(item.attribute("release_notification") == nil, "objects are not inherited attributes")
        #expect(try ProductsDocument(parsing: document.serialized()) == document)
    }

    @Test("Writing matches Python's json.dumps byte for byte (indent=1, and compact without ensure_ascii)")
    func writingMatchesPython() async throws {
        let value: JSONValue = [
            "floats": [
                1.0, 1e16, 1e15, 1e17, 0.0001, 1e-05, 0.1, 0.30000000000000004, -0.0, 1.7976931348623157e308,
                5e-324, 123456789012345.0, 12345678.9, 9007199254740992.0,
            ],
            "ints": [0, -1, .integer(.max), .integer(.min), .largeInteger("123456789012345678901234567890")],
            "strings": [
                "plain", "é😀☃", "quote \" backslash \\ slash /", "controls \u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}",
                "delete \u{7F} and \u{80} and \u{FFFF} and \u{10FFFF}", "",
            ],
            "empty": ["object": [:], "array": []],
            "literals": [true, false, nil],
            "nested": ["a": ["b": ["c": [1, [2, [3]]]]]],
        ]
        let scratch = try ScratchDirectory(prefix: "simplestreams-json")
        defer { scratch.remove() }
        let input = try scratch.write(value.serialized(.compact), to: "input.json")
        let program = #"""
            import json, sys
            data = json.loads(open(sys.argv[1], encoding="utf-8").read())
            print(json.dumps({
                "indent1": json.dumps(data, indent=1),
                "compact": json.dumps(data, separators=(",", ":"), ensure_ascii=False),
            }))
            """#
        let python = try await Tool.python(program, [input])
        let indent1 = try #require(python.objectValue?["indent1"]?.stringValue)
        let compact = try #require(python.objectValue?["compact"]?.stringValue)
        #expect(String(decoding: value.serialized(.simplestreams), as: UTF8.self) == indent1)
        #expect(String(decoding: value.serialized(.compact), as: UTF8.self) == compact)
    }

    @Test(
        "DEL (U+007F) is escaped as \\u007f in the .simplestreams style, as ensure_ascii does, and kept raw in compact")
    func deleteIsEscapedLikePython() throws {
        let value: JSONValue = ["text": "a\u{7F}b"]
        #expect(String(decoding: value.serialized(.simplestreams), as: UTF8.self) == "{\n \"text\": \"a\\u007fb\"\n}")
        #expect(String(decoding: value.serialized(.compact), as: UTF8.self) == "{\"text\":\"a\u{7F}b\"}")
    }

    @Test("Duplicate keys: the last value wins, at the first position, as in Python")
    func duplicateKeys() throws {
        let value = try JSONValue(parsing: #"{"a": 1, "b": 2, "a": 3, "c": {"x": 1, "x": [2]}}"#.bytes)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == 3)
        #expect(object["c"] == ["x": [2]])
        #expect(value.text == #"{"a":3,"b":2,"c":{"x":[2]}}"#)
    }

    @Test("JSONObject keeps insertion order, replaces in place and removes, past the hash-index threshold")
    func objectOrder() throws {
        var object = JSONObject()
        let keys = (0..<40).map { "key\(($0 * 7) % 40)" }
        for (position, key) in keys.enumerated() { object[key] = .integer(Int64(position)) }
        #expect(object.keys == keys)
        object["key7"] = "replaced"
        #expect(object.keys == keys)
        #expect(object["key7"] == "replaced")
        object["key7"] = nil
        #expect(object.keys == keys.filter { $0 != "key7" })
        #expect(object["key7"] == nil)
        #expect(object.position(of: "key14") == keys.filter { $0 != "key7" }.firstIndex(of: "key14"))
        for key in keys where key != "key7" { #expect(object[key] != nil, "\(key)") }
        // Equality ignores order, like Python dictionaries.
        let reversed = JSONObject(zip(object.keys, object.values).reversed().map { (key: $0.0, value: $0.1) })
        #expect(reversed == object)
        #expect(reversed.hashValue == object.hashValue)
        #expect(!JSONValue.object(reversed).isIdentical(to: .object(object)))
    }
}
