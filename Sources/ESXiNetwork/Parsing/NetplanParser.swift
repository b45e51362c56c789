internal import YAMLReading
internal import Yams

/// Reads netplan (network configuration version 2) into the same model as version 1, the way MAAS writes the two
/// for one machine: an interface's static addresses become one `static` subnet each, in order, followed by one
/// DHCP subnet (`dhcp` when both `dhcp4` and `dhcp6` are set); `gateway4`/`gateway6` (or a route to `default`)
/// go on the first address of their family; other routes on the address whose network holds their gateway; a bond
/// or VLAN with no address gets a `manual` subnet, as MAAS writes a link that is only up.
struct NetplanParser {
    private var reader: YAMLReader
    private var warnings: [NetworkWarning] = []

    init(reader: YAMLReader) {
        self.reader = reader
    }

    /// Parses the `network` mapping (with `version: 2`), given as its key-value pairs.
    mutating func parse(_ section: [(key: String, value: Node)]) throws -> NetworkConfiguration {
        var interfaces: [NetworkInterface] = []
        var dns = DNSSettings()
        var bridged: Set<String> = []
        for (key, value) in section {
            switch key {
            case "version", "renderer":
                continue
            case "ethernets", "bonds", "vlans":
                let pairs = try reader.mapping(value, "network.\(key)")
                guard interfaces.count + pairs.count <= ConfigurationLimits.maximumInterfaces else {
                    throw reader.error(
                        .limitExceeded, value, "network.\(key)",
                        "more than \(ConfigurationLimits.maximumInterfaces) interfaces")
                }
                for (id, definition) in pairs {
                    let (interface, interfaceDNS) = try parseInterface(
                        id: id, section: key, definition, "network.\(key).\(id)")
                    dns.merge(servers: interfaceDNS.servers, searchDomains: interfaceDNS.searchDomains)
                    interfaces.append(interface)
                }
            case "bridges":
                for (id, _) in try reader.mapping(value, "network.bridges") {
                    bridged.insert(id)
                    warnings.append(
                        NetworkWarning(
                            subject: id,
                            message: "bridges are not supported by ESXi (a vSwitch is the bridge); the bridge and its"
                                + " addresses are ignored"))
                }
            default:
                warnings.append(
                    NetworkWarning(subject: "network.\(key)", message: "not supported for ESXi; ignored"))
            }
        }
        let kept = interfaces.filter { interface in
            guard case .vlan(let vlan) = interface.kind, bridged.contains(vlan.link) else { return true }
            warnings.append(
                NetworkWarning(
                    subject: interface.id,
                    message: "the VLAN is on bridge \(vlan.link), which is ignored, so it is ignored too"))
            return false
        }
        return NetworkConfiguration(version: 2, interfaces: kept, dns: dns, warnings: warnings)
    }

