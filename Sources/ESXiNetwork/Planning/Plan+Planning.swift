extension Plan {
    /// ESXi's range for vSwitch and VMkernel NIC MTUs.
    public static let mtuRange = 1280...9000

    /// The plan for `configuration` on a host with `nics`.
    ///
    /// The plan is the one the reference implementation (packer-maas's `netplan-esxi`) builds, so a host configured
    /// by either looks the same: one vSwitch per configured physical NIC; one per bond, every member an active
    /// uplink and the member with the bond's MAC first; VLANs as tagged port groups on their parent's vSwitch
    /// (created on first use for an unconfigured NIC); one port group and VMkernel NIC per address, aliases named
    /// `NAME:N` carrying the interface's MAC; the default gateway as a default route; static routes; DNS. vSwitches
    /// and VMkernel NICs are numbered in that order.
    ///
    /// Where the reference is wrong, the plan differs (see the module's documentation for the full list): every
    /// error is found before any command exists, and names the interface; teams are matched by exact vmnic name; no
    /// MTU is passed when none is given; IPv6 addresses keep their prefix length; `netmask` is honoured; `dhcp` means
    /// DHCP on both families; a `manual` subnet on a bond or VLAN gets a port group without a VMkernel NIC; a second
    /// default route of a family is dropped with a warning.
    ///
    /// ```swift
    /// let configuration = try NetworkConfiguration(contentsOf: "curtin.cfg")
    /// let plan = try Plan(for: configuration, on: HostNICs(pairs: ["vmnic0=52:54:00:12:34:56"]))
    /// ```
    ///
    /// - Throws: ``ESXiNetworkError`` with `.inconsistent` (entries that contradict each other), `.nicNotFound` (an
    ///   interface the plan needs whose MAC is not on the host; every such interface is named) or `.invalidValue` (an
    ///   MTU outside ``mtuRange``).
    public init(for configuration: NetworkConfiguration, on nics: HostNICs) throws(ESXiNetworkError) {
        var builder = try PlanBuilder(configuration: configuration, nics: nics)
        self = try builder.build()
    }
}

/// The state of one planning run.
private struct PlanBuilder {
    private let configuration: NetworkConfiguration
    private let nics: HostNICs
    private let byID: [String: NetworkInterface]
    private var warnings: [NetworkWarning]
    /// The vSwitch carrying each interface id (a NIC or a bond) so far.
    private var switchOf: [String: String] = [:]
    private var switchCount = 0
    private var vmkCount = 0
    /// The gateway of the default route of each family so far, with the interface it came from.
    private var defaultGateways: [IPFamily: (IPAddress, String)] = [:]
    private var dns: DNSSettings
    /// The gateway of each static route so far, by destination.
    private var staticRoutes: [IPPrefix: IPAddress] = [:]

    init(configuration: NetworkConfiguration, nics: HostNICs) throws(ESXiNetworkError) {
        self.configuration = configuration
        self.nics = nics
        self.warnings = configuration.warnings
        self.dns = configuration.dns
        var byID: [String: NetworkInterface] = [:]
        var byName: [String: String] = [:]
        for interface in configuration.interfaces {
            if byID[interface.id] != nil {
                throw ESXiNetworkError(.inconsistent, "two interfaces have the id \(interface.id)")
            }
            if let other = byName[interface.name] {
                throw ESXiNetworkError(
                    .inconsistent, "\(other) and \(interface.id) have the same name \(interface.name)")
            }
            byID[interface.id] = interface
            byName[interface.name] = interface.id
        }
        self.byID = byID
    }

