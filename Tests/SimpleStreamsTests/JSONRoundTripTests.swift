import Foundation
import SimpleStreams
import Testing

@Suite("JSON: parse and write back")
struct JSONRoundTripTests {
    static let fixtures = ["maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json",
        "maas/simplestreams_bootloaders.json", "maas/simplestreams_index.json",
        "examples/cirros/streams/v1/net.cirros-cloud:devel:download.json",
        "examples/foocloud/streams/v1/com.example.foovendor:released:aws.json"]

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    @Test("A real document parses to the same value as JSONSerialization and writes back unchanged",
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
}
