import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import Testing

@Suite("Filters: python-simplestreams grammar and semantics")
struct FilterTests {
    /// How an expression parses: key, operator and value, or the error code.
    enum Parsed: Equatable, CustomStringConvertible {
        case filter(String, String, String)
        case error(SimpleStreamsError.Code)

        var description: String {
            switch self {
            case .filter(let key, let op, let value): "(\(key), \(op), '\(value)')"
            case .error(let code): "error \(code)"
            }
        }
    }

    static func parse(_ expression: String) -> Parsed {
        do {
            let filter = try ItemFilter(expression)
            return .filter(filter.key, filter.operation.rawValue, filter.value)
        } catch {
            return .error(error.code)
        }
    }

    /// The table of §3 of the reference, and more.
    static let table: [(String, Parsed)] = [
        ("arch=amd64", .filter("arch", "=", "amd64")),
        ("arch = amd64", .filter("arch", "=", "amd64")),
        ("arch=amd64 ", .filter("arch", "=", "amd64 ")),
        ("arch  =  amd64  ", .filter("arch", "=", "amd64  ")),
        ("arch==amd64", .filter("arch", "=", "=amd64")),
        ("arch=~x", .filter("arch", "=", "~x")),
        ("arch~~x", .filter("arch", "~", "~x")),
        ("arch!=amd64", .filter("arch", "!=", "amd64")),
        ("arch != amd64", .filter("arch", "!=", "amd64")),
        ("arch!~^a", .filter("arch", "!~", "^a")),
        ("arch !~ ^a", .filter("arch", "!~", "^a")),
        ("arch!=!x", .filter("arch", "!=", "!x")),
        ("arch=x=y", .filter("arch", "=", "x=y")),
        ("arch=", .filter("arch", "=", "")),
        ("arch~", .filter("arch", "~", "")),
        ("arch!~", .filter("arch", "!~", "")),
        ("bootloader-type=uefi", .filter("bootloader-type", "=", "uefi")),
        ("a|b=c", .filter("a|b", "=", "c")),
        ("size=476", .filter("size", "=", "476")),
        ("release~(jammy|noble)", .filter("release", "~", "(jammy|noble)")),
        ("ärch=x", .filter("ärch", "=", "x")),
        ("arch=amd64\n", .filter("arch", "=", "amd64")),
        ("a.b=c", .error(.invalidFilter)),
        ("arch:amd64", .error(.invalidFilter)),
        ("arch", .error(.invalidFilter)),
        ("=x", .error(.invalidFilter)),
        ("", .error(.invalidFilter)),
        (" arch=x", .error(.invalidFilter)),
        ("arch\t=x", .error(.invalidFilter)),
        ("arch ! = x", .error(.invalidFilter)),
        ("arch!x", .error(.invalidFilter)),
        ("arch=a\nb", .error(.invalidFilter)),
        ("arch~[", .error(.invalidRegex)),
        ("arch~(", .error(.invalidRegex)),
        ("arch!~*", .error(.invalidRegex)),
        ("arch~a{2,1}", .error(.invalidRegex)),
    ]

    @Test("Expressions parse as python-simplestreams parses them")
    func parseTable() {
        for (expression, expected) in Self.table {
            #expect(Self.parse(expression) == expected, "\(expression.debugDescription)")
        }
    }

    @Test("The parse table agrees with Python's ItemFilter", .enabled(if: PythonOracle.isAvailable))
    func parseTableMatchesPython() async throws {
        let expressions = Self.table.map(\.0)
        let python = try await PythonOracle.parse(expressions)
        #expect(python.count == expressions.count)
        for (expression, verdict) in zip(expressions, python) {
            let expected: Parsed =
                switch verdict.first {
                case "ok" where verdict.count == 4: .filter(verdict[1], verdict[2], verdict[3])
                case "ValueError": .error(.invalidFilter)
                default: .error(.invalidRegex)
                }
            #expect(Self.parse(expression) == expected, "\(expression.debugDescription): Python says \(verdict)")
        }
    }

