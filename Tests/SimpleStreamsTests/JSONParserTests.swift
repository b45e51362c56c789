import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import Testing

@Suite("JSON: strict parsing")
struct JSONParserTests {
    struct Malformed: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]
        /// The byte offset the message must name, when the case pins it.
        var offset: Int?

        init(_ description: String, _ text: String, offset: Int? = nil) {
            testDescription = description
            bytes = Array(text.utf8)
            self.offset = offset
        }

        init(_ description: String, bytes: [UInt8], offset: Int? = nil) {
            testDescription = description
            self.bytes = bytes
            self.offset = offset
        }
    }

    static let malformed: [Malformed] = [
        Malformed("empty input", "", offset: 0),
        Malformed("only whitespace", " \n\t ", offset: 4),
        Malformed("truncated object", #"{"a": 1"#, offset: 7),
        Malformed("truncated after a key", #"{"a""#),
        Malformed("truncated after a colon", #"{"a":"#),
        Malformed("truncated array", "[1,"),
        Malformed("truncated string", #""abc"#),
        Malformed("truncated literal", "tru"),
        Malformed("a lone minus", "-"),
        Malformed("a fraction without digits", "1."),
        Malformed("an exponent without digits", "1e"),
        Malformed("a missing value", #"{"a":}"#),
        Malformed("trailing garbage", #"{"a": 1} x"#, offset: 9),
        Malformed("two documents", "{}{}", offset: 2),
        Malformed("two numbers", "1 2", offset: 2),
        Malformed("a leading zero", "01", offset: 1),
        Malformed("a negative leading zero", "-01"),
        Malformed("a leading zero in an array", "[1, 00]"),
        Malformed("a lone high surrogate", #""\ud800""#),
        Malformed("a lone low surrogate", #""\udc00""#),
        Malformed("a high surrogate followed by text", #""\ud800x""#),
        Malformed("a high surrogate followed by a non-surrogate escape", #""\ud800\u0041""#),
        Malformed("two high surrogates", #""\ud83d\ud83d""#),
        Malformed("invalid UTF-8 in a string", bytes: [0x22, 0xFF, 0x22]),
        Malformed("an overlong UTF-8 sequence", bytes: [0x22, 0xC0, 0xAF, 0x22]),
        Malformed("a truncated UTF-8 sequence", bytes: [0x22, 0xE2, 0x98, 0x22]),
        Malformed("a UTF-8 encoded surrogate", bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]),
        Malformed("invalid UTF-8 outside a string", bytes: [0x5B, 0xFF, 0x5D]),
        Malformed("a byte-order mark", bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), offset: 0),
        Malformed("a raw tab in a string", "\"a\tb\""),
        Malformed("a raw line feed in a string", "\"a\nb\"", offset: 2),
        Malformed("a raw NUL in a string", bytes: [0x22, 0x61, 0x00, 0x22]),
        Malformed("a raw control character after an escape", bytes: Array(#""\n"#.utf8) + [0x01, 0x22]),
        Malformed("NaN", "NaN"),
        Malformed("Infinity", "[Infinity]"),
        Malformed("-Infinity", "-Infinity"),
        Malformed("a number out of range", "1e400"),
        Malformed("single quotes", "{'a': 1}"),
        Malformed("a trailing comma in an array", "[1,]"),
        Malformed("a trailing comma in an object", #"{"a": 1,}"#),
        Malformed("an unquoted key", "{a: 1}"),
        Malformed("a comment", "{} // comment"),
        Malformed("an invalid escape", #""\x""#),
        Malformed("a short unicode escape", #""\u12""#),
        Malformed("a non-hex unicode escape", #""\u12G4""#),
        Malformed("a form feed as whitespace", "\u{C}{}"),
        Malformed("a no-break space as whitespace", "\u{A0}{}"),
        Malformed("a plus sign", "+1"),
        Malformed("a hexadecimal number", "0x10"),
        Malformed("a missing comma", "[1 2]"),
        Malformed("a missing colon", #"{"a" 1}"#),
        Malformed("a non-string key", #"{1: 2}"#),
        Malformed("a capitalised literal", "True"),
    ]

    @Test("Malformed input is a malformedJSON error naming a byte offset", arguments: malformed)
    func malformedInput(_ input: Malformed) throws {
        let error = try #require(simpleStreamsError { try JSONValue(parsing: input.bytes) })
        #expect(error.code == .malformedJSON, "\(error)")
        #expect(error.message.contains("byte "), "\(error.message)")
        if let offset = input.offset {
            #expect(error.message.hasSuffix("at byte \(offset)"), "\(error.message)")
        }
        // The documents refuse it the same way.
        #expect(simpleStreamsError { try ProductsDocument(parsing: input.bytes) }?.code == .malformedJSON)
        #expect(simpleStreamsError { try IndexDocument(parsing: input.bytes) }?.code == .malformedJSON)
    }

    @Test("Every truncation of a real document is refused, never a crash")
    func everyTruncation() throws {
        let bytes = try Fixture.bytes("maas/simplestreams_centos.json")
        #expect(bytes.last == 0x0A)
        for length in 0..<(bytes.count - 1) {
            let code = simpleStreamsError { try JSONValue(parsing: bytes[..<length]) }?.code
            #expect(code == .malformedJSON, "prefix of \(length) bytes")
        }
        // The document without its final line feed is whole.
        #expect(try JSONValue(parsing: bytes.dropLast()) == JSONValue(parsing: bytes))
    }

    @Test("Nesting deeper than 512 levels is a limitExceeded error; 512 levels parse")
    func nesting() throws {
        let arrays = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var value = try JSONValue(parsing: arrays.bytes)
        var depth = 0
        while case .array(let elements) = value, let first = elements.first {
            value = first
            depth += 1
        }
        #expect(depth == 511, "511 arrays hold the innermost empty one")

        let objects = String(repeating: #"{"a":"#, count: 512) + "1" + String(repeating: "}", count: 512)
        #expect(try JSONValue(parsing: objects.bytes).objectValue != nil)

        for text in [
            String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
            String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513),
            String(repeating: "[", count: 200_000),
            String(repeating: #"[{"a":"#, count: 100_000),
        ] {
            let error = simpleStreamsError { try JSONValue(parsing: text.bytes) }
            #expect(error?.code == .limitExceeded, "\(String(describing: error))")
            #expect(error?.message.contains("512") == true)
        }
    }

    @Test("Valid edge cases parse to the right values")
    func validEdgeCases() throws {
        #expect(try JSONValue(parsing: "0".bytes) == .integer(0))
        #expect(try JSONValue(parsing: "-0".bytes) == .integer(0))
        #expect(try JSONValue(parsing: "0.5".bytes) == .double(0.5))
        #expect(try JSONValue(parsing: "-0.0".bytes) == .double(-0.0))
        #expect(try JSONValue(parsing: "1E2".bytes) == .double(100))
        #expect(try JSONValue(parsing: " \t\r\n[]\n".bytes) == .array([]))
        #expect(try JSONValue(parsing: #""\/\u00E9\uD83D\uDE00""#.bytes) == .string("/\u{E9}\u{1F600}"))
        #expect(try JSONValue(parsing: #""\u0000""#.bytes) == .string("\u{0}"))
        #expect(try JSONValue(parsing: "null".bytes) == .null)
        #expect(try JSONValue(parsing: #"{"":""}"#.bytes) == ["": ""])
        #expect(try JSONValue(parsing: "9223372036854775808".bytes) == .largeInteger("9223372036854775808"))
        #expect(try JSONValue(parsing: "[\"\u{7F}\"]".bytes) == ["\u{7F}"], "DEL is not a control character in JSON")
    }

    @Test("A document that is not an object is an invalid document")
    func notAnObject() throws {
        for text in ["[]", "1", "\"products\"", "null"] {
            #expect(simpleStreamsError { try ProductsDocument(parsing: text.bytes) }?.code == .invalidDocument)
            #expect(simpleStreamsError { try IndexDocument(parsing: text.bytes) }?.code == .invalidDocument)
        }
        for text in [
            #"{"products": []}"#, #"{"products": {"p": 1}}"#, #"{"products": {"p": {"versions": []}}}"#,
            #"{"products": {"p": {"versions": {"v": "x"}}}}"#,
            #"{"products": {"p": {"versions": {"v": {"items": 1}}}}}"#,
            #"{"products": {"p": {"versions": {"v": {"items": {"i": []}}}}}}"#,
            #"{"products": {"p": {"versions": {"v": {"items": {"i": {"path": 5}}}}}}}"#,
        ] {
            let error = simpleStreamsError { try ProductsDocument(parsing: text.bytes) }
            #expect(error?.code == .invalidDocument, "\(text): \(String(describing: error))")
        }
        for text in [
            #"{"format": "index:1.0"}"#, #"{"index": []}"#, #"{"index": {"c": 1}}"#,
            #"{"index": {"c": {"products": "p"}}}"#, #"{"index": {"c": {"products": [1]}}}"#,
            #"{"index": {"c": {"path": ["x"]}}}"#,
        ] {
            let error = simpleStreamsError { try IndexDocument(parsing: text.bytes) }
            #expect(error?.code == .invalidDocument, "\(text): \(String(describing: error))")
        }
    }
}
