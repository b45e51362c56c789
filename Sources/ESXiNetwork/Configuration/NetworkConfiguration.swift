/// A MAAS network configuration, parsed: the interfaces in document order, the global DNS settings, and what was
/// found that ESXi cannot use.
///
/// Both formats MAAS can emit give this one model: network configuration version 1 (curtin and cloud-init, which is
/// what MAAS sends for ESXi today) and netplan version 2 (which MAAS says it will move to). Parse one with
/// ``init(yaml:source:)`` or ``init(contentsOf:)-(FilePath)``; turn it into ESXi objects with
/// ``Plan/init(for:on:)``.
public struct NetworkConfiguration: Hashable, Sendable {
    /// The format version of the document: 1 or 2.
    public var version: Int
    /// The interfaces, in the order of the document.
    public var interfaces: [NetworkInterface]
    /// DNS servers and search domains of the global `nameserver` entries (version 1), in order.
    public var dns: DNSSettings
    /// What the document holds that has no ESXi equivalent or is not understood, each with what is done instead.
    public var warnings: [NetworkWarning]

    /// A configuration made of its parts.
    public init(
        version: Int, interfaces: [NetworkInterface], dns: DNSSettings = DNSSettings(), warnings: [NetworkWarning] = []
    ) {
        self.version = version
        self.interfaces = interfaces
        self.dns = dns
        self.warnings = warnings
    }

    /// The interface whose id is `id`.
    public func interface(withID id: String) -> NetworkInterface? {
        interfaces.first { $0.id == id }
    }
}

/// DNS servers and search domains. ESXi has one DNS configuration for the whole host.
public struct DNSSettings: Hashable, Sendable, Encodable {
    /// The servers, in order, without repeats.
    public var servers: [IPAddress]
    /// The search domains, in order, without repeats.
    public var searchDomains: [String]

    /// DNS settings with these servers and domains (repeats are dropped).
    public init(servers: [IPAddress] = [], searchDomains: [String] = []) {
        self.servers = []
        self.searchDomains = []
        merge(servers: servers, searchDomains: searchDomains)
    }

    /// Whether there is nothing to configure.
    public var isEmpty: Bool { servers.isEmpty && searchDomains.isEmpty }

    /// Appends the servers and domains not already present.
    public mutating func merge(servers: [IPAddress], searchDomains: [String]) {
        for server in servers where !self.servers.contains(server) { self.servers.append(server) }
        for domain in searchDomains where !self.searchDomains.contains(domain) { self.searchDomains.append(domain) }
    }

    private enum CodingKeys: String, CodingKey {
        case servers
        case searchDomains = "search"
    }
}

/// Something in a configuration or a plan that ESXi cannot do as written, and what is done instead.
public struct NetworkWarning: Hashable, Sendable, CustomStringConvertible, Encodable {
    /// What the warning is about: a MAAS interface id, `nameserver`, `route 10.0.0.0/8`, or a key.
    public var subject: String
    /// What is not supported or not understood, and what is done instead.
    public var message: String

    /// A warning about `subject`.
    public init(subject: String, message: String) {
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(subject): \(message)" }
}
