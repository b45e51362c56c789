import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport

/// A simplestreams mirror written into a scratch directory the way the MAAS producer publishes one
/// (`meph2/util.py::signjson_file`): for every document `X.json`, its detached signature `X.json.gpg` and the
/// clearsigned `X.sjson`; `index.sjson` lists the `.sjson` products files, `index.json` the `.json` ones.
struct MirrorBuilder {
    let directory: ScratchDirectory
    let signer: StreamSigner?

    /// The index's `updated`.
    static let indexUpdated = "Thu, 24 Jul 2025 08:01:49 +0000"

    init(signer: StreamSigner?) throws {
        directory = try ScratchDirectory(prefix: "simplestreams-mirror")
        self.signer = signer
    }

    var source: LocalStreamSource {
        get throws { try LocalStreamSource(directory.path) }
    }

    /// The path of the products document for `contentID`, without extension.
    static func stem(_ contentID: String) -> String { "streams/v1/\(contentID)" }

    /// A products document for `contentID`: the synthetic condensed MAAS stream under that content id.
    static func products(contentID: String, updated: String? = "Thu, 24 Jul 2025 09:01:43 +0000") -> JSONObject {
        var json = SyntheticStream.condensed(SyntheticStream.uncondensed())
        json["content_id"] = .string(contentID)
        json["updated"] = updated.map(JSONValue.string)
        return json
    }

    /// The index for `documents`, its entries pointing at `.json` (or `.sjson`) files.
    static func index(for documents: [JSONObject], signedPaths: Bool, updated: String = indexUpdated) -> JSONObject {
        var entries = JSONObject()
        for document in documents {
            let contentID = document["content_id"]?.stringValue ?? "?"
            let products = document["products"]?.objectValue?.keys.map { JSONValue.string($0) } ?? []
            entries[contentID] = [
                "datatype": document["datatype"] ?? "image-ids", "format": "products:1.0",
                "path": .string(stem(contentID) + (signedPaths ? ".sjson" : ".json")), "products": .array(products),
                "updated": document["updated"] ?? .null,
            ]
        }
        return ["format": "index:1.0", "index": .object(entries), "updated": .string(updated)]
    }

    /// The bytes json.dumps(indent=1) writes, with the final line feed of the producer's files.
    static func text(_ json: JSONObject) -> [UInt8] {
        JSONValue.object(json).serialized(.simplestreams) + [0x0A]
    }

    /// Writes `X.json`, and with a signer `X.json.gpg` and `X.sjson` (of `signedJSON`, the `.json` content by
    /// default).
    func publish(_ stem: String, json: [UInt8], signedJSON: [UInt8]? = nil) async throws {
        try directory.write(json, to: stem + ".json")
        guard let signer else { return }
        try directory.write(try await signer.detachSign(json), to: stem + ".json.gpg")
        try directory.write(try await signer.clearsign(signedJSON ?? json), to: stem + ".sjson")
    }

    /// Publishes the products documents and both indexes.
    func publish(_ documents: [JSONObject]) async throws {
        for document in documents {
            try await publish(Self.stem(document["content_id"]?.stringValue ?? "?"), json: Self.text(document))
        }
        try await publish(
            "streams/v1/index", json: Self.text(Self.index(for: documents, signedPaths: false)),
            signedJSON: Self.text(Self.index(for: documents, signedPaths: true)))
    }

    func remove() { directory.remove() }
}
