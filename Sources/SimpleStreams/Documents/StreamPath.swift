/// The rules for paths in simplestreams documents: every `path` (of an item, of an index entry) is relative to the
/// mirror root and must stay inside it, whether it is joined to a directory or to a URL.
///
/// A path is refused when it is empty or has:
/// - a `..` or `.` segment, an empty segment (`//`, a trailing `/`) or a leading `/` (absolute);
/// - a URL scheme in its first segment (`http:`, `file:`);
/// - a backslash, a NUL or another control character (C0 or DEL), a `?` or `#` (a URL would cut the path there);
/// - a percent sign, whatever follows it: a server decodes `%2e%2e` into `..`, `%61` into `a` and `%C3%A9` into
///   `é`, so a path with a percent-escape names the same resource as another spelling of it.
///
/// **Every accepted path is canonical**: no two different accepted strings name the same file on disk or the same
/// resource on a server. A file system resolves `.`, `..` and empty segments, and they are refused; a server
/// decodes percent-escapes (in either case, `%2F` or `%2f`), and `%` is refused, so the only spelling of a
/// character is the character itself, and percent-encoding an accepted path for a URL is one-to-one. Paths are
/// otherwise byte strings: `caf\u{e9}` and `cafe\u{301}` (NFC and NFD) are two different files on Linux and two
/// different URLs, so compare, hash and sort accepted paths by their UTF-8 bytes (``BytewiseString``), never with
/// `String ==`, which treats canonically equivalent strings as equal. A rule checked on an accepted path (a
/// reserved prefix such as `streams/` or `.mirror/`) therefore holds for the file and the URL it names.
///
/// python-simplestreams refuses only absolute paths and `../` at the start or `/../` inside, so it accepts `..`,
/// `a/..`, `./x`, `http://evil/x` and `%2e%2e/x`; this module refuses them all.
package enum StreamPath {
    /// Throws ``SimpleStreamsError/Code/unsafePath`` if `path` could escape the mirror root; `location` names where
    /// the path was found, for the message.
    package static func validate(_ path: String, at location: String) throws(SimpleStreamsError) {
        if let problem = problem(with: path) {
            throw SimpleStreamsError(.unsafePath, "\(location): unsafe path \(quoted(path)): \(problem)")
        }
    }

    /// Whether `path` is safe to join to a mirror root. A safe path is canonical: no other safe path names the same
    /// file or URL unless it has the same UTF-8 bytes (see ``StreamPath``).
    package static func isSafe(_ path: String) -> Bool {
        problem(with: path) == nil
    }

    /// Why `path` is refused, or `nil` when it is safe (and so canonical): the reason ``validate(_:at:)`` gives.
    package static func problem(with path: String) -> String? {
        if let problem = path.utf8.withContiguousStorageIfAvailable({ problem(in: $0) }) { return problem }
        return Array(path.utf8).withUnsafeBufferPointer { problem(in: $0) }
    }

    /// Checks the `path` member of `object`, if it has one: it must be a string and safe. `location` is built only
    /// for an error.
    static func validateField(in object: JSONObject, at location: @autoclosure () -> String)
        throws(SimpleStreamsError)
    {
        guard let value = object["path"] else { return }
        guard case .string(let path) = value else {
            throw SimpleStreamsError(.invalidDocument, "\(location()): 'path' is not a string")
        }
        if let problem = problem(with: path) {
            throw SimpleStreamsError(.unsafePath, "\(location()): unsafe path \(quoted(path)): \(problem)")
        }
    }

    /// One pass over the bytes, with no allocation: characters, percent-escapes, then each segment as it ends.
    private static func problem(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.isEmpty { return "it is empty" }
        if bytes[0] == UInt8(ascii: "/") { return "it is absolute" }
        var segmentStart = 0
        for index in 0...bytes.count {
            let byte = index < bytes.count ? bytes[index] : UInt8(ascii: "/")
            switch byte {
            case UInt8(ascii: "\\"): return "it has a backslash"
            case 0: return "it has a NUL"
            case 1..<0x20, 0x7F: return "it has a control character"
            case UInt8(ascii: "?"), UInt8(ascii: "#"): return "it has a URL query or fragment marker"
            case UInt8(ascii: "%"):
                return "it has a percent sign (a server would decode a percent-escape into another spelling)"
            case UInt8(ascii: "/"):
                let segment = UnsafeBufferPointer(rebasing: bytes[segmentStart..<index])
                if segment.isEmpty { return "it has an empty segment" }
                if segment.count == 2 && segment[0] == UInt8(ascii: ".") && segment[1] == UInt8(ascii: ".") {
                    return "it has a '..' segment"
                }
                if segment.count == 1 && segment[0] == UInt8(ascii: ".") { return "it has a '.' segment" }
                if segmentStart == 0 && hasScheme(segment) { return "it starts with a URL scheme" }
                segmentStart = index + 1
            default: continue
            }
        }
        return nil
    }

    /// Whether a segment looks like `scheme:` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`, then `:`).
    private static func hasScheme(_ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let colon = segment.firstIndex(of: UInt8(ascii: ":")), colon > 0, isLetter(segment[0]) else {
            return false
        }
        return segment[1..<colon].allSatisfy { byte in
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
