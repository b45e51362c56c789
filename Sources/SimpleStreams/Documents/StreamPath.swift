/// The rules for paths in simplestreams documents: every `path` (of an item, of an index entry) is relative to the
/// mirror root and must stay inside it, whether it is joined to a directory or to a URL.
///
/// A path is refused when it is empty or has:
/// - a `..` segment, an empty segment (`//`, a trailing `/`) or a leading `/` (absolute);
/// - a URL scheme in its first segment (`http:`, `file:`);
/// - a backslash, a NUL or another control character, a `?` or `#` (a URL would cut the path there);
/// - a percent-encoded dot, slash, backslash, NUL or percent sign (`%2e`, `%2F`, `%5c`, `%00`, `%25`), which a
///   server may decode into one of the above.
///
/// python-simplestreams refuses only absolute paths and `../` at the start or `/../` inside, so it accepts `..`,
/// `a/..`, `http://evil/x` and `%2e%2e/x`; this module refuses them all.
public enum StreamPath {
    /// Throws ``SimpleStreamsError/Code/unsafePath`` if `path` could escape the mirror root; `location` names where
    /// the path was found, for the message.
    public static func validate(_ path: String, at location: String) throws(SimpleStreamsError) {
        if let problem = problem(with: path) {
            throw SimpleStreamsError(.unsafePath, "\(location): unsafe path \(quoted(path)): \(problem)")
        }
    }

    /// Whether `path` is safe to join to a mirror root.
    public static func isSafe(_ path: String) -> Bool {
        problem(with: path) == nil
    }

    /// Checks the `path` member of `object`, if it has one: it must be a string and safe.
    static func validateField(in object: JSONObject, at location: String) throws(SimpleStreamsError) {
        guard let value = object["path"] else { return }
        guard case .string(let path) = value else {
            throw SimpleStreamsError(.invalidDocument, "\(location): 'path' is not a string")
        }
        try validate(path, at: location)
    }

    private static func problem(with path: String) -> String? {
        if path.isEmpty { return "it is empty" }
        let bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "/") { return "it is absolute" }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): return "it has a backslash"
            case 0: return "it has a NUL"
            case 1..<0x20, 0x7F: return "it has a control character"
            case UInt8(ascii: "?"), UInt8(ascii: "#"): return "it has a URL query or fragment marker"
            default: continue
            }
        }
        var index = 0
        while let percent = bytes[index...].firstIndex(of: UInt8(ascii: "%")) {
            let encoded = bytes[(percent + 1)...].prefix(2).map { $0 | 0x20 }  // lowercase
            if ["2e", "2f", "5c", "00", "25"].contains(where: { $0.utf8.elementsEqual(encoded) }) {
                return "it has a percent-encoded dot, slash, backslash, NUL or percent sign"
            }
            index = percent + 1
        }
        let segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for segment in segments {
            if segment.isEmpty { return "it has an empty segment" }
            if segment.elementsEqual("..".utf8) { return "it has a '..' segment" }
        }
        if let first = segments.first, hasScheme(first) { return "it starts with a URL scheme" }
        return nil
    }

    /// Whether a segment looks like `scheme:` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`, then `:`).
    private static func hasScheme(_ segment: ArraySlice<UInt8>) -> Bool {
        guard let colon = segment.firstIndex(of: UInt8(ascii: ":")), colon > segment.startIndex else { return false }
        let scheme = segment[segment.startIndex..<colon]
        guard let first = scheme.first, isLetter(first) else { return false }
        return scheme.allSatisfy { byte in
            isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    static func quoted(_ path: String) -> String {
        let shown = path.unicodeScalars.map { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
        return "'\(shown)'"
    }
}
