import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import SystemPackage
import TestSupport
import Testing

@Suite("Paths: nothing escapes the mirror root")
struct PathSafetyTests {
    static let unsafe = [
        "..", "a/..", "../x", "a/../b", "a/b/..", "/abs", "/", "http://evil/x", "https://evil/x", "file:///etc/passwd",
        "c:/x", "//evil/x", "a//b", "a/", "a\\b", "..\\x", "%2e%2e/x", "%2E%2E/x", ".%2e/x", "a%2Fb", "a%2fb", "a%5cb",
        "a%00b", "a%25b", "a\u{0}b", "a?b", "a#b", "", "a\nb", "a\rb", "a\u{7F}b",
        // Other spellings of a file or URL an accepted path already names (issue 16, defect 2).
        ".", "./streams/v1/index.sjson", "a/./b", "a/.", ".mirror/./x", "streams/./v1/index.sjson", "a/%41",
        "%61", "a/%C3%A9", "a/%c3%a9", "a%", "a%4", "a%zz",
    ]

    static let safe = [
        "streams/v1/com.ubuntu.maas:stable:v3:download.json", "streams/v1/index.sjson",
        "jammy/amd64/20250718/squashfs", "jammy/amd64/20250718/ga-22.04/generic/boot-kernel",
        "bootloaders/uefi/amd64/20231004.0/grub2-signed.tar.xz", "centos/centos70/amd64/20240622_01/root-tgz",
        "a/.hidden", "a/...", "a/..b", "...", "a/b:c", "a b/c", "é/ü", ".mirror/x", "a/.b/c", "a./b",
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

    @Test("An accepted path is canonical: no dot, dot-dot or empty segment, no percent-escape (issue 16, defect 2)")
    func acceptedPathsAreCanonical() {
        // Every path over a small alphabet up to 4 characters: whatever is accepted is its own canonical form.
        let alphabet: [Character] = ["a", ".", "/", "%", "2", "e"]
        var paths = [""]
        for _ in 0..<4 { paths += paths.flatMap { prefix in alphabet.map { prefix + String($0) } } }
        var canonical: [BytewiseString: String] = [:]
        for path in Set(paths) where StreamPath.isSafe(path) {
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            #expect(!segments.contains { $0.isEmpty || $0 == "." || $0 == ".." }, "\(path)")
            #expect(!path.contains("%"), "\(path)")
            // What a file system or a server would resolve it to: the path itself.
            let resolved = segments.joined(separator: "/")
            #expect(canonical.updateValue(path, forKey: BytewiseString(resolved)) == nil, "\(path)")
            #expect(StreamPath.problem(with: path) == nil)
        }
        #expect(StreamPath.problem(with: "./x") == "it has a '.' segment")
        #expect(StreamPath.problem(with: "a/%61") != nil)
    }

    @Test("NFC and NFD spellings are two accepted paths, kept apart by their bytes (issue 16, defect 3)")
    func unicodeSpellingsStayApart() {
        let nfc = "images/caf\u{e9}/x"
        let nfd = "images/cafe\u{301}/x"
        #expect(StreamPath.isSafe(nfc) && StreamPath.isSafe(nfd))
        #expect(nfc == nfd)  // what String == says, and why paths are compared as bytes
        #expect(BytewiseString(nfc) != BytewiseString(nfd))
        let keys = [nfc, nfd, "K", "\u{212A}"].map(BytewiseString.init)
        #expect(Set(keys).count == 4)
        #expect(keys.sorted().map(\.string) == ["K", nfd, nfc, "\u{212A}"])
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
        #expect(try LocalStreamSource("file://" + scratch.path + "/mirror/").location == scratch.path + "/mirror")
        #expect(
            try LocalStreamSource("file://localhost" + scratch.path + "/mi%72ror").location == scratch.path + "/mirror")
        #expect(simpleStreamsError { try LocalStreamSource("http://example.org/") }?.code == .invalidArgument)
        #expect(simpleStreamsError { try LocalStreamSource("file://host/x") }?.code == .invalidArgument)
        #expect(simpleStreamsError { try LocalStreamSource("") }?.code == .invalidArgument)
        #expect(try LocalStreamSource(root: "/srv/mirror").location == "/srv/mirror")
        #expect(simpleStreamsError { try LocalStreamSource(root: "") }?.code == .invalidArgument)
    }
}
