import Foundation
import SimpleStreams
import TestSupport
import Testing

@Suite("Paths: nothing escapes the mirror root")
struct PathSafetyTests {
    static let unsafe = [
        "..", "a/..", "../x", "a/../b", "a/b/..", "/abs", "/", "http://evil/x", "https://evil/x", "file:///etc/passwd",
        "c:/x", "//evil/x", "a//b", "a/", "a\\b", "..\\x", "%2e%2e/x", "%2E%2E/x", ".%2e/x", "a%2Fb", "a%2fb", "a%5cb",
        "a%00b", "a%25b", "a\u{0}b", "a?b", "a#b", "", "a\nb", "a\rb", "a\u{7F}b",
    ]

    static let safe = [
        "streams/v1/com.ubuntu.maas:stable:v3:download.json", "streams/v1/index.sjson",
        "jammy/amd64/20250718/squashfs", "jammy/amd64/20250718/ga-22.04/generic/boot-kernel",
        "bootloaders/uefi/amd64/20231004.0/grub2-signed.tar.xz", "centos/centos70/amd64/20240622_01/root-tgz",
        "a/.hidden", "a/...", "a/..b", "...", "a/%41", "a/b:c", "a b/c", "é/ü",
    ]

    @Test("Unsafe paths are refused", arguments: unsafe)
    func unsafePath(path: String) {
        #expect(!StreamPath.isSafe(path))
        let error = simpleStreamsError { try StreamPath.validate(path, at: "somewhere") }
        #expect(error?.code == .unsafePath)
        #expect(error?.message.hasPrefix("somewhere: unsafe path '") == true, "\(String(describing: error?.message))")
    }

    @Test("Safe paths, such as MAAS's, are accepted", arguments: safe)
    func safePath(path: String) throws {
        #expect(StreamPath.isSafe(path))
        try StreamPath.validate(path, at: "somewhere")
    }

    @Test("Every path of every real fixture is safe")
    func realPathsAreSafe() throws {
        for name in Fixture.allProducts {
            let items = try Fixture.products(name).flattenedItems()
            #expect(!items.isEmpty, "\(name)")
            // The aws id stream's items have no path (they name images, not files).
            for item in items {
                guard let path = item.path else { continue }
                #expect(StreamPath.isSafe(path), "\(path)")
            }
            #expect(items.contains { $0.path != nil } || name.hasSuffix(":aws.json"), "\(name)")
        }
        for name in [
            "maas/simplestreams_index.json", "examples/minimal/streams/v1/index.json",
            "examples/cirros/streams/v1/index.json", "examples/foocloud/streams/v1/index.json",
        ] {
            let index = try IndexDocument(parsing: try Fixture.bytes(name))
            #expect(!index.entries.isEmpty)
            #expect(index.entries.allSatisfy { $0.path.map(StreamPath.isSafe) == true })
        }
    }