    @Test("A regex that does not compile names the expression and carries the compiler's message")
    func invalidRegexError() throws {
        let error = try #require(simpleStreamsError { try ItemFilter("arch~[") })
        #expect(error.code == .invalidRegex)
        #expect(error.message.contains("arch~["), "\(error.message)")
        #expect(error.underlyingError is RegexCompileError)
        let unparsable = try #require(simpleStreamsError { try ItemFilter("arch:amd64") })
        #expect(unparsable.message.contains("arch:amd64"))
        #expect(simpleStreamsError { try ItemFilter(key: "", operation: .equals, value: "x") }?.code == .invalidFilter)
        #expect(
            simpleStreamsError { try ItemFilter(key: "arch", operation: .matches, value: "(") }?.code == .invalidRegex)
        #expect(try ItemFilter(key: "arch", operation: .notEquals, value: "(").description == "arch!=(")
        #expect(try ItemFilter("arch = amd64").description == "arch=amd64")
        #expect(simpleStreamsError { try StreamQuery(filters: ["arch=amd64", "x~["]) }?.code == .invalidRegex)
        #expect(simpleStreamsError { try StreamQuery(filters: ["arch=amd64", "x"]) }?.code == .invalidFilter)
    }

    /// Items for matching: one with `os`, one without; numbers and Booleans.
    static let document = #"""
        {"format": "products:1.0", "content_id": "com.example:filters",
         "products": {
          "ubuntu": {"os": "ubuntu", "arch": "amd64", "release": "jammy",
           "versions": {"v": {"items": {"i": {"size": 476, "flag": true, "ratio": 1.0, "big": 1e16, "path": "u/i"}}}}},
          "bare": {"arch": "arm64", "release": "noble",
           "versions": {"v": {"items": {"i": {"size": "476", "path": "b/i", "list": ["ubuntu"]}}}}}
         }}
        """#

    static func items() throws -> (ubuntu: FlattenedItem, bare: FlattenedItem) {
        let items = try ProductsDocument(parsing: document.bytes).flattenedItems()
        try #require(items.count == 2)
        return (items[0], items[1])
    }

    static func matches(_ expression: String, _ item: FlattenedItem) throws -> Bool {
        try ItemFilter(expression).matches(item)
    }

    @Test(
        "Each operator, with present and missing keys (a missing key compares as \"\")",
        arguments: [
            ("os=ubuntu", true, false), ("os=", false, true), ("os!=ubuntu", false, true), ("os!=", true, false),
            ("os~.*", true, true), ("os~.+", true, false), ("os!~.+", false, true), ("os~^$", false, true),
            ("os~buntu", true, false), ("os~^buntu", false, false), ("os~ubuntu$", true, false),
            ("os=Ubuntu", false, false), ("os=ubunt", false, false), ("os~U", false, false),
            ("OS=ubuntu", false, false),
            ("arch=amd64 ", false, false), ("arch~md6", true, false), ("arch!~md6", false, true),
            ("release~(jammy|noble)", true, true), ("release~^(jammy)$", true, false),
            ("size=476", true, true), ("size~^47", true, true), ("size!=476", false, false),
            ("flag=True", true, false), ("flag=true", false, false), ("ratio=1.0", true, false),
            ("ratio=1", false, false),
            ("big=1e+16", true, false), ("list=", true, true), ("list~ubuntu", false, false),
            ("item_name=i", true, true), ("product_name=bare", false, true), ("version_name=v", true, true),
            ("content_id=com.example:filters", true, true), ("format~^products", true, true),
            ("path~/i$", true, true), ("path=u/i", true, false),
        ])
    func operators(expression: String, ubuntu: Bool, bare: Bool) throws {
        let items = try Self.items()
        #expect(try Self.matches(expression, items.ubuntu) == ubuntu, "\(expression) on the ubuntu item")
        #expect(try Self.matches(expression, items.bare) == bare, "\(expression) on the bare item")
    }

    @Test("Filters in a query are ANDed")
    func anded() throws {
        let document = try ProductsDocument(parsing: Self.document.bytes)
        func names(_ filters: [String]) throws -> [String] {
            try StreamQuery(filters: filters).run(on: document).map(\.productName)
        }
        #expect(try names([]) == ["ubuntu", "bare"])
        #expect(try names(["size=476"]) == ["ubuntu", "bare"])
        #expect(try names(["size=476", "arch=amd64"]) == ["ubuntu"])
        #expect(try names(["size=476", "arch=amd64", "release=noble"]) == [])
        #expect(try names(["release~(jammy|noble)", "os!=ubuntu"]) == ["bare"])
        #expect(try names(["arch~64", "arch~^a", "arch!~arm"]) == ["ubuntu"])
    }

    @Test("Filters apply to any attributes: a product, an index entry")
    func onOtherAttributes() throws {
        let document = try Fixture.products("maas/simplestreams_bootloaders.json")
        let uefi = try ItemFilter("bootloader-type=uefi")
        #expect(document.products.filter { uefi.matches($0) }.count == 2)
        let pxe = try StreamQuery(filters: ["bootloader-type=pxe", "arches~i386"]).run(on: document)
        #expect(Set(pxe.map(\.productName)).count == 2)
        #expect(pxe.allSatisfy { $0.bootloaderType == "pxe" })
        let index = try IndexDocument(parsing: try Fixture.bytes("maas/simplestreams_index.json"))
        let download = try ItemFilter("path~v3:download")
        #expect(
            index.entries.filter { download.matches($0) }.map(\.contentID) == ["com.ubuntu.maas:stable:v3:download"])
    }
}
