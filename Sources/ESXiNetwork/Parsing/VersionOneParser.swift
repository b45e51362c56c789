internal import YAMLReading
internal import Yams

/// Reads network configuration version 1, as MAAS embeds it in the curtin configuration for ESXi (the `config` list
/// of `physical`, `bond`, `vlan` and `nameserver` entries) and as curtin and cloud-init document it.
///
/// Both spellings of the generic format are accepted: MAAS's (`id`, `address: IP/LENGTH`, `routes` with
/// `destination`) and the older curtin one (no `id`, `netmask:` beside a bare address, routes with
/// `network`/`netmask`, `bond_mode`).
struct VersionOneParser {
    private var reader: YAMLReader
    private var warnings: [NetworkWarning] = []
    private var interfaces: [NetworkInterface] = []
    private var dns = DNSSettings()
    /// Ids of the entries ignored with a warning (bridges), so that what is built on them can be explained.
    private var ignoredIDs: [String: String] = [:]

    init(reader: YAMLReader) {
        self.reader = reader
    }

    /// Parses the `network` mapping (with `version: 1`), given as its key-value pairs.
    mutating func parse(_ section: [(key: String, value: Node)], sectionNode: Node) throws -> NetworkConfiguration {
        guard let config = section.first(where: { $0.key == "config" })?.value else {
            throw reader.error(.malformed, sectionNode, "network", "a version 1 configuration needs a 'config' list")
        }
        if case .scalar(let scalar) = config, scalar.string == "disabled" {
            warnings.append(
                NetworkWarning(subject: "network", message: "the configuration is disabled; nothing is configured"))
            return NetworkConfiguration(version: 1, interfaces: [], warnings: warnings)
        }
        for (key, _) in section where !["version", "config"].contains(key) {
            warnings.append(NetworkWarning(subject: "network.\(key)", message: "not used for ESXi; ignored"))
        }
        let entries = try reader.sequence(config, "network.config", limit: ConfigurationLimits.maximumInterfaces)
        for (index, entry) in entries.enumerated() {
            try parseEntry(entry, "network.config[\(index)]")
        }
        return NetworkConfiguration(version: 1, interfaces: dropOrphans(interfaces), dns: dns, warnings: warnings)
    }

    // MARK: - Entries

    private mutating func parseEntry(_ node: Node, _ path: String) throws {
        let fields = try Fields(reader: &reader, node: node, path: path)
        guard let typeNode = fields["type"] else {
            throw reader.error(.malformed, node, path, "the entry has no 'type'")
        }
        let type = try reader.string(typeNode, path + ".type")
        switch type {
        case "physical", "bond", "vlan":
            try parseInterface(type: type, fields: fields, node: node, path: path)
        case "nameserver":
            try parseNameserver(fields: fields, path: path)
        case "bridge":
            let name = try identifier(fields, path) ?? path
            ignoredIDs[name] = "bridge"
            warnings.append(
                NetworkWarning(
                    subject: name,
                    message: "bridges are not supported by ESXi (a vSwitch is the bridge); the bridge and its addresses"
                        + " are ignored"))
        case "route":
            try warnRoute(fields: fields, path: path)
        default:
            warnings.append(
                NetworkWarning(subject: path, message: "unknown configuration type '\(type)'; the entry is ignored"))
        }
    }

    private mutating func identifier(_ fields: Fields, _ path: String) throws -> String? {
        if let node = fields["id"] { return try reader.string(node, path + ".id") }
        if let node = fields["name"] { return try reader.string(node, path + ".name") }
        return nil
    }