    mutating func build() throws(ESXiNetworkError) -> Plan {
        let ordered = try applicationOrder()
        let usable = try checkStructure(ordered)
        let uplinkOf = try matchNICs(usable)
        let switchMTU = try switchMTUs(usable)
        var plans: [InterfacePlan] = []
        for interface in usable {
            if let plan = try apply(interface, uplinkOf: uplinkOf, switchMTU: switchMTU) { plans.append(plan) }
        }
        try checkPortGroupNames(plans)
        for interface in usable {
            for subnet in interface.subnets {
                dns.merge(servers: subnet.dnsServers, searchDomains: subnet.dnsSearchDomains)
            }
        }
        let required = usable.compactMap { interface -> RequiredNIC? in
            guard let nic = uplinkOf[interface.id], let mac = interface.macAddress else { return nil }
            return RequiredNIC(nic: nic, macAddress: mac, interface: interface.id)
        }
        return Plan(interfaces: plans, dns: dns, warnings: warnings, requiredNICs: required)
    }

    // MARK: - Structure

    /// The interfaces, parents before children and otherwise in document order (MAAS already writes them so).
    private func applicationOrder() throws(ESXiNetworkError) -> [NetworkInterface] {
        var ordered: [NetworkInterface] = []
        var done: Set<String> = []
        var visiting: Set<String> = []
        func visit(_ interface: NetworkInterface) throws(ESXiNetworkError) {
            if done.contains(interface.id) { return }
            guard visiting.insert(interface.id).inserted else {
                throw ESXiNetworkError(.inconsistent, "\(interface.id) is built on itself (a cycle of bonds and VLANs)")
            }
            for dependency in interface.dependencies {
                if let parent = byID[dependency] { try visit(parent) }
            }
            visiting.remove(interface.id)
            done.insert(interface.id)
            ordered.append(interface)
        }
        for interface in configuration.interfaces { try visit(interface) }
        return ordered
    }

    /// Checks what each bond and VLAN is built on; drops (with a warning) VLANs ESXi cannot represent.
    private mutating func checkStructure(_ ordered: [NetworkInterface]) throws(ESXiNetworkError) -> [NetworkInterface] {
        var memberOf: [String: String] = [:]
        var skipped: Set<String> = []
        var usable: [NetworkInterface] = []
        for interface in ordered {
            switch interface.kind {
            case .physical:
                break
            case .bond(let bond):
                guard !bond.members.isEmpty else {
                    throw ESXiNetworkError(.inconsistent, "bond \(interface.id) has no members")
                }
                for member in bond.members {
                    guard let parent = byID[member] else {
                        throw ESXiNetworkError(
                            .inconsistent, "bond \(interface.id): member \(member) is not in the configuration")
                    }
                    guard case .physical = parent.kind else {
                        throw ESXiNetworkError(
                            .inconsistent,
                            "bond \(interface.id): member \(member) is a \(parent.kindName); ESXi teams physical NICs only"
                        )
                    }
                    if let other = memberOf[member] {
                        throw ESXiNetworkError(
                            .inconsistent, "\(member) is a member of both \(other) and \(interface.id)")
                    }
                    if Self.isConfigured(parent) {
                        throw ESXiNetworkError(
                            .inconsistent,
                            "\(member) is a member of bond \(interface.id) and has addresses of its own; a NIC can be"
                                + " the uplink of one vSwitch only")
                    }
                    memberOf[member] = interface.id
                }
            case .vlan(let vlan):
                guard let parent = byID[vlan.link] else {
                    throw ESXiNetworkError(
                        .inconsistent, "VLAN \(interface.id): its link \(vlan.link) is not in the configuration")
                }
                if skipped.contains(parent.id) {
                    skipped.insert(interface.id)
                    warnings.append(
                        NetworkWarning(
                            subject: interface.id, message: "its parent \(vlan.link) is ignored, so it is ignored too"))
                    continue
                }
                if case .vlan = parent.kind {
                    skipped.insert(interface.id)
                    warnings.append(
                        NetworkWarning(
                            subject: interface.id,
                            message: "a VLAN on VLAN \(parent.id) (double tagging) is not supported by ESXi port"
                                + " groups; ignored"))
                    continue
                }
                if let bond = memberOf[parent.id] {
                    throw ESXiNetworkError(
                        .inconsistent,
                        "VLAN \(interface.id) is on \(parent.id), which is a member of bond \(bond); put it on the bond"
                    )
                }
            }
            usable.append(interface)
        }
        return usable
    }

