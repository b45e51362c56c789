/// The two IP address families.
public enum IPFamily: String, Hashable, Sendable, Encodable {
    /// IPv4.
    case ipv4
    /// IPv6.
    case ipv6

    /// The largest prefix length of the family: 32 or 128.
    public var maximumPrefixLength: Int { self == .ipv4 ? 32 : 128 }
}

/// An IPv4 or IPv6 address.
///
/// Parsed strictly, as `inet_pton` does: dotted-quad IPv4 with no leading zeros, IPv6 in any RFC 4291 text form
/// (with `::` and an embedded IPv4 suffix) but without a zone. It prints in the canonical form of RFC 5952
/// (lowercase, the longest run of zeros compressed).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible, Encodable {
    /// The address family.
    public let family: IPFamily
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses `text` as an IPv4 or IPv6 address, or returns `nil`.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 45, !utf8.contains(0) else { return nil }
        if utf8.contains(UInt8(ascii: ":")) {
            guard let bytes = IPAddressText.parseIPv6(utf8) else { return nil }
            self.init(family: .ipv6, bytes: bytes)
        } else {
            guard let bytes = IPAddressText.parseIPv4(utf8) else { return nil }
            self.init(family: .ipv4, bytes: bytes)
        }
    }

    /// An address of `family` from its bytes in network order (4 or 16 of them; others are padded or cut).
    init(family: IPFamily, bytes: [UInt8]) {
        let count = family == .ipv4 ? 4 : 16
        self.family = family
        self.bytes = Array((bytes + [UInt8](repeating: 0, count: count)).prefix(count))
    }

    /// The IPv4 netmask with `prefixLength` leading one bits, or the IPv6 mask; `prefixLength` is clamped to the
    /// family's range.
    static func mask(family: IPFamily, prefixLength: Int) -> IPAddress {
        let length = min(max(prefixLength, 0), family.maximumPrefixLength)
        var bytes = [UInt8](repeating: 0, count: family.maximumPrefixLength / 8)
        for bit in 0..<length {
            bytes[bit / 8] |= UInt8(0x80) >> UInt8(bit % 8)
        }
        return IPAddress(family: family, bytes: bytes)
    }

    /// The prefix length of this address read as a netmask (`255.255.255.0` is 24), or `nil` if its one bits are
    /// not contiguous from the left.
    var prefixLengthAsMask: Int? {
        var length = 0
        var seenZero = false
        for byte in bytes {
            for bit in 0..<8 {
                if byte & (UInt8(0x80) >> UInt8(bit)) != 0 {
                    if seenZero { return nil }
                    length += 1
                } else {
                    seenZero = true
                }
            }
        }
        return length
    }

    /// The canonical text: dotted decimal for IPv4, RFC 5952 for IPv6.
    public var description: String {
        family == .ipv4 ? IPAddressText.formatIPv4(bytes[...]) : IPAddressText.formatIPv6(bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An IP address with a prefix length: an interface address (`10.0.0.5/24`) or a network (`10.1.0.0/16`).
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible, Encodable {
    /// The address.
    public let address: IPAddress
    /// The prefix length, from 0 to 32 (IPv4) or 128 (IPv6).
    public let prefixLength: Int

    /// An address with a prefix length, or `nil` if the length is outside the family's range.
    public init?(address: IPAddress, prefixLength: Int) {
        guard (0...address.family.maximumPrefixLength).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// An address with a prefix length forced into the family's range.
    init(address: IPAddress, clampedPrefixLength: Int) {
        self.address = address
        self.prefixLength = min(max(clampedPrefixLength, 0), address.family.maximumPrefixLength)
    }

    /// The destination of a default route: `0.0.0.0/0` or `::/0`.
    public static func defaultRoute(_ family: IPFamily) -> IPPrefix {
        IPPrefix(address: IPAddress.mask(family: family, prefixLength: 0), clampedPrefixLength: 0)
    }

    /// Parses `ADDRESS/LENGTH`, or returns `nil`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]) else { return nil }
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let length = Int(digits)
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// The address family.
    public var family: IPFamily { address.family }

    /// The netmask in dotted or colon form (`255.255.255.0` for a /24).
    public var netmask: IPAddress { IPAddress.mask(family: address.family, prefixLength: prefixLength) }

    /// Whether this is a default route's destination (`0.0.0.0/0` or `::/0`).
    public var isDefault: Bool { prefixLength == 0 }

    public var description: String { "\(address)/\(prefixLength)" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPPrefix {
    /// Whether `address` is in this network.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.family == family else { return false }
        let mask = netmask.bytes
        for index in mask.indices
        where (address.bytes[index] & mask[index]) != (self.address.bytes[index] & mask[index]) {
            return false
        }
        return true
    }
}
