/// An Ethernet MAC address, compared byte for byte (so case never matters).
///
/// Written as six pairs of hexadecimal digits separated by colons (`52:54:00:12:34:56`) or hyphens; it prints in
/// lowercase with colons, the form `esxcli` and MAAS use.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible, Encodable {
    /// The six bytes.
    public let bytes: [UInt8]

    /// Parses `text`, or returns `nil` if it is not six two-digit hexadecimal groups separated by `:` or `-`.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 17 else { return nil }
        let separator = utf8[2]
        guard separator == UInt8(ascii: ":") || separator == UInt8(ascii: "-") else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(6)
        for group in 0..<6 {
            let start = group * 3
            if group > 0 && utf8[start - 1] != separator { return nil }
            guard let high = Self.hexValue(utf8[start]), let low = Self.hexValue(utf8[start + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ":")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