    /// Whether a physical NIC gets a vSwitch of its own: it has a subnet with an address.
    static func isConfigured(_ interface: NetworkInterface) -> Bool {
        interface.subnets.contains { $0.configuresAddress }
    }

    /// The physical NICs the plan uses, each matched to a host vmnic by MAC; every missing one in one error.
    private func matchNICs(_ usable: [NetworkInterface]) throws(ESXiNetworkError) -> [String: String] {
        var needed: [(NetworkInterface, String)] = []
        var neededIDs: Set<String> = []
        func need(_ id: String, _ role: String) {
            guard let interface = byID[id], neededIDs.insert(id).inserted else { return }
            needed.append((interface, role))
        }
        for interface in usable {
            switch interface.kind {
            case .physical:
                if Self.isConfigured(interface) { need(interface.id, "configured") }
            case .bond(let bond):
                for member in bond.members { need(member, "a member of bond \(interface.id)") }
            case .vlan(let vlan):
                if case .physical = byID[vlan.link]?.kind { need(vlan.link, "the parent of VLAN \(interface.id)") }
            }
        }
        var uplinkOf: [String: String] = [:]
        var interfaceOfNIC: [String: String] = [:]
        var problems: [String] = []
        for (interface, role) in needed {
            guard let mac = interface.macAddress else {
                problems.append("\(interface.id) (\(role)) has no MAC address to find its vmnic by")
                continue
            }
            guard let nic = nics.nic(withMACAddress: mac) else {
                problems.append("\(interface.id) (\(role)) has MAC \(mac), which no vmnic of the host has")
                continue
            }
            if let other = interfaceOfNIC[nic.name] {
                throw ESXiNetworkError(
                    .inconsistent, "\(other) and \(interface.id) have the same MAC \(mac) (\(nic.name))")
            }
            interfaceOfNIC[nic.name] = interface.id
            uplinkOf[interface.id] = nic.name
        }
        if !problems.isEmpty {
            let host = nics.nics.map { "\($0.name) \($0.macAddress)" }.joined(separator: ", ")
            throw ESXiNetworkError(
                .nicNotFound,
                problems.joined(separator: "; ") + "; the host has " + (host.isEmpty ? "no NICs" : host))
        }
        return uplinkOf
    }

    /// The MTU of each vSwitch, by the id of the interface that owns it: the largest MTU of the owner and of the
    /// VLANs on it, so that every VMkernel NIC fits; `nil` when none is given. Every MTU the plan uses must be in
    /// ESXi's range; those of NICs left unconfigured, and of bond members (the bond's own MTU is used), are not.
    private func switchMTUs(_ usable: [NetworkInterface]) throws(ESXiNetworkError) -> [String: Int] {
        let vlanParents = Set(
            usable.compactMap { interface -> String? in
                if case .vlan(let vlan) = interface.kind { return vlan.link }
                return nil
            })
        var mtus: [String: Int] = [:]
        for interface in usable {
            let owner: String
            switch interface.kind {
            case .physical:
                guard Self.isConfigured(interface) || vlanParents.contains(interface.id) else { continue }
                owner = interface.id
            case .bond:
                owner = interface.id
            case .vlan(let vlan):
                owner = vlan.link
            }
            guard let mtu = interface.mtu else { continue }
            guard Plan.mtuRange.contains(mtu) else {
                throw ESXiNetworkError(
                    .invalidValue,
                    "\(interface.id): MTU \(mtu) is outside ESXi's range (\(Plan.mtuRange.lowerBound) to"
                        + " \(Plan.mtuRange.upperBound))")
            }
            mtus[owner] = max(mtus[owner] ?? 0, mtu)
        }
        return mtus
    }

    // MARK: - Applying