    static func products(itemPath: String) -> String {
        let path = String(decoding: JSONValue.string(itemPath).serialized(), as: UTF8.self)
        return #"""
            {"format": "products:1.0", "products": {"com.example:prod": {"versions": {"20250718": {"items": {
             "good": {"path": "ok/file"}, "squashfs": {"path": \#(path)}}}}}}}
            """#
    }

    @Test("An unsafe item path refuses the products document, naming product, version and item", arguments: unsafe)
    func unsafeItemPath(path: String) throws {
        let error = try #require(
            simpleStreamsError { try ProductsDocument(parsing: Self.products(itemPath: path).bytes) })
        #expect(error.code == .unsafePath)
        #expect(error.message.contains("com.example:prod"), "\(error.message)")
        #expect(error.message.contains("20250718"))
        #expect(error.message.contains("squashfs"))
    }

    @Test("Unsafe paths at version, product and top level are refused too")
    func otherLevels() throws {
        for text in [
            #"{"products": {"p": {"versions": {"v": {"path": "../x", "items": {"i": {}}}}}}}"#,
            #"{"products": {"p": {"path": "/x", "versions": {"v": {"items": {"i": {}}}}}}}"#,
            #"{"path": "http://evil/x", "products": {"p": {"versions": {"v": {"items": {"i": {}}}}}}}"#,
        ] {
            let error = simpleStreamsError { try ProductsDocument(parsing: text.bytes) }
            #expect(error?.code == .unsafePath, "\(text)")
        }
        let version = simpleStreamsError {
            try ProductsDocument(parsing: #"{"products": {"p": {"versions": {"v": {"path": "a/.."}}}}}"#.bytes)
        }
        #expect(version?.message.contains("p version v") == true, "\(String(describing: version?.message))")
    }

    @Test("An unsafe index entry path refuses the index, naming the content id", arguments: unsafe)
    func unsafeIndexPath(path: String) throws {
        let quoted = String(decoding: JSONValue.string(path).serialized(), as: UTF8.self)
        let text = #"""
            {"format": "index:1.0", "index": {
             "com.example:good": {"format": "products:1.0", "path": "streams/v1/com.example:good.json"},
             "com.example:evil": {"format": "products:1.0", "path": \#(quoted)}}}
            """#
        let error = try #require(simpleStreamsError { try IndexDocument(parsing: text.bytes) })
        #expect(error.code == .unsafePath)
        #expect(error.message.contains("com.example:evil"), "\(error.message)")
        #expect(!error.message.contains("com.example:good"))
    }

    @Test("A path brought in by _aliases is checked, naming the item")
    func aliasInjectedPath() throws {
        let text = #"""
            {"format": "products:1.0",
             "_aliases": {"mirror": {"evil": {"path": "../../etc/passwd"}, "fine": {"path": "ok/x"}}},
             "products": {"com.example:prod": {"versions": {"20250718": {"items": {
              "good": {"mirror": "fine"}, "squashfs": {"mirror": "evil", "path": "ok/squashfs"}}}}}}}
            """#
        let document = try ProductsDocument(parsing: text.bytes)
        for error in [
            simpleStreamsError { try document.flattenedItems() },
            simpleStreamsError { try document.expandingAliases() },
            simpleStreamsError { try StreamQuery(filters: ["item_name=good"]).run(on: document) },
        ] {
            #expect(error?.code == .unsafePath, "\(String(describing: error))")
            #expect(error?.message.contains("com.example:prod") == true, "\(String(describing: error?.message))")
            #expect(error?.message.contains("squashfs") == true)
            #expect(error?.message.contains("../../etc/passwd") == true)
        }
    }

    @Test("A local source refuses unsafe paths before touching the file system")
    func localSource() async throws {
        let scratch = try ScratchDirectory(prefix: "simplestreams-paths")
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret")
        try scratch.write("{}", to: "mirror/streams/v1/index.json")
        let source = try LocalStreamSource(scratch.path + "/mirror")
        #expect(try await source.read("streams/v1/index.json", maximumSize: 100) == Array("{}".utf8))
        for path in ["../outside/secret", "streams/../../outside/secret", "/etc/passwd", "%2e%2e/outside/secret"] {
            let error = await simpleStreamsError { try await source.read(path, maximumSize: 100) }
            #expect(error?.code == .unsafePath, "\(path)")
        }
        #expect(await simpleStreamsError { try await source.read("missing.json", maximumSize: 100) }?.code == .notFound)
        #expect(
            await simpleStreamsError { try await source.read("streams/v1/index.json", maximumSize: 1) }?.code
                == .limitExceeded)
        #expect(await simpleStreamsError { try await source.read("streams", maximumSize: 100) }?.code == .io)
        #expect(try LocalStreamSource("file://" + scratch.path + "/mirror/").root == scratch.path + "/mirror")
        #expect(try LocalStreamSource("file://localhost" + scratch.path + "/mi%72ror").root == scratch.path + "/mirror")
        #expect(simpleStreamsError { try LocalStreamSource("http://example.org/") }?.code == .invalidArgument)
        #expect(simpleStreamsError { try LocalStreamSource("file://host/x") }?.code == .invalidArgument)
        #expect(simpleStreamsError { try LocalStreamSource("") }?.code == .invalidArgument)
    }
}
