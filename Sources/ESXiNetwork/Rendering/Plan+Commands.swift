extension Plan {
    /// The `esxcli` commands that apply the plan to a host whose network has been wiped, in the order and the
    /// syntax of the reference implementation (packer-maas's `netplan-esxi`):
    ///
    /// for each interface, its vSwitch (`vswitch standard add`, `set -m` when an MTU is given, `uplink add` per
    /// uplink, `policy failover set` for a team), then for each of its port groups `portgroup add`, `portgroup set
    /// -v` for a VLAN, `ip interface add`, the address (`ipv4 set`, `ipv6 address add`, `ipv6 set`), the default
    /// route and the static routes; the DNS servers and search domains last.
    public var commands: [ESXCLICommand] {
        var commands: [ESXCLICommand] = []
        for interface in interfaces {
            if let vSwitch = interface.virtualSwitch { commands += vSwitch.commands }
            for portGroup in interface.portGroups { commands += portGroup.commands }
        }
        for server in dns.servers {
            commands.append(ESXCLICommand(["network", "ip", "dns", "server", "add", "-s", server.description]))
        }
        for domain in dns.searchDomains {
            commands.append(ESXCLICommand(["network", "ip", "dns", "search", "add", "-d", domain]))
        }
        return commands
    }
}

extension VirtualSwitch {
    /// Creating the vSwitch, its MTU, its uplinks and its teaming policy.
    var commands: [ESXCLICommand] {
        var commands = [ESXCLICommand(["network", "vswitch", "standard", "add", "-v", name])]
        if let mtu {
            commands.append(ESXCLICommand(["network", "vswitch", "standard", "set", "-m", String(mtu), "-v", name]))
        }
        for uplink in uplinks {
            commands.append(
                ESXCLICommand(["network", "vswitch", "standard", "uplink", "add", "-u", uplink, "-v", name]))
        }
        if let teaming {
            commands.append(
                ESXCLICommand([
                    "network", "vswitch", "standard", "policy", "failover", "set", "-v", name, "-a",
                    teaming.activeUplinks.joined(separator: ","), "-l", teaming.loadBalancing.rawValue,
                ]))
        }
        return commands
    }
}

extension PortGroup {
    /// Creating the port group, its VLAN tag, and its VMkernel NIC with addresses and routes.
    var commands: [ESXCLICommand] {
        var commands = [
            ESXCLICommand(["network", "vswitch", "standard", "portgroup", "add", "-p", name, "-v", virtualSwitch])
        ]
        if let vlanID {
            commands.append(
                ESXCLICommand(["network", "vswitch", "standard", "portgroup", "set", "-p", name, "-v", String(vlanID)]))
        }
        if let vmkernelNIC { commands += vmkernelNIC.commands }
        return commands
    }
}

extension VMKernelNIC {
    /// Creating the VMkernel NIC, its addresses, and its routes.
    var commands: [ESXCLICommand] {
        var add = ["network", "ip", "interface", "add", "-i", name, "-p", portGroup]
        if let mtu { add += ["-m", String(mtu)] }
        if let macAddress { add += ["-M", macAddress.description] }
        var commands = [ESXCLICommand(add)]
        switch ipv4 {
        case .dhcp(let gateway)?:
            var set = ["network", "ip", "interface", "ipv4", "set", "-i", name, "-t", "dhcp"]
            if let gateway { set += ["-g", gateway.description] }
            commands.append(ESXCLICommand(set))
        case .staticAddress(let prefix)?:
            commands.append(
                ESXCLICommand([
                    "network", "ip", "interface", "ipv4", "set", "-i", name, "-t", "static", "-I",
                    prefix.address.description, "-N", prefix.netmask.description,
                ]))
        case nil:
            break
        }
        switch ipv6 {
        case .dhcp(let gateway)?:
            var set = ["network", "ip", "interface", "ipv6", "set", "-i", name, "-e", "true", "-d", "true"]
            if let gateway { set += ["-g", gateway.description] }
            commands.append(ESXCLICommand(set))
        case .staticAddress(let prefix, let gateway)?:
            commands.append(
                ESXCLICommand([
                    "network", "ip", "interface", "ipv6", "address", "add", "-i", name, "-I", prefix.description,
                ]))
            if let gateway {
                commands.append(
                    ESXCLICommand(["network", "ip", "interface", "ipv6", "set", "-i", name, "-g", gateway.description]))
            }
        case nil:
            break
        }
        for route in routes {
            let family = route.family.rawValue
            if route.isDefault {
                commands.append(
                    ESXCLICommand([
                        "network", "ip", "route", family, "add", "--gateway=\(route.gateway)", "--network=default",
                    ]))
            } else {
                commands.append(
                    ESXCLICommand([
                        "network", "ip", "route", family, "add", "-g", route.gateway.description, "-n",
                        route.destination.description,
                    ]))
            }
        }
        return commands
    }
}