    private mutating func parseInterface(id: String, section: String, _ node: Node, _ path: String) throws
        -> (NetworkInterface, DNSSettings)
    {
        guard !id.isEmpty else { throw reader.error(.malformed, node, path, "an interface needs a name") }
        let fields = try Fields(reader: &reader, node: node, path: path)
        var known = [
            "addresses", "dhcp4", "dhcp6", "gateway4", "gateway6", "routes", "nameservers", "mtu", "macaddress",
        ]
        var name = id
        var macAddress = try fields["macaddress"].map { try reader.macAddress($0, path + ".macaddress") }
        let kind: NetworkInterface.Kind
        switch section {
        case "ethernets":
            known += ["match", "set-name"]
            if let matchNode = fields["match"] {
                let match = try Fields(reader: &reader, node: matchNode, path: path + ".match")
                if macAddress == nil, let node = match["macaddress"] {
                    macAddress = try reader.macAddress(node, path + ".match.macaddress")
                }
                for key in match.keys where key != "macaddress" {
                    warnings.append(
                        NetworkWarning(
                            subject: id, message: "match.\(key) cannot select an ESXi vmnic (only the MAC can); ignored"
                        ))
                }
            }
            if let setName = fields["set-name"] { name = try reader.string(setName, path + ".set-name") }
            kind = .physical
        case "bonds":
            known += ["interfaces", "parameters"]
            guard let membersNode = fields["interfaces"] else {
                throw reader.error(.malformed, node, path, "a bond needs 'interfaces'")
            }
            let members = try reader.strings(
                membersNode, path + ".interfaces", limit: ConfigurationLimits.maximumListItems)
            var mode: BondMode?
            var others: [NetworkInterface.Parameter] = []
            if let parameters = fields["parameters"] {
                for (key, value) in try reader.mapping(parameters, path + ".parameters") {
                    if key == "mode" {
                        mode = BondMode(try reader.string(value, path + ".parameters.mode"))
                    } else {
                        others.append(NetworkInterface.Parameter(name: key, value: YAMLReader.summary(value)))
                    }
                }
            }
            kind = .bond(NetworkInterface.Bond(members: members, mode: mode, otherParameters: others))
        default:
            known += ["id", "link"]
            guard let linkNode = fields["link"], let idNode = fields["id"] else {
                throw reader.error(.malformed, node, path, "a VLAN needs 'id' and 'link'")
            }
            let link = try reader.string(linkNode, path + ".link")
            let vlanID = try reader.vlanID(idNode, path + ".id")
            kind = .vlan(NetworkInterface.VLAN(link: link, vlanID: vlanID))
        }
        for key in fields.keys where !known.contains(key) {
            warnings.append(NetworkWarning(subject: id, message: "'\(key)' has no ESXi equivalent; ignored"))
        }
        let mtu = try fields["mtu"].map { try reader.integer($0, path + ".mtu", maximum: 65535) }
        var (subnets, dns) = try parseAddressing(fields, path, interface: id)
        if subnets.isEmpty, section != "ethernets" {
            subnets = [Subnet(.manual)]
        }
        let interface = NetworkInterface(
            id: id, name: name, kind: kind, macAddress: macAddress, mtu: mtu, subnets: subnets, line: node.mark?.line)
        return (interface, dns)
    }

    // MARK: - Addressing

    private mutating func parseAddressing(_ fields: Fields, _ path: String, interface: String) throws
        -> ([Subnet], DNSSettings)
    {
        var subnets: [Subnet] = []
        if let addressesNode = fields["addresses"] {
            let items = try reader.sequence(
                addressesNode, path + ".addresses", limit: ConfigurationLimits.maximumSubnets)
            for (index, item) in items.enumerated() {
                let itemPath = "\(path).addresses[\(index)]"
                var addressNode = item
                if case .mapping = item {
                    // The long form `- 10.0.0.5/24: {lifetime: 0, label: ...}`: the options have no ESXi meaning.
                    let pairs = try reader.mapping(item, itemPath)
                    guard pairs.count == 1, let pair = pairs.first else {
                        throw reader.error(.malformed, item, itemPath, "expected one address")
                    }
                    addressNode = .scalar(.init(pair.key))
                    warnings.append(
                        NetworkWarning(subject: interface, message: "the options of address \(pair.key) are ignored"))
                }
                subnets.append(Subnet(.staticAddress(try reader.prefix(addressNode, itemPath))))
            }
        }
        let dhcp4 = try fields["dhcp4"].map { try reader.boolean($0, path + ".dhcp4") } ?? false
        let dhcp6 = try fields["dhcp6"].map { try reader.boolean($0, path + ".dhcp6") } ?? false
        switch (dhcp4, dhcp6) {
        case (true, true): subnets.append(Subnet(.dhcp))
        case (true, false): subnets.append(Subnet(.dhcp4))
        case (false, true): subnets.append(Subnet(.dhcp6))
        case (false, false): break
        }

        var gateways: [(IPAddress, Node, String)] = []
        for key in ["gateway4", "gateway6"] {
            if let node = fields[key] {
                let gateway = try reader.ipAddress(node, "\(path).\(key)")
                guard (gateway.family == .ipv4) == (key == "gateway4") else {
                    throw reader.error(.invalidValue, node, "\(path).\(key)", "\(gateway) is of the other family")
                }
                gateways.append((gateway, node, "\(path).\(key)"))
            }
        }
        var routes: [(StaticRoute, Node, String)] = []
        if let routesNode = fields["routes"] {
            let items = try reader.sequence(routesNode, path + ".routes", limit: ConfigurationLimits.maximumListItems)
            for (index, item) in items.enumerated() {
                let routePath = "\(path).routes[\(index)]"
                let route = try parseRoute(item, routePath, interface: interface)
                if route.destination.isDefault {
                    gateways.append((route.gateway, item, routePath))
                } else {
                    routes.append((route, item, routePath))
                }
            }
        }
        for (gateway, node, gatewayPath) in gateways {
            guard let index = subnetIndex(for: gateway, in: subnets) else {
                throw reader.error(
                    .inconsistent, node, gatewayPath, "gateway \(gateway) has no address or DHCP of its family")
            }
            if let existing = subnets[index].gateway {
                warnings.append(
                    NetworkWarning(
                        subject: interface,
                        message: "a second default gateway \(gateway) is ignored (\(existing) stays)"))
            } else {
                subnets[index].gateway = gateway
            }
        }
        for (route, node, routePath) in routes {
            guard let index = subnetIndex(for: route.gateway, in: subnets) else {
                throw reader.error(
                    .inconsistent, node, routePath, "route via \(route.gateway) has no address or DHCP of its family")
            }
            subnets[index].routes.append(route)
        }

        var dns = DNSSettings()
        if let nameserversNode = fields["nameservers"] {
            let nameservers = try Fields(reader: &reader, node: nameserversNode, path: path + ".nameservers")
            let servers = try nameservers["addresses"].map {
                try reader.ipAddresses($0, path + ".nameservers.addresses", limit: ConfigurationLimits.maximumListItems)
            }
            let search = try nameservers["search"].map {
                try reader.strings($0, path + ".nameservers.search", limit: ConfigurationLimits.maximumListItems)
            }
            dns.merge(servers: servers ?? [], searchDomains: search ?? [])
        }
        return (subnets, dns)
    }

