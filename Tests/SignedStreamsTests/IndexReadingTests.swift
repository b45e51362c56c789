import Foundation
import SignedStreams
import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport
import Testing

@Suite("Reading: indexes, datatypes and formats")
struct IndexReadingTests {
    static let notifications = #"""
        {"format": "products:1.0", "datatype": "release-notifications", "content_id": "com.example:1:maas-notification",
         "updated": "Thu, 24 Jul 2025 08:01:48 +0000",
         "products": {"com.example:1:notification": {"versions": {"20250701": {"items": {"notice": {
          "ftype": "notifications", "path": "notifications/20250701.json", "size": 12,
          "release_notification": {"maas_version": "3.6", "message": "Upgrade to 3.6", "version": 1}}}}}}}}
        """#

    /// A plain (unsigned) mirror: the real MAAS index, with an extra notifications entry, an entry of an unknown
    /// format, an entry without a path, and a nested index.
    static func mirror() throws -> ScratchDirectory {
        let scratch = try ScratchDirectory(prefix: "simplestreams-index")
        var index = try #require(try JSONValue(parsing: try Fixture.bytes("maas/simplestreams_index.json")).objectValue)
        var entries = try #require(index["index"]?.objectValue)
        entries["com.example:1:maas-notification"] = [
            "datatype": "release-notifications", "format": "products:1.0",
            "path": "streams/v1/com.example:1:maas-notification.json", "updated": "Thu, 24 Jul 2025 08:01:48 +0000",
        ]
        entries["com.example:future"] = [
            "datatype": "image-ids", "format": "products:2.0", "path": "streams/v2/x.json",
        ]
        entries["com.example:pathless"] = ["datatype": "image-ids", "format": "products:1.0"]
        entries["com.example:nested"] = ["format": "index:1.0", "path": "streams/v1/nested.json"]
        index["index"] = .object(entries)
        try scratch.write(JSONValue.object(index).serialized(.simplestreams), to: "streams/v1/index.json")
        for (name, file) in [
            ("com.ubuntu.maas:stable:v3:download", "simplestreams_ubuntu.json"),
            ("com.ubuntu.maas:stable:1:bootloader-download", "simplestreams_bootloaders.json"),
            ("com.ubuntu.maas:stable:centos-bases-download", "simplestreams_centos.json"),
        ] {
            try scratch.write(try Fixture.bytes("maas/" + file), to: "streams/v1/\(name).json")
        }
        try scratch.write(notifications, to: "streams/v1/com.example:1:maas-notification.json")
        try scratch.write(
            #"""
            {"format": "index:1.0", "updated": "Thu, 24 Jul 2025 08:01:49 +0000", "index": {
             "com.example:nested-products": {"format": "products:1.0", "path": "streams/v1/nested-products.json"},
             "com.example:loop": {"format": "index:1.0", "path": "streams/v1/index.json"}}}
            """#, to: "streams/v1/nested.json")
        try scratch.write(
            #"""
            {"format": "products:1.0", "content_id": "com.example:nested-products", "products": {"n": {"arch": "amd64",
             "versions": {"1": {"items": {"squashfs": {"ftype": "squashfs", "path": "n/1/squashfs"}}}}}}}
            """#, to: "streams/v1/nested-products.json")
        return scratch
    }

    @Test("Unknown datatypes are read, unknown formats and pathless entries are skipped, nested indexes followed")
    func unknownDatatypesAndFormats() async throws {
        let scratch = try Self.mirror()
        defer { scratch.remove() }
        let reader = StreamReader(source: try LocalStreamSource(scratch.path), policy: .allowUnsigned)
        let result = try await reader.query(StreamQuery())
        #expect(result.indexes.map(\.path) == ["streams/v1/index.json", "streams/v1/nested.json"])
        #expect(
            Set(result.products.map { $0.document.contentID ?? "?" }) == [
                "com.ubuntu.maas:stable:v3:download", "com.ubuntu.maas:stable:1:bootloader-download",
                "com.ubuntu.maas:stable:centos-bases-download", "com.example:1:maas-notification",
                "com.example:nested-products",
            ])
        #expect(Set(result.skippedEntries.map(\.contentID)) == ["com.example:future", "com.example:pathless"])
        let notice = try #require(result.items.first { $0.ftype == "notifications" })
        #expect(notice.datatype == "release-notifications")
        #expect(notice.storedFields["release_notification"]?.objectValue?["message"] == "Upgrade to 3.6")
        let total = result.products.reduce(0) { $0 + $1.document.itemCount }
        #expect(result.items.count == total)

        let index = try await reader.readIndex()
        let future = try #require(index.document.entry(for: "com.example:future"))
        #expect(!future.isProducts && !future.isIndex)
        #expect(try #require(index.document.entry(for: "com.example:nested")).isIndex)
        let download = try #require(index.document.entry(for: "com.ubuntu.maas:stable:v3:download"))
        #expect(download.isProducts)
        #expect(download.datatype == "image-ids")
        #expect(download.productNames.contains("com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04"))
        #expect(index.document.updated == "Thu, 24 Jul 2025 08:01:49 +0000")
    }

    @Test("A query over an index filters the items of every products document")
    func queryThroughIndex() async throws {
        let scratch = try Self.mirror()
        defer { scratch.remove() }
        let reader = StreamReader(source: try LocalStreamSource(scratch.path), policy: .allowUnsigned)
        let result = try await reader.query(
            try StreamQuery(filters: ["arch=amd64", "ftype=squashfs"], maximumVersions: 1))
        #expect(
            result.items.map(\.pedigree) == [
                "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04 20250718 squashfs",
                "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04 20250709 squashfs", "n 1 squashfs",
            ])
        // A products document can be queried directly.
        let direct = try await reader.query(
            try StreamQuery(filters: ["release=jammy", "ftype=squashfs", "arch=amd64"], maximumVersions: 1),
            path: "streams/v1/com.ubuntu.maas:stable:v3:download.json")
        #expect(direct.indexes.isEmpty)
        #expect(direct.items.map(\.path) == ["jammy/amd64/20250718/squashfs"])
    }

    @Test("A document of an unknown format cannot be queried; a missing one is not found")
    func unknownTopFormat() async throws {
        let scratch = try Self.mirror()
        defer { scratch.remove() }
        try scratch.write(#"{"format": "stream-collection:1.0", "streams": []}"#, to: "streams/v1/other.json")
        let reader = StreamReader(source: try LocalStreamSource(scratch.path), policy: .allowUnsigned)
        let error = await simpleStreamsError { try await reader.query(StreamQuery(), path: "streams/v1/other.json") }
        #expect(error?.code == .invalidDocument)
        #expect(error?.message.contains("stream-collection:1.0") == true)
        let missing = await simpleStreamsError { try await reader.query(StreamQuery(), path: "streams/v1/none.json") }
        #expect(missing?.code == .notFound)
        let index = await simpleStreamsError { try await reader.readIndex(at: "streams/v1/other.json") }
        #expect(index?.code == .invalidDocument)
        #expect(index?.message.hasPrefix("streams/v1/other.json") == true)
    }

    @Test("An unsafe path in the index stops the query before anything is read through it")
    func unsafeIndexEntry() async throws {
        let scratch = try Self.mirror()
        defer { scratch.remove() }
        try scratch.write(
            #"{"format": "index:1.0", "index": {"evil": {"format": "products:1.0", "path": "../outside.json"}}}"#,
            to: "streams/v1/evil.json")
        let reader = StreamReader(source: try LocalStreamSource(scratch.path), policy: .allowUnsigned)
        let error = await simpleStreamsError { try await reader.query(StreamQuery(), path: "streams/v1/evil.json") }
        #expect(error?.code == .unsafePath)
        #expect(error?.message.contains("evil") == true)
    }
}
