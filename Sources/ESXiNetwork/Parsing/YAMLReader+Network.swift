internal import YAMLReading
internal import Yams

extension YAMLReader {
    /// A reader of a network configuration, with the module's limits.
    init(networkConfiguration source: String) {
        self.init(
            source: source, maximumNodeVisits: ConfigurationLimits.maximumNodeVisits,
            maximumStringBytes: ConfigurationLimits.maximumStringBytes)
    }

    /// An error of `code` about `node` at `path`, for checks that belong to network configurations.
    func error(_ code: ESXiNetworkError.Code, _ node: Node, _ path: String, _ problem: String) -> ESXiNetworkError {
        ESXiNetworkError(code, "\(location(node, path)): \(problem)")
    }

    /// An IP address.
    mutating func ipAddress(_ node: Node, _ path: String) throws(YAMLReadingError) -> IPAddress {
        try ipAddress(parsing: try string(node, path), node, path)
    }

    /// A list of IP addresses (or one).
    mutating func ipAddresses(_ node: Node, _ path: String, limit: Int) throws(YAMLReadingError) -> [IPAddress] {
        var addresses: [IPAddress] = []
        for text in try strings(node, path, limit: limit) {
            addresses.append(try ipAddress(parsing: text, node, path))
        }
        return addresses
    }

    private func ipAddress(parsing text: String, _ node: Node, _ path: String) throws(YAMLReadingError) -> IPAddress {
        guard let address = IPAddress(text) else {
            throw failure(.invalidValue, node, path, "'\(text)' is not an IPv4 or IPv6 address")
        }
        return address
    }

    /// A VLAN id, 1 to 4094.
    mutating func vlanID(_ node: Node, _ path: String) throws(YAMLReadingError) -> Int {
        let vlanID = try integer(node, path, maximum: 4095)
        guard (1...4094).contains(vlanID) else {
            throw failure(.invalidValue, node, path, "VLAN id \(vlanID) is not from 1 to 4094")
        }
        return vlanID
    }

    /// A MAC address.
    mutating func macAddress(_ node: Node, _ path: String) throws(YAMLReadingError) -> MACAddress {
        let text = try string(node, path)
        guard let address = MACAddress(text) else {
            throw failure(.invalidValue, node, path, "'\(text)' is not a MAC address (six hexadecimal pairs)")
        }
        return address
    }

    /// An IP network written `ADDRESS/LENGTH`.
    mutating func prefix(_ node: Node, _ path: String) throws(YAMLReadingError) -> IPPrefix {
        let text = try string(node, path)
        guard let prefix = IPPrefix(text) else {
            throw failure(
                .invalidValue, node, path, "'\(text)' is not an address with a prefix length (ADDRESS/LENGTH)")
        }
        return prefix
    }
}

extension ESXiNetworkError {
    /// The module's error for a YAML reading failure: the same code and message.
    init(_ error: YAMLReadingError) {
        let code: Code =
            switch error.code {
            case .invalidValue: .invalidValue
            case .limitExceeded: .limitExceeded
            default: .malformed
            }
        self.init(code, error.message, underlyingError: error.underlyingError)
    }

    /// `error` as the module's error: itself, or a wrapped YAML reading failure.
    static func converting(_ error: any Error) -> ESXiNetworkError {
        switch error {
        case let error as ESXiNetworkError: error
        case let error as YAMLReadingError: ESXiNetworkError(error)
        default: ESXiNetworkError(.malformed, "\(error)")
        }
    }
}

/// The limits on what a configuration may hold; far above anything MAAS emits, low enough that hostile input
/// cannot exhaust memory or time.
enum ConfigurationLimits {
    /// The size of a configuration document.
    static let maximumDocumentBytes = 8 << 20
    /// Nodes visited while reading one document, aliases counted every time they are used.
    static let maximumNodeVisits = 1_000_000
    /// Entries of a version 1 `config` list, or interfaces of a netplan document.
    static let maximumInterfaces = 4096
    /// Subnets (addresses) of one interface.
    static let maximumSubnets = 256
    /// Routes of one subnet or interface, members of a bond, DNS servers or domains of one entry.
    static let maximumListItems = 1024
    /// One string value.
    static let maximumStringBytes = 4096
}