    /// The subnet a gateway belongs to: the first static address of its family whose network holds it, else the
    /// first static address of its family, else the DHCP subnet of its family.
    private func subnetIndex(for gateway: IPAddress, in subnets: [Subnet]) -> Int? {
        let statics = subnets.indices.filter {
            if case .staticAddress(let prefix) = subnets[$0].kind { return prefix.family == gateway.family }
            return false
        }
        if let holding = statics.first(where: {
            if case .staticAddress(let prefix) = subnets[$0].kind { return prefix.contains(gateway) }
            return false
        }) {
            return holding
        }
        if let first = statics.first { return first }
        return subnets.indices.first {
            switch subnets[$0].kind {
            case .dhcp: true
            case .dhcp4: gateway.family == .ipv4
            case .dhcp6: gateway.family == .ipv6
            default: false
            }
        }
    }

    private mutating func parseRoute(_ node: Node, _ path: String, interface: String) throws -> StaticRoute {
        let fields = try Fields(reader: &reader, node: node, path: path)
        guard let toNode = fields["to"], let viaNode = fields["via"] else {
            throw reader.error(.malformed, node, path, "a route needs 'to' and 'via'")
        }
        let gateway = try reader.ipAddress(viaNode, path + ".via")
        let to = try reader.string(toNode, path + ".to")
        let destination: IPPrefix
        if to == "default" {
            destination = IPPrefix.defaultRoute(gateway.family)
        } else if let prefix = IPPrefix(to) {
            destination = prefix
        } else if let address = IPAddress(to) {
            destination = IPPrefix(address: address, clampedPrefixLength: address.family.maximumPrefixLength)
        } else {
            throw reader.error(.invalidValue, toNode, path + ".to", "'\(to)' is not a network or 'default'")
        }
        guard destination.family == gateway.family else {
            throw reader.error(
                .invalidValue, node, path, "route to \(destination) has a gateway of the other family (\(gateway))")
        }
        let metric = try fields["metric"].map { try reader.integer($0, path + ".metric", maximum: Int(Int32.max)) }
        for key in fields.keys where !["to", "via", "metric"].contains(key) {
            warnings.append(NetworkWarning(subject: interface, message: "route option '\(key)' is ignored"))
        }
        return StaticRoute(destination: destination, gateway: gateway, metric: metric)
    }
}
