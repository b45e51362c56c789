/// One address configuration of an interface: a `subnets` entry of version 1, an address or a DHCP flag of netplan.
public struct Subnet: Hashable, Sendable {
    /// How the address is obtained.
    public enum Kind: Hashable, Sendable {
        /// A fixed address with its prefix length (MAAS's static and auto-assigned addresses).
        case staticAddress(IPPrefix)
        /// DHCP for IPv4.
        case dhcp4
        /// DHCPv6.
        case dhcp6
        /// DHCP on both families (version 1's `dhcp`; MAAS's "DHCP" link with no subnet).
        case dhcp
        /// No address: the link is up and nothing else (MAAS's "unconfigured").
        case manual
        /// A type ESXi configuration does not support (`ipv6_slaac`, `static6`, ...), kept by name; treated as
        /// `manual`.
        case unsupported(String)
    }

    /// How the address is obtained.
    public var kind: Kind
    /// The gateway of this subnet, if any: the default gateway of its family.
    public var gateway: IPAddress?
    /// Static routes reached through this subnet.
    public var routes: [StaticRoute]
    /// DNS servers given on this subnet.
    public var dnsServers: [IPAddress]
    /// DNS search domains given on this subnet.
    public var dnsSearchDomains: [String]

    /// A subnet.
    public init(
        _ kind: Kind, gateway: IPAddress? = nil, routes: [StaticRoute] = [], dnsServers: [IPAddress] = [],
        dnsSearchDomains: [String] = []
    ) {
        self.kind = kind
        self.gateway = gateway
        self.routes = routes
        self.dnsServers = dnsServers
        self.dnsSearchDomains = dnsSearchDomains
    }

    /// Whether the subnet gives the interface an address (static or DHCP).
    public var configuresAddress: Bool {
        switch kind {
        case .staticAddress, .dhcp4, .dhcp6, .dhcp: true
        case .manual, .unsupported: false
        }
    }
}

/// A static route: packets for ``destination`` go through ``gateway``.
public struct StaticRoute: Hashable, Sendable {
    /// The destination network.
    public var destination: IPPrefix
    /// The next hop.
    public var gateway: IPAddress
    /// The metric the configuration gives; ESXi static routes have none, so it is not applied.
    public var metric: Int?

    /// A route.
    public init(destination: IPPrefix, gateway: IPAddress, metric: Int? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.metric = metric
    }
}
