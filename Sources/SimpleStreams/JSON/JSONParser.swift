/// A strict JSON parser (RFC 8259) over UTF-8 bytes that produces an order-preserving ``JSONValue`` tree.
///
/// It accepts exactly what Python's `json.loads` accepts from a simplestreams document, minus Python's extensions
/// (`NaN`, `Infinity`) and minus input no document should hold: invalid UTF-8, a byte-order mark, lone surrogate
/// escapes. Nesting is limited, so a hostile document cannot exhaust the stack; every failure is a
/// ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/malformedJSON`` (or
/// ``SimpleStreamsError/Code/limitExceeded`` for nesting) that gives the byte offset.
struct JSONParser: ~Copyable {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var depth = 0
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one JSON value that fills `bytes` (surrounding whitespace allowed).
    static func parse(_ bytes: some Collection<UInt8>) throws(SimpleStreamsError) -> JSONValue {
        let result: Result<JSONValue, SimpleStreamsError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SimpleStreamsError) in try parse(buffer: buffer) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(SimpleStreamsError) in try parse(buffer: buffer) }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(SimpleStreamsError) -> JSONValue {
        var parser = JSONParser(bytes: buffer)
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw parser.error("the document starts with a UTF-8 byte-order mark")
        }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.offset == buffer.count else {
            throw parser.error("unexpected data after the JSON value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(SimpleStreamsError) -> JSONValue {
        guard offset < bytes.count else { throw error("unexpected end of data") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character \(describe(bytes[offset]))")
        }
    }

    private mutating func enter() throws(SimpleStreamsError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw SimpleStreamsError(
                .limitExceeded, "JSON nested deeper than \(Self.maximumDepth) levels at byte \(offset)")
        }
    }

    private mutating func parseObject() throws(SimpleStreamsError) -> JSONObject {
        try enter()
        offset += 1
        var object = JSONObject()
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return object
        }
        while true {
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw error("expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                throw error("expected ':' after an object key")
            }
            offset += 1
            skipWhitespace()
            let value = try parseValue()
            object.append(key, value)
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated object") }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            guard bytes[offset] == UInt8(ascii: "}") else { throw error("expected ',' or '}' in an object") }
            offset += 1
            depth -= 1
            return object
        }
    }

    private mutating func parseArray() throws(SimpleStreamsError) -> [JSONValue] {
        try enter()
        offset += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return array
        }
        while true {
            skipWhitespace()
            array.append(try parseValue())
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated array") }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
                continue
            }
            guard bytes[offset] == UInt8(ascii: "]") else { throw error("expected ',' or ']' in an array") }
            offset += 1
            depth -= 1
            return array
        }
    }

    // MARK: - Strings

    private mutating func parseString() throws(SimpleStreamsError) -> String {
        let start = offset
        offset += 1
        let contentStart = offset
        var isASCII = true
        // Fast path: no escapes.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<offset])
                offset += 1
                return try makeString(content, isASCII: isASCII, at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character \(describe(byte)) in a string") }
            if byte >= 0x80 { isASCII = false }
            offset += 1
        }
        guard offset < bytes.count else { throw error("unterminated string starting at byte \(start)") }
        // Slow path: unescape into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[contentStart..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                let unescaped = scratch
                return try unescaped.withUnsafeBufferPointer { buffer throws(SimpleStreamsError) in
                    try makeString(buffer, isASCII: false, at: start)
                }
            case UInt8(ascii: "\\"):
                try parseEscape()
            default:
                if byte < 0x20 { throw error("control character \(describe(byte)) in a string") }
                scratch.append(byte)
                offset += 1
            }
        }
        throw error("unterminated string starting at byte \(start)")
    }

    private func makeString(_ content: UnsafeBufferPointer<UInt8>, isASCII: Bool, at start: Int)
        throws(SimpleStreamsError) -> String
    {
        if isASCII { return String(decoding: content, as: UTF8.self) }
        guard let string = String(validating: content, as: UTF8.self) else {
            throw SimpleStreamsError(.malformedJSON, "invalid UTF-8 in the string starting at byte \(start)")
        }
        return string
    }

    private mutating func parseEscape() throws(SimpleStreamsError) {
        offset += 1
        guard offset < bytes.count else { throw error("unterminated escape") }
        let byte = bytes[offset]
        offset += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                else { throw error("a high surrogate escape without its low surrogate") }
                offset += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("a high surrogate escape followed by \\u\(String(low, radix: 16))")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("a lone low surrogate escape")
            }
            guard let unicodeScalar = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
            scratch.append(contentsOf: String(Character(unicodeScalar)).utf8)
        default:
            offset -= 1
            throw error("invalid escape \\\(describe(byte))")
        }
    }

    private mutating func parseHex4() throws(SimpleStreamsError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hexadecimal digit \(describe(byte)) in a \\u escape")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }

    // MARK: - Numbers and literals

    private mutating func parseNumber() throws(SimpleStreamsError) -> JSONValue {
        let start = offset
        var negative = false
        if bytes[offset] == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        let integerStart = offset
        guard offset < bytes.count, isDigit(bytes[offset]) else { throw error("expected a digit") }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < bytes.count, isDigit(bytes[offset]) { throw error("a number with a leading zero") }
        } else {
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        let integerEnd = offset
        var isInteger = true
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw error("expected a digit after '.'") }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw error("expected a digit in an exponent") }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        var text: String { String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self) }
        if isInteger {
            var value: Int64 = 0
            var overflow = false
            for byte in bytes[integerStart..<integerEnd] {
                let digit = Int64(byte - UInt8(ascii: "0"))
                let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) =
                    negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if o1 || o2 {
                    overflow = true
                    break
                }
                value = next
            }
            if !overflow { return .integer(value) }
            return .largeInteger(text)
        }
        let literal = text
        guard let value = Double(literal), value.isFinite else {
            offset = start
            throw error("the number \(literal) is out of range")
        }
        return .double(value)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SimpleStreamsError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected in
            offset + count <= bytes.count && bytes[offset..<offset + count].elementsEqual(expected)
        }
        guard matches else { throw error("unexpected character \(describe(bytes[offset]))") }
        offset += count
    }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }

    private func error(_ message: String) -> SimpleStreamsError {
        SimpleStreamsError(.malformedJSON, "\(message) at byte \(offset)")
    }
}

extension JSONValue {
    /// Parses a JSON document from UTF-8 bytes, keeping key order and every value exactly.
    ///
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/malformedJSON`` (with the byte offset)
    ///   or ``SimpleStreamsError/Code/limitExceeded`` for nesting deeper than 512 levels.
    public init(parsing bytes: some Collection<UInt8>) throws(SimpleStreamsError) {
        self = try JSONParser.parse(bytes)
    }
}
