/// A strict JSON parser (RFC 8259) over UTF-8 bytes that produces an order-preserving ``JSONValue`` tree.
///
/// It accepts exactly what Python's `json.loads` accepts from a simplestreams document, minus Python's extensions
/// (`NaN`, `Infinity`) and minus input no document should hold: invalid UTF-8, a byte-order mark, lone surrogate
/// escapes. Nesting is limited, so a hostile document cannot exhaust the stack; every failure is a
/// ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/malformedJSON`` (or
/// ``SimpleStreamsError/Code/limitExceeded`` for nesting) that gives the byte offset.
///
/// Memory: a first pass counts the elements of every array and the members of every object, so each is allocated
/// once at its exact size instead of growing by doubling (which can hold three times the room needed while it
/// copies). The tree then costs at most about 13 times the document (24 bytes for a 2-byte `0,` element; nested
/// one-element arrays, each an allocation, cost more per byte), and the counts one byte per array or object.
struct JSONParser: ~Copyable {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var depth = 0
    private var scratch: [UInt8] = []
    /// The number of elements or members of each array and object, in the order they open (see ``countMembers``).
    private var memberCounts: MemberCounts
    /// The next entry of ``memberCounts``.
    private var nextContainer = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.memberCounts = Self.countMembers(in: bytes)
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

    // MARK: - Sizes

    /// The number of elements of each array and members of each object of a document, in the order they open: one
    /// byte each, and the counts from 255 up in a short side table.
    struct MemberCounts {
        /// One entry per container in opening order: its count, or 255 when the count is in ``large``.
        var small: [UInt8] = []
        /// The counts of 255 and more: (container ordinal, count), by ordinal.
        var large: [(ordinal: Int, count: Int)] = []
        /// The next entry of ``large`` to look at.
        var cursor = 0

        /// The count of container `ordinal`; containers must be asked for in order.
        mutating func count(of ordinal: Int) -> Int {
            guard ordinal < small.count else { return 0 }
            let count = small[ordinal]
            guard count == UInt8.max else { return Int(count) }
            while cursor < large.count, large[cursor].ordinal < ordinal { cursor += 1 }
            guard cursor < large.count, large[cursor].ordinal == ordinal else { return 0 }
            return large[cursor].count
        }
    }

    /// The number of elements of each array and members of each object of `bytes`, in the order they open: one
    /// pass that skips strings and counts commas at each level, after a pass that counts the containers so that the
    /// result is allocated once. Only a hint for malformed input (the parser rejects it later); it stops at
    /// ``maximumDepth``, past which the parser stops too.
    static func countMembers(in bytes: UnsafeBufferPointer<UInt8>) -> MemberCounts {
        var containers = 0
        scanStructure(bytes) { byte in
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { containers += 1 }
            return true
        }
        var counts = MemberCounts()
        counts.small = [UInt8](repeating: 0, count: containers)
        // Open containers: their ordinal, their count so far, and whether anything but whitespace follows the
        // bracket yet.
        var open: [(ordinal: Int, count: Int, hasContent: Bool)] = []
        open.reserveCapacity(maximumDepth + 1)
        var next = 0
        scanStructure(bytes) { byte in
            switch byte {
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                guard let container = open.popLast() else { return false }
                let count = container.count + (container.hasContent ? 1 : 0)
                if count < Int(UInt8.max) {
                    counts.small[container.ordinal] = UInt8(count)
                } else {
                    counts.small[container.ordinal] = UInt8.max
                    counts.large.append((container.ordinal, count))
                }
                return true
            default:
                break
            }
            if !open.isEmpty {
                open[open.count - 1].hasContent = true
                if byte == UInt8(ascii: ",") { open[open.count - 1].count += 1 }
            }
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                guard next < containers, open.count < maximumDepth else { return false }
                open.append((next, 0, false))
                next += 1
            }
            return true
        }
        // Containers close inner first; the parser asks in opening order.
        counts.large.sort { $0.ordinal < $1.ordinal }
        return counts
    }

    /// Calls `visit` with every byte outside strings that is not whitespace (a string's opening quote stands for
    /// it), until `visit` returns `false`.
    private static func scanStructure(_ bytes: UnsafeBufferPointer<UInt8>, _ visit: (UInt8) -> Bool) {
        var offset = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "\""):
                guard visit(byte) else { return }
                while offset < bytes.count {
                    let inner = bytes[offset]
                    offset += inner == UInt8(ascii: "\\") ? 2 : 1
                    if inner == UInt8(ascii: "\"") { break }
                }
            default:
                guard visit(byte) else { return }
            }
        }
    }

    /// The number of members of the array or object that opens now, as counted ahead; 0 if unknown.
    private mutating func takeMemberCount() -> Int {
        defer { nextContainer += 1 }
        // A count is never more than the bytes left (each member takes at least one), even for malformed input.
        return min(memberCounts.count(of: nextContainer), bytes.count - offset)
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
        let count = takeMemberCount()
        offset += 1
        var object = JSONObject()
        object.reserveCapacity(count)
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
        let count = takeMemberCount()
        offset += 1
        var array: [JSONValue] = []
        array.reserveCapacity(count)
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
