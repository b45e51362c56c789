import Foundation

extension Plan: Encodable {
    private enum CodingKeys: String, CodingKey {
        case vswitches
        case portGroups = "port_groups"
        case vmknics, routes, dns
        case requiredNICs = "required_nics"
        case warnings, commands
    }

    /// Encodes the plan flat, one list per kind of object in the order they are created, with the commands that
    /// apply it: `{"vswitches": [...], "port_groups": [...], "vmknics": [...], "routes": [...], "dns": {...},
    /// "required_nics": [...], "warnings": [...], "commands": [...]}`. Keys are snake_case, as MAAS writes them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(virtualSwitches, forKey: .vswitches)
        try container.encode(portGroups, forKey: .portGroups)
        try container.encode(vmkernelNICs, forKey: .vmknics)
        try container.encode(routes, forKey: .routes)
        try container.encode(dns, forKey: .dns)
        try container.encode(requiredNICs, forKey: .requiredNICs)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(commands, forKey: .commands)
    }
}

extension PortGroup: Encodable {
    private enum CodingKeys: String, CodingKey {
        case name, vswitch
        case vlanID = "vlan_id"
        case interface, vmknic
    }

    /// Encodes the port group with the name of its VMkernel NIC (`null` for none).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(virtualSwitch, forKey: .vswitch)
        try container.encode(vlanID, forKey: .vlanID)
        try container.encode(interface, forKey: .interface)
        try container.encode(vmkernelNIC?.name, forKey: .vmknic)
    }
}

extension VMKernelNIC: Encodable {
    private enum CodingKeys: String, CodingKey {
        case name
        case portGroup = "port_group"
        case mtu
        case macAddress = "mac_address"
        case ipv4, ipv6
    }

    private struct Addressing: Encodable {
        var method: String
        var address: IPPrefix?
        var netmask: IPAddress?
        var gateway: IPAddress?
    }

    /// Encodes the VMkernel NIC; each family's addressing is `{"method": "dhcp" | "static", "address", "netmask",
    /// "gateway"}` or `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(portGroup, forKey: .portGroup)
        try container.encode(mtu, forKey: .mtu)
        try container.encode(macAddress, forKey: .macAddress)
        let ipv4: Addressing? =
            switch self.ipv4 {
            case .dhcp(let gateway)?: Addressing(method: "dhcp", gateway: gateway)
            case .staticAddress(let prefix)?: Addressing(method: "static", address: prefix, netmask: prefix.netmask)
            case nil: nil
            }
        let ipv6: Addressing? =
            switch self.ipv6 {
            case .dhcp(let gateway)?: Addressing(method: "dhcp", gateway: gateway)
            case .staticAddress(let prefix, let gateway)?:
                Addressing(method: "static", address: prefix, gateway: gateway)
            case nil: nil
            }
        try container.encode(ipv4, forKey: .ipv4)
        try container.encode(ipv6, forKey: .ipv6)
    }
}

extension Plan {
    /// The plan as JSON text (see ``encode(to:)`` for its shape), indented, with sorted snake_case keys, ending
    /// with a newline.
    ///
    /// - Throws: ``ESXiNetworkError`` with `.invalidValue` if the plan cannot be encoded (a plan made by
    ///   ``init(for:on:)`` always can).
    public func json() throws(ESXiNetworkError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
        } catch {
            throw ESXiNetworkError(.invalidValue, "the plan cannot be encoded as JSON: \(error)")
        }
    }
}
