/// What an ESXi host's network becomes: the vSwitches, port groups, VMkernel NICs, routes and DNS settings that
/// carry a MAAS network configuration, in the order they are created.
///
/// Make one with ``init(for:on:)``; render it with ``commands``, ``script(options:)`` or as JSON (the type is
/// `Encodable`). The plan is grouped by MAAS interface, in the order the interfaces are applied, because that is the
/// order the commands must run in; ``virtualSwitches``, ``portGroups``, ``vmkernelNICs`` and ``routes`` list each
/// kind of object across the whole plan.
public struct Plan: Hashable, Sendable {
    /// What each MAAS interface becomes, in the order they are applied (parents before children, otherwise the
    /// document's order).
    public var interfaces: [InterfacePlan]
    /// The host's DNS servers and search domains.
    public var dns: DNSSettings
    /// What the configuration asks for that the plan does differently, with what is done instead.
    public var warnings: [NetworkWarning]
    /// The host NICs the plan uses, each with the MAAS interface it carries; a script checks them before it changes
    /// anything.
    public var requiredNICs: [RequiredNIC]

    /// A plan made of its parts.
    public init(
        interfaces: [InterfacePlan], dns: DNSSettings, warnings: [NetworkWarning] = [], requiredNICs: [RequiredNIC] = []
    ) {
        self.interfaces = interfaces
        self.dns = dns
        self.warnings = warnings
        self.requiredNICs = requiredNICs
    }

    /// Every vSwitch, in the order they are created (`vSwitch0`, `vSwitch1`, ...).
    public var virtualSwitches: [VirtualSwitch] { interfaces.compactMap(\.virtualSwitch) }
    /// Every port group, in the order they are created.
    public var portGroups: [PortGroup] { interfaces.flatMap(\.portGroups) }
    /// Every VMkernel NIC, in the order they are created (`vmk0`, `vmk1`, ...).
    public var vmkernelNICs: [VMKernelNIC] { portGroups.compactMap(\.vmkernelNIC) }
    /// Every route, default routes included, in the order they are added.
    public var routes: [Route] { vmkernelNICs.flatMap(\.routes) }
}

/// A host NIC the plan needs.
public struct RequiredNIC: Hashable, Sendable, Encodable {
    /// The vmnic.
    public var nic: String
    /// Its MAC address.
    public var macAddress: MACAddress
    /// The MAAS interface it is.
    public var interface: String

    private enum CodingKeys: String, CodingKey {
        case nic
        case macAddress = "mac_address"
        case interface
    }
}

/// What one MAAS interface becomes.
public struct InterfacePlan: Hashable, Sendable {
    /// The MAAS interface's id.
    public var interface: String
    /// The vSwitch created while applying this interface: its own (a configured NIC, a bond), or its parent's
    /// when a VLAN is the first user of an otherwise unconfigured NIC.
    public var virtualSwitch: VirtualSwitch?
    /// The interface's port groups: one per subnet, aliases named `NAME:1`, `NAME:2`, ...
    public var portGroups: [PortGroup]
}

/// A standard vSwitch.
public struct VirtualSwitch: Hashable, Sendable, Encodable {
    /// `vSwitchN`.
    public var name: String
    /// The MTU, or `nil` to keep ESXi's default (1500).
    public var mtu: Int?
    /// The uplinks (vmnics), in the order they are added.
    public var uplinks: [String]
    /// The NIC teaming policy, for a vSwitch made from a bond.
    public var teaming: NICTeaming?
    /// The MAAS interface the vSwitch carries (a NIC or a bond).
    public var interface: String
}

/// How a vSwitch shares traffic among its uplinks.
public struct NICTeaming: Hashable, Sendable, Encodable {
    /// The active uplinks, in failover order (the first is used first with `explicit`).
    public var activeUplinks: [String]
    /// The load-balancing policy.
    public var loadBalancing: LoadBalancing
    /// The bond mode it comes from.
    public var bondMode: BondMode

    private enum CodingKeys: String, CodingKey {
        case activeUplinks = "active_uplinks"
        case loadBalancing = "load_balancing"
        case bondMode = "bond_mode"
    }
}

/// ESXi's load-balancing policies for NIC teaming, by their `esxcli` names.
public enum LoadBalancing: String, Hashable, Sendable, Encodable {
    /// Route based on the originating virtual port (from `balance-rr`).
    case portID = "portid"
    /// Route based on IP hash, which needs a static EtherChannel on the switch (from `802.3ad`).
    case ipHash = "iphash"
    /// Use the first active uplink, fail over in order (from `active-backup`).
    case explicitFailover = "explicit"
}

/// A port group on a vSwitch, named after a MAAS interface (or `NAME:N` for its N-th alias).
public struct PortGroup: Hashable, Sendable {
    /// The name.
    public var name: String
    /// The vSwitch it is on.
    public var virtualSwitch: String
    /// The VLAN id it is tagged with, for a VLAN interface.
    public var vlanID: Int?
    /// The MAAS interface it comes from.
    public var interface: String
    /// Its VMkernel NIC; `nil` for a subnet with no address (`manual`), which leaves the port group to VMs.
    public var vmkernelNIC: VMKernelNIC?
}

/// A VMkernel NIC and its addresses.
public struct VMKernelNIC: Hashable, Sendable {
    /// `vmkN`.
    public var name: String
    /// The port group it is on.
    public var portGroup: String
    /// The MTU, or `nil` to keep ESXi's default.
    public var mtu: Int?
    /// The MAC address, or `nil` to let ESXi choose one (VLANs).
    public var macAddress: MACAddress?
    /// IPv4 addressing, if any.
    public var ipv4: IPv4Settings?
    /// IPv6 addressing, if any.
    public var ipv6: IPv6Settings?
    /// Routes added after the address: the default route first, then static routes.
    public var routes: [Route]
}

/// How a VMkernel NIC gets its IPv4 address.
public enum IPv4Settings: Hashable, Sendable {
    /// DHCP, with the interface's gateway if the configuration gives one.
    case dhcp(gateway: IPAddress?)
    /// A static address and netmask.
    case staticAddress(IPPrefix)
}

/// How a VMkernel NIC gets its IPv6 address.
public enum IPv6Settings: Hashable, Sendable {
    /// DHCPv6, with the interface's gateway if the configuration gives one.
    case dhcp(gateway: IPAddress?)
    /// A static address with its prefix length, and the interface's gateway.
    case staticAddress(IPPrefix, gateway: IPAddress?)
}

/// A route of the host's TCP/IP stack.
public struct Route: Hashable, Sendable, Encodable {
    /// The destination; `0.0.0.0/0` or `::/0` for the default route.
    public var destination: IPPrefix
    /// The next hop.
    public var gateway: IPAddress
    /// The VMkernel NIC whose subnet gives the route.
    public var vmkernelNIC: String

    /// The address family.
    public var family: IPFamily { destination.family }
    /// Whether this is the default route of its family.
    public var isDefault: Bool { destination.isDefault }

    private enum CodingKeys: String, CodingKey {
        case destination, gateway
        case vmkernelNIC = "vmkernel_nic"
    }
}
