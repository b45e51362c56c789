/// Finds YAML mapping keys that are not plain strings: explicit `?` keys, flow collections used as keys and aliases
/// used as keys. Yams hashes every key to find duplicates, and hashing a key built from nested aliases takes time
/// exponential in the document's size, so such documents are refused before they are composed.
///
/// The scan is conservative: it looks at the raw text, quotes included, so a quoted string that looks like such a
/// key is refused too. No document this package reads needs either.
package enum ComplexKeyScanner {
    /// The 1-based line of the first complex key, or `nil`.
    package static func firstComplexKeyLine(in text: String) -> Int? {
        // One line at a time: an array of every line would cost tens of bytes per line (a 15 MiB file of newlines
        // took 600 MB).
        let utf8 = text.utf8
        var line = 1
        var start = utf8.startIndex
        while true {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            if lineHasComplexKey(Array(utf8[start..<end])) { return line }
            guard end < utf8.endIndex else { return nil }
            start = utf8.index(after: end)
            line += 1
        }
    }

    private static func lineHasComplexKey(_ bytes: [UInt8]) -> Bool {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        func isAnchorCharacter(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        /// Whether a ':' follows `index` after optional spaces.
        func colonFollows(_ index: Int) -> Bool {
            var next = index
            while next < bytes.count && isSpace(bytes[next]) { next += 1 }
            return next < bytes.count && bytes[next] == UInt8(ascii: ":")
        }
        /// Whether the byte before `index` ends a token: the line's start, a space or a flow indicator.
        func startsToken(_ index: Int) -> Bool {
            guard index > 0 else { return true }
            let before = bytes[index - 1]
            return isSpace(before) || [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ",")].contains(before)
        }
        // For each open bracket on this line, whether it starts a token (a flow collection, not text in a scalar
        // such as the `[` of `http://[fd00::1]:5240/`).
        var openBrackets: [Bool] = []
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "?"):
                let after = index + 1 < bytes.count ? bytes[index + 1] : UInt8(ascii: " ")
                if startsToken(index) && isSpace(after) { return true }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                openBrackets.append(startsToken(index))
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                // A collection opened on an earlier line cannot be an implicit key, which fits on one line.
                if let collection = openBrackets.popLast(), collection, colonFollows(index + 1) { return true }
            case UInt8(ascii: "*"):
                var end = index + 1
                while end < bytes.count && isAnchorCharacter(bytes[end]) { end += 1 }
                if startsToken(index) && end > index + 1 && colonFollows(end) { return true }
            default:
                continue
            }
        }
        return false
    }
}