    private mutating func apply(_ interface: NetworkInterface, uplinkOf: [String: String], switchMTU: [String: Int])
        throws(ESXiNetworkError) -> InterfacePlan?
    {
        var created: VirtualSwitch?
        let switchName: String
        var vlanID: Int?
        switch interface.kind {
        case .physical:
            guard Self.isConfigured(interface), let uplink = uplinkOf[interface.id] else { return nil }
            let vSwitch = newSwitch(for: interface.id, mtu: switchMTU[interface.id], uplinks: [uplink], teaming: nil)
            created = vSwitch
            switchName = vSwitch.name
        case .bond(let bond):
            let uplinks = bond.members.compactMap { uplinkOf[$0] }
            var active = uplinks
            if let mac = interface.macAddress,
                let lead = bond.members.first(where: { byID[$0]?.macAddress == mac }), let leadNIC = uplinkOf[lead]
            {
                active = [leadNIC] + uplinks.filter { $0 != leadNIC }
            }
            let teaming = NICTeaming(
                activeUplinks: active, loadBalancing: loadBalancing(for: interface, bond),
                bondMode: bond.mode ?? .balanceRoundRobin)
            let vSwitch = newSwitch(
                for: interface.id, mtu: switchMTU[interface.id], uplinks: uplinks, teaming: teaming)
            created = vSwitch
            switchName = vSwitch.name
        case .vlan(let vlan):
            vlanID = vlan.vlanID
            if let existing = switchOf[vlan.link] {
                switchName = existing
            } else {
                guard let uplink = uplinkOf[vlan.link] else { return nil }
                let vSwitch = newSwitch(for: vlan.link, mtu: switchMTU[vlan.link], uplinks: [uplink], teaming: nil)
                created = vSwitch
                switchName = vSwitch.name
            }
        }
        var portGroups: [PortGroup] = []
        for (index, subnet) in interface.subnets.enumerated() {
            let name = index == 0 ? interface.name : "\(interface.name):\(index)"
            let vmk = subnet.configuresAddress ? makeVMK(for: interface, subnet, portGroup: name) : nil
            if vmk == nil && (subnet.gateway != nil || !subnet.routes.isEmpty) {
                warnings.append(
                    NetworkWarning(
                        subject: interface.id,
                        message: "port group \(name) has no address, so its gateway and routes are ignored"))
            }
            portGroups.append(
                PortGroup(
                    name: name, virtualSwitch: switchName, vlanID: vlanID, interface: interface.id, vmkernelNIC: vmk))
        }
        return InterfacePlan(interface: interface.id, virtualSwitch: created, portGroups: portGroups)
    }

    private mutating func newSwitch(for id: String, mtu: Int?, uplinks: [String], teaming: NICTeaming?)
        -> VirtualSwitch
    {
        let vSwitch = VirtualSwitch(
            name: "vSwitch\(switchCount)", mtu: mtu, uplinks: uplinks, teaming: teaming, interface: id)
        switchCount += 1
        switchOf[id] = vSwitch.name
        return vSwitch
    }

    private mutating func loadBalancing(for interface: NetworkInterface, _ bond: NetworkInterface.Bond)
        -> LoadBalancing
    {
        if !bond.otherParameters.isEmpty {
            let names = bond.otherParameters.map(\.name).joined(separator: ", ")
            warnings.append(
                NetworkWarning(
                    subject: interface.id, message: "ESXi NIC teaming has no equivalent for \(names); ignored"))
        }
        switch bond.mode {
        case BondMode.balanceRoundRobin?:
            return .portID
        case BondMode.activeBackup?:
            return .explicitFailover
        case BondMode.ieee8023ad?:
            warnings.append(
                NetworkWarning(
                    subject: interface.id,
                    message: "802.3ad becomes iphash: ESXi standard vSwitches do not speak LACP, so the switch ports"
                        + " need a static EtherChannel (LACP rate and transmit hash policy ignored)"))
            return .ipHash
        case nil:
            warnings.append(
                NetworkWarning(
                    subject: interface.id, message: "no bond mode given; balance-rr (Linux's default) is used: portid"))
            return .portID
        case let mode?:
            warnings.append(
                NetworkWarning(
                    subject: interface.id,
                    message: "bond mode \(mode) has no ESXi equivalent; the members are teamed with ESXi's default"
                        + " policy, portid (route based on the originating port)"))
            return .portID
        }
    }

