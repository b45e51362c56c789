/// One interface of a network configuration: a physical NIC, a bond of NICs or a VLAN.
///
/// Bridges have no ESXi equivalent and are reported as warnings when the configuration is parsed, so they never
/// appear here.
public struct NetworkInterface: Hashable, Sendable {
    /// The kinds of interface ESXi can represent.
    public enum Kind: Hashable, Sendable {
        /// A physical NIC, matched to a host vmnic by its MAC address.
        case physical
        /// A bond of physical NICs, which becomes a vSwitch with NIC teaming.
        case bond(Bond)
        /// A VLAN on a physical NIC or a bond, which becomes a tagged port group on its parent's vSwitch.
        case vlan(VLAN)
    }

    /// What a bond is made of.
    public struct Bond: Hashable, Sendable {
        /// The ids of the member interfaces, in the configuration's order.
        public var members: [String]
        /// The bonding mode; `nil` when the configuration gives none (Linux then uses `balance-rr`).
        public var mode: BondMode?
        /// Every other bonding parameter, as `name: value` in document order (`bond-lacp-rate`, `bond-miimon`, ...).
        /// ESXi's NIC teaming has no equivalent for any of them.
        public var otherParameters: [Parameter]

        /// A bond of `members`.
        public init(members: [String], mode: BondMode?, otherParameters: [Parameter] = []) {
            self.members = members
            self.mode = mode
            self.otherParameters = otherParameters
        }
    }

    /// A named value the configuration gives and ESXi ignores.
    public struct Parameter: Hashable, Sendable {
        /// The name, as written.
        public var name: String
        /// The value, as written.
        public var value: String

        /// A parameter.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What a VLAN is made of.
    public struct VLAN: Hashable, Sendable {
        /// The id of the parent interface (`vlan_link`, netplan's `link`).
        public var link: String
        /// The VLAN id, 1 to 4094.
        public var vlanID: Int

        /// A VLAN `vlanID` on `link`.
        public init(link: String, vlanID: Int) {
            self.link = link
            self.vlanID = vlanID
        }
    }

    /// The id other entries use to refer to this one (`id`, or the name when there is no `id`).
    public var id: String
    /// The interface name, which becomes the port group's name.
    public var name: String
    /// What kind of interface this is.
    public var kind: Kind
    /// The MAC address, if given; for a physical NIC it selects the host's vmnic.
    public var macAddress: MACAddress?
    /// The MTU, if given.
    public var mtu: Int?
    /// The addresses, in order; every one after the first is an alias.
    public var subnets: [Subnet]
    /// The line of the document the entry starts on, for messages.
    public var line: Int?

    /// An interface.
    public init(
        id: String, name: String, kind: Kind, macAddress: MACAddress? = nil, mtu: Int? = nil, subnets: [Subnet] = [],
        line: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.macAddress = macAddress
        self.mtu = mtu
        self.subnets = subnets
        self.line = line
    }

    /// The interfaces this one is built on: a bond's members, a VLAN's parent.
    public var dependencies: [String] {
        switch kind {
        case .physical: []
        case .bond(let bond): bond.members
        case .vlan(let vlan): [vlan.link]
        }
    }

    /// `physical`, `bond` or `vlan`.
    public var kindName: String {
        switch kind {
        case .physical: "physical"
        case .bond: "bond"
        case .vlan: "vlan"
        }
    }
}

/// A Linux bonding mode, as MAAS names it.
public struct BondMode: Hashable, Sendable, CustomStringConvertible, Encodable {
    /// The mode's name, as written in the configuration.
    public let name: String

    /// A mode by name; netplan and MAAS spell the modes alike.
    public init(_ name: String) { self.name = name }

    /// Round robin: becomes ESXi's `portid` load balancing.
    public static let balanceRoundRobin = BondMode("balance-rr")
    /// One active member, the others standing by: becomes ESXi's `explicit` failover order.
    public static let activeBackup = BondMode("active-backup")
    /// IEEE 802.3ad link aggregation (LACP): becomes ESXi's `iphash` (a static EtherChannel on the switch).
    public static let ieee8023ad = BondMode("802.3ad")
    /// XOR hashing; no ESXi equivalent.
    public static let balanceXOR = BondMode("balance-xor")
    /// Every frame on every member; no ESXi equivalent.
    public static let broadcast = BondMode("broadcast")
    /// Adaptive transmit load balancing; no ESXi equivalent.
    public static let balanceTLB = BondMode("balance-tlb")
    /// Adaptive load balancing; no ESXi equivalent.
    public static let balanceALB = BondMode("balance-alb")

    public var description: String { name }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