    private mutating func parseInterface(type: String, fields: Fields, node: Node, path: String) throws {
        let idNode = fields["id"]
        let nameNode = fields["name"]
        let id = try idNode.map { try reader.string($0, path + ".id") }
        let name = try nameNode.map { try reader.string($0, path + ".name") }
        guard let identifier = id ?? name, !identifier.isEmpty, let portGroupName = name ?? id, !portGroupName.isEmpty
        else {
            throw reader.error(.malformed, node, path, "a \(type) entry needs a 'name' (or an 'id')")
        }
        let macAddress = try fields["mac_address"].map { try reader.macAddress($0, path + ".mac_address") }
        let mtu = try fields["mtu"].map { try reader.integer($0, path + ".mtu", maximum: 65535) }
        let kind: NetworkInterface.Kind
        var known = ["id", "type", "name", "mac_address", "mtu", "subnets"]
        switch type {
        case "bond":
            known += ["bond_interfaces", "params"]
            kind = .bond(try parseBond(fields: fields, node: node, path: path, id: identifier))
        case "vlan":
            known += ["vlan_link", "vlan_id"]
            guard let linkNode = fields["vlan_link"], let idNode = fields["vlan_id"] else {
                throw reader.error(.malformed, node, path, "a vlan entry needs 'vlan_link' and 'vlan_id'")
            }
            let link = try reader.string(linkNode, path + ".vlan_link")
            let vlanID = try reader.vlanID(idNode, path + ".vlan_id")
            kind = .vlan(NetworkInterface.VLAN(link: link, vlanID: vlanID))
        default:
            kind = .physical
        }
        warnUnknownKeys(fields, known: known, subject: identifier)
        var subnets: [Subnet] = []
        if let subnetsNode = fields["subnets"] {
            let items = try reader.sequence(
                subnetsNode, path + ".subnets", limit: ConfigurationLimits.maximumSubnets)
            for (index, item) in items.enumerated() {
                subnets.append(try parseSubnet(item, "\(path).subnets[\(index)]", interface: identifier))
            }
        }
        interfaces.append(
            NetworkInterface(
                id: identifier, name: portGroupName, kind: kind, macAddress: macAddress, mtu: mtu, subnets: subnets,
                line: node.mark?.line))
    }

    private mutating func parseBond(fields: Fields, node: Node, path: String, id: String) throws
        -> NetworkInterface.Bond
    {
        guard let membersNode = fields["bond_interfaces"] else {
            throw reader.error(.malformed, node, path, "a bond entry needs 'bond_interfaces'")
        }
        let members = try reader.strings(
            membersNode, path + ".bond_interfaces", limit: ConfigurationLimits.maximumListItems)
        var mode: BondMode?
        var others: [NetworkInterface.Parameter] = []
        if let paramsNode = fields["params"] {
            for (key, value) in try reader.mapping(paramsNode, path + ".params") {
                // cloud-init and curtin accept `bond-mode`, `bond_mode` and `mode` (and mixed spellings).
                let normalized = String(key.map { $0 == "_" ? "-" : $0 })
                if normalized == "bond-mode" || normalized == "mode" {
                    mode = BondMode(try reader.string(value, "\(path).params.\(key)"))
                } else {
                    others.append(NetworkInterface.Parameter(name: key, value: YAMLReader.summary(value)))
                }
            }
        }
        return NetworkInterface.Bond(members: members, mode: mode, otherParameters: others)
    }

    // MARK: - Subnets

    private mutating func parseSubnet(_ node: Node, _ path: String, interface: String) throws -> Subnet {
        let fields = try Fields(reader: &reader, node: node, path: path)
        guard let typeNode = fields["type"] else {
            throw reader.error(.malformed, node, path, "the subnet has no 'type'")
        }
        let type = try reader.string(typeNode, path + ".type")
        var kind: Subnet.Kind
        switch type {
        case "static":
            kind = .staticAddress(try staticAddress(fields: fields, node: node, path: path, interface: interface))
        case "dhcp4": kind = .dhcp4
        case "dhcp6": kind = .dhcp6
        case "dhcp": kind = .dhcp
        case "manual": kind = .manual
        default:
            kind = .unsupported(type)
            warnings.append(
                NetworkWarning(
                    subject: interface,
                    message: "subnet type '\(type)' is not supported for ESXi; treated as 'manual' (no address)"))
        }
        let gateway = try fields["gateway"].map { try reader.ipAddress($0, path + ".gateway") }
        if let gateway {
            try checkFamily(of: gateway, kind: kind, node: node, path: path + ".gateway")
        }
        var routes: [StaticRoute] = []
        if let routesNode = fields["routes"] {
            let items = try reader.sequence(routesNode, path + ".routes", limit: ConfigurationLimits.maximumListItems)
            for (index, item) in items.enumerated() {
                routes.append(try parseRoute(item, "\(path).routes[\(index)]"))
            }
        }
        let servers = try fields["dns_nameservers"].map {
            try reader.ipAddresses($0, path + ".dns_nameservers", limit: ConfigurationLimits.maximumListItems)
        }
        let search = try fields["dns_search"].map {
            try reader.strings($0, path + ".dns_search", limit: ConfigurationLimits.maximumListItems)
        }
        warnUnknownKeys(
            fields, known: ["type", "address", "netmask", "gateway", "routes", "dns_nameservers", "dns_search"],
            subject: interface)
        return Subnet(
            kind, gateway: gateway, routes: routes, dnsServers: servers ?? [], dnsSearchDomains: search ?? [])
    }