    /// The VMkernel NIC of one subnet with an address, its default route and its static routes.
    private mutating func makeVMK(for interface: NetworkInterface, _ subnet: Subnet, portGroup: String)
        -> VMKernelNIC
    {
        let name = "vmk\(vmkCount)"
        vmkCount += 1
        var vmk = VMKernelNIC(
            name: name, portGroup: portGroup, mtu: interface.mtu, macAddress: interface.macAddress, ipv4: nil,
            ipv6: nil, routes: [])
        switch subnet.kind {
        case .staticAddress(let prefix):
            let gateway = subnet.gateway.flatMap { claimDefaultGateway($0, interface: interface.id) }
            if prefix.family == .ipv4 {
                vmk.ipv4 = .staticAddress(prefix)
            } else {
                vmk.ipv6 = .staticAddress(prefix, gateway: gateway)
            }
            if let gateway {
                vmk.routes.append(
                    Route(destination: .defaultRoute(gateway.family), gateway: gateway, vmkernelNIC: name))
            }
        case .dhcp4:
            vmk.ipv4 = .dhcp(gateway: subnet.gateway)
        case .dhcp6:
            vmk.ipv6 = .dhcp(gateway: subnet.gateway)
        case .dhcp:
            vmk.ipv4 = .dhcp(gateway: subnet.gateway?.family == .ipv4 ? subnet.gateway : nil)
            vmk.ipv6 = .dhcp(gateway: subnet.gateway?.family == .ipv6 ? subnet.gateway : nil)
        case .manual, .unsupported:
            break
        }
        for route in subnet.routes {
            addStaticRoute(route, to: &vmk, interface: interface.id)
        }
        return vmk
    }

    /// `gateway` if it is the first default gateway of its family; otherwise `nil`, with a warning.
    private mutating func claimDefaultGateway(_ gateway: IPAddress, interface: String) -> IPAddress? {
        if let (existing, owner) = defaultGateways[gateway.family] {
            if existing != gateway || owner != interface {
                warnings.append(
                    NetworkWarning(
                        subject: interface,
                        message: "a second default \(gateway.family == .ipv4 ? "IPv4" : "IPv6") gateway \(gateway)"
                            + " is ignored; the default route stays via \(existing) (\(owner))"))
            }
            return nil
        }
        defaultGateways[gateway.family] = (gateway, interface)
        return gateway
    }

    private mutating func addStaticRoute(_ route: StaticRoute, to vmk: inout VMKernelNIC, interface: String) {
        if let metric = route.metric, metric != 0 {
            warnings.append(
                NetworkWarning(
                    subject: interface,
                    message: "the metric \(metric) of the route to \(route.destination) via \(route.gateway) is"
                        + " ignored (ESXi static routes have none)"))
        }
        if route.destination.isDefault {
            guard let gateway = claimDefaultGateway(route.gateway, interface: interface) else { return }
            vmk.routes.append(Route(destination: route.destination, gateway: gateway, vmkernelNIC: vmk.name))
            return
        }
        if let existing = staticRoutes[route.destination] {
            warnings.append(
                NetworkWarning(
                    subject: interface,
                    message: "the route to \(route.destination) is given more than once; only the first (via"
                        + " \(existing)) is added"))
            return
        }
        staticRoutes[route.destination] = route.gateway
        vmk.routes.append(Route(destination: route.destination, gateway: route.gateway, vmkernelNIC: vmk.name))
    }

    private func checkPortGroupNames(_ plans: [InterfacePlan]) throws(ESXiNetworkError) {
        var seen: [String: String] = [:]
        for portGroup in plans.flatMap(\.portGroups) {
            if let other = seen[portGroup.name] {
                throw ESXiNetworkError(
                    .inconsistent,
                    "\(other) and \(portGroup.interface) would both make port group \(portGroup.name); port group"
                        + " names must be unique")
            }
            seen[portGroup.name] = portGroup.interface
        }
    }
}
