import Foundation
import SimpleStreams
import TestSupport
import Testing

/// The checked-in fixtures (Fixtures/).
enum Fixture {
    /// The path of a fixture file.
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return url.path
    }

    /// The bytes of a fixture file.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }

    /// A fixture parsed as a products document.
    static func products(_ name: String) throws -> ProductsDocument {
        try ProductsDocument(parsing: try bytes(name))
    }

    /// The three real MAAS products documents.
    static let maasProducts = [
        "maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json", "maas/simplestreams_bootloaders.json",
    ]

    /// Every JSON fixture.
    static let allJSON = [
        "maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json", "maas/simplestreams_bootloaders.json",
        "maas/simplestreams_index.json", "examples/minimal/streams/v1/download.json",
        "examples/minimal/streams/v1/index.json", "examples/cirros/streams/v1/index.json",
        "examples/cirros/streams/v1/net.cirros-cloud:devel:download.json",
        "examples/cirros/streams/v1/net.cirros-cloud:released:download.json",
        "examples/foocloud/streams/v1/index.json",
        "examples/foocloud/streams/v1/com.example.foovendor:released:aws.json",
        "examples/foocloud/streams/v1/com.example.foovendor:released:download.json",
        "legacy-signed/cirros-streams.js",
    ]

    /// The products documents among ``allJSON``.
    static let allProducts = [
        "maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json", "maas/simplestreams_bootloaders.json",
        "examples/minimal/streams/v1/download.json",
        "examples/cirros/streams/v1/net.cirros-cloud:devel:download.json",
        "examples/cirros/streams/v1/net.cirros-cloud:released:download.json",
        "examples/foocloud/streams/v1/com.example.foovendor:released:aws.json",
        "examples/foocloud/streams/v1/com.example.foovendor:released:download.json",
    ]
}

extension Tool {
    /// Runs a Python 3 program given as text with `arguments`, and parses its standard output as JSON.
    static func python(_ program: String, _ arguments: [String]) async throws -> JSONValue {
        let scratch = try ScratchDirectory(prefix: "simplestreams-python")
        defer { scratch.remove() }
        let script = try scratch.write(program, to: "program.py")
        let result = try await run("python3", [script] + arguments, check: true)
        return try JSONValue(parsing: result.standardOutput)
    }
}
