/// Text forms of IP addresses, in pure Swift: the grammar of `inet_pton` and the output of `inet_ntop`.
enum IPAddressText {
    /// The 4 bytes of a dotted-quad IPv4 address (`inet_pton(AF_INET)`: exactly four decimal parts from 0 to 255,
    /// no leading zeros), or `nil`.
    static func parseIPv4(_ text: some Collection<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        var value = 0
        var digits = 0
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits > 0 && value == 0 { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard value <= 255 else { return nil }
                if digits == 0 {
                    guard bytes.count < 4 else { return nil }
                }
                digits += 1
            case UInt8(ascii: ".") where digits > 0:
                guard bytes.count < 3 else { return nil }
                bytes.append(UInt8(value))
                value = 0
                digits = 0
            default:
                return nil
            }
        }
        guard digits > 0, bytes.count == 3 else { return nil }
        bytes.append(UInt8(value))
        return bytes
    }

    /// The 16 bytes of an IPv6 address in any RFC 4291 text form (`::`, an embedded IPv4 suffix; no zone), as
    /// `inet_pton(AF_INET6)` reads it, or `nil`.
    static func parseIPv6(_ text: some Collection<UInt8>) -> [UInt8]? {
        let input = Array(text)
        var index = 0
        guard !input.isEmpty else { return nil }
        if input[0] == UInt8(ascii: ":") {
            guard input.count > 1, input[1] == UInt8(ascii: ":") else { return nil }
            index = 1
        }
        var bytes: [UInt8] = []
        var compressedAt: Int?
        var tokenStart = index
        var hexDigits = 0
        var value = 0
        while index < input.count {
            let byte = input[index]
            index += 1
            if let digit = hexValue(byte) {
                guard hexDigits < 4 else { return nil }
                value = value << 4 | digit
                hexDigits += 1
                continue
            }
            if byte == UInt8(ascii: ":") {
                tokenStart = index
                if hexDigits == 0 {
                    guard compressedAt == nil else { return nil }
                    compressedAt = bytes.count
                    continue
                }
                guard index < input.count, bytes.count + 2 <= 16 else { return nil }
                bytes.append(UInt8(value >> 8))
                bytes.append(UInt8(value & 0xFF))
                hexDigits = 0
                value = 0
                continue
            }
            if byte == UInt8(ascii: "."), bytes.count + 4 <= 16,
                let ipv4 = parseIPv4(input[tokenStart...])
            {
                bytes.append(contentsOf: ipv4)
                hexDigits = 0
                break
            }
            return nil
        }
        if hexDigits > 0 {
            guard bytes.count + 2 <= 16 else { return nil }
            bytes.append(UInt8(value >> 8))
            bytes.append(UInt8(value & 0xFF))
        }
        if let compressedAt {
            guard bytes.count < 16 else { return nil }
            let zeros = [UInt8](repeating: 0, count: 16 - bytes.count)
            bytes.insert(contentsOf: zeros, at: compressedAt)
        }
        guard bytes.count == 16 else { return nil }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// `a.b.c.d`.
    static func formatIPv4(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0) }.joined(separator: ".")
    }

    /// The canonical text of RFC 5952, as `inet_ntop(AF_INET6)` writes it: lowercase hexadecimal without leading
    /// zeros, the first longest run of two or more zero groups written `::`, and the last 32 bits in dotted form
    /// for an IPv4-compatible (`::a.b.c.d`) or IPv4-mapped (`::ffff:a.b.c.d`) address.
    static func formatIPv6(_ bytes: [UInt8]) -> String {
        let words = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        var best: (base: Int, length: Int)?
        var current: (base: Int, length: Int)?
        for (index, word) in words.enumerated() {
            if word == 0 {
                current = current.map { ($0.base, $0.length + 1) } ?? (index, 1)
                if let run = current, run.length > (best?.length ?? 0) { best = run }
            } else {
                current = nil
            }
        }
        if let run = best, run.length < 2 { best = nil }
        var text = ""
        var index = 0
        while index < 8 {
            if let run = best, index >= run.base, index < run.base + run.length {
                if index == run.base { text += ":" }
                index += 1
                continue
            }
            if index != 0 { text += ":" }
            if index == 6, let run = best, run.base == 0,
                run.length == 6 || (run.length == 5 && words[5] == 0xFFFF)
            {
                text += formatIPv4(bytes[12..<16])
                return text
            }
            text += String(words[index], radix: 16)
            index += 1
        }
        if let run = best, run.base + run.length == 8 { text += ":" }
        return text
    }
}