    /// The address of a `static` subnet: `IP/LENGTH`, or a bare IP with `netmask` (dotted, IPv6 mask form or a
    /// length), or a bare IP alone (/32 or /64, with a warning).
    private mutating func staticAddress(fields: Fields, node: Node, path: String, interface: String) throws
        -> IPPrefix
    {
        guard let addressNode = fields["address"] else {
            throw reader.error(.malformed, node, path, "a static subnet needs an 'address'")
        }
        let text = try reader.string(addressNode, path + ".address")
        if text.contains("/") {
            if fields["netmask"] != nil {
                warnings.append(
                    NetworkWarning(
                        subject: interface, message: "\(text) has a prefix length; its 'netmask' is ignored"))
            }
            return try reader.prefix(addressNode, path + ".address")
        }
        guard let address = IPAddress(text) else {
            throw reader.error(
                .invalidValue, addressNode, path + ".address", "'\(text)' is not an IPv4 or IPv6 address")
        }
        guard let netmaskNode = fields["netmask"] else {
            let length = address.family.maximumPrefixLength == 32 ? 32 : 64
            warnings.append(
                NetworkWarning(
                    subject: interface, message: "\(text) has no prefix length and no netmask; /\(length) is used"))
            return IPPrefix(address: address, clampedPrefixLength: length)
        }
        let netmask = try reader.string(netmaskNode, path + ".netmask")
        let length: Int?
        if let mask = IPAddress(netmask), mask.family == address.family {
            length = mask.prefixLengthAsMask
        } else if let number = Int(netmask.hasPrefix("/") ? String(netmask.dropFirst()) : netmask) {
            length = number
        } else {
            length = nil
        }
        guard let length, let prefix = IPPrefix(address: address, prefixLength: length) else {
            throw reader.error(
                .invalidValue, netmaskNode, path + ".netmask", "'\(netmask)' is not a netmask for \(text)")
        }
        return prefix
    }

    private func checkFamily(of gateway: IPAddress, kind: Subnet.Kind, node: Node, path: String) throws {
        let family: IPFamily? =
            switch kind {
            case .staticAddress(let prefix): prefix.family
            case .dhcp4: .ipv4
            case .dhcp6: .ipv6
            default: nil
            }
        if let family, family != gateway.family {
            throw reader.error(
                .invalidValue, node, path, "gateway \(gateway) is not an \(family == .ipv4 ? "IPv4" : "IPv6") address")
        }
    }

    /// A route: `destination` (`IP/LENGTH`), or curtin's older `network` with `netmask`; `gateway`; `metric`.
    private mutating func parseRoute(_ node: Node, _ path: String) throws -> StaticRoute {
        let fields = try Fields(reader: &reader, node: node, path: path)
        guard let gatewayNode = fields["gateway"] else {
            throw reader.error(.malformed, node, path, "a route needs a 'gateway'")
        }
        let gateway = try reader.ipAddress(gatewayNode, path + ".gateway")
        guard let destinationKey = ["destination", "network"].first(where: { fields[$0] != nil }),
            let destinationNode = fields[destinationKey]
        else {
            throw reader.error(.malformed, node, path, "a route needs a 'destination' (or 'network' and 'netmask')")
        }
        let destinationPath = "\(path).\(destinationKey)"
        let text = try reader.string(destinationNode, destinationPath)
        let destination: IPPrefix
        if text == "default" {
            destination = IPPrefix.defaultRoute(gateway.family)
        } else if text.contains("/") {
            destination = try reader.prefix(destinationNode, destinationPath)
        } else {
            let network = try reader.ipAddress(destinationNode, destinationPath)
            let length: Int?
            if let netmaskNode = fields["netmask"] {
                let mask = try reader.ipAddress(netmaskNode, path + ".netmask")
                length = mask.family == network.family ? mask.prefixLengthAsMask : nil
            } else {
                length = network.family.maximumPrefixLength
            }
            guard let length, let prefix = IPPrefix(address: network, prefixLength: length) else {
                throw reader.error(.invalidValue, node, path, "the route's 'netmask' does not fit \(text)")
            }
            destination = prefix
        }
        guard destination.family == gateway.family else {
            throw reader.error(
                .invalidValue, node, path, "route to \(destination) has a gateway of the other family (\(gateway))")
        }
        let metric = try fields["metric"].map { try reader.integer($0, path + ".metric", maximum: Int(Int32.max)) }
        return StaticRoute(destination: destination, gateway: gateway, metric: metric)
    }

    // MARK: - Global entries

    private mutating func parseNameserver(fields: Fields, path: String) throws {
        let servers = try fields["address"].map {
            try reader.ipAddresses($0, path + ".address", limit: ConfigurationLimits.maximumListItems)
        }
        let search = try fields["search"].map {
            try reader.strings($0, path + ".search", limit: ConfigurationLimits.maximumListItems)
        }
        warnUnknownKeys(fields, known: ["type", "address", "search", "interface"], subject: "nameserver")
        dns.merge(servers: servers ?? [], searchDomains: search ?? [])
    }

    private mutating func warnRoute(fields: Fields, path: String) throws {
        var description = "a global route"
        if let node = fields["destination"] ?? fields["network"] {
            description = "the global route to \(YAMLReader.summary(node))"
        }
        if let gateway = fields["gateway"] {
            description += " via \(YAMLReader.summary(gateway))"
        }
        warnings.append(
            NetworkWarning(
                subject: path,
                message: "\(description) is not supported (MAAS puts routes in subnets); it is ignored"))
    }

    private mutating func warnUnknownKeys(_ fields: Fields, known: [String], subject: String) {
        for key in fields.keys where !known.contains(key) {
            warnings.append(NetworkWarning(subject: subject, message: "'\(key)' has no ESXi equivalent; ignored"))
        }
    }

    /// The interfaces, without the VLANs built on an ignored entry (a bridge), each with a warning.
    private mutating func dropOrphans(_ interfaces: [NetworkInterface]) -> [NetworkInterface] {
        var ignored = ignoredIDs
        var kept: [NetworkInterface] = []
        for interface in interfaces {
            if case .vlan(let vlan) = interface.kind, let kind = ignored[vlan.link] {
                warnings.append(
                    NetworkWarning(
                        subject: interface.id,
                        message: "the VLAN is on \(kind) \(vlan.link), which is ignored, so it is ignored too"))
                ignored[interface.id] = "VLAN"
                continue
            }
            kept.append(interface)
        }
        return kept
    }
}

/// The key-value pairs of one mapping, looked up by key.
struct Fields {
    private let pairs: [(key: String, value: Node)]

    init(reader: inout YAMLReader, node: Node, path: String) throws {
        pairs = try reader.mapping(node, path)
    }

    init(pairs: [(key: String, value: Node)]) {
        self.pairs = pairs
    }

    subscript(key: String) -> Node? {
        guard let pair = pairs.first(where: { $0.key == key }), !YAMLReader.isNull(pair.value) else { return nil }
        return pair.value
    }

    var keys: [String] { pairs.map(\.key) }
}
