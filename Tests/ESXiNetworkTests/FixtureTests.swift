import ESXiNetwork
import Testing

/// The real curtin and cloud-init examples: every one parses (or fails with the right error), plans on a host that
/// has its NICs, and a few give exactly the commands written out here.
@Suite("curtin and cloud-init examples")
struct FixtureTests {
    /// A host with one vmnic per physical interface of `configuration` that has a MAC, numbered in order.
    private func host(for configuration: NetworkConfiguration) throws -> HostNICs {
        let physical = configuration.interfaces.filter { $0.kindName == "physical" }
        return try HostNICs(
            physical.compactMap(\.macAddress).enumerated().map {
                HostNICs.NIC(name: "vmnic\($0.offset)", macAddress: $0.element)
            })
    }

    private func planFixture(_ name: String) throws -> Plan {
        let configuration = try NetworkConfiguration(contentsOf: Fixture.path(name))
        return try Plan(for: configuration, on: host(for: configuration))
    }

    @Test("every example parses and plans, or fails with the error its content calls for")
    func everyExample() throws {
        let expectedErrors: [String: (ESXiNetworkError.Code, String)] = [
            // Invalid YAML in curtin's own examples (a mapping indented under a scalar).
            "curtin/network-bridge.yaml": (.malformed, "is not valid YAML"),
            "curtin/network-vlan.yaml": (.malformed, "is not valid YAML"),
            // cloud-init's bridge example repeats a key; PyYAML keeps the last, Yams (and this module) refuse it.
            "cloud-init/network-config-v1-bridge.yaml": (.malformed, "duplicated key"),
            // No MAC address, so no vmnic can be found for them.
            "cloud-init/network-config-v1-physical-dhcp.yaml": (.nicNotFound, "eth0 (configured) has no MAC address"),
            "curtin/tests__network_v2_passthrough.yaml": (.nicNotFound, "has no MAC address"),
        ]
        let names = try Fixture.all()
        #expect(names.count == 31)
        for name in names {
            if let (code, text) = expectedErrors[name] {
                let error = #expect(throws: ESXiNetworkError.self, "\(name)") { try planFixture(name) }
                #expect(error?.code == code, "\(name)")
                #expect(error?.message.contains(text) == true, "\(name): \(error?.message ?? "")")
                continue
            }
            let plan = try planFixture(name)
            for command in plan.commands {
                #expect(command.arguments.first == "network", "\(name): \(command)")
            }
            #expect(Set(plan.vmkernelNICs.map(\.name)).count == plan.vmkernelNICs.count, "\(name)")
        }
    }

    @Test("curtin's bond example: active-backup team, DHCPv6 on the bond, a static VLAN with DNS")
    func curtinBond() throws {
        let plan = try planFixture("curtin/network-bond.yaml")
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic2 -v vSwitch0",
                "esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic1,vmnic2 -l explicit",
                "esxcli network vswitch standard portgroup add -p bond0 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p bond0 -M aa:bb:cc:dd:ee:ff",
                "esxcli network ip interface ipv6 set -i vmk0 -e true -d true",
                "esxcli network vswitch standard portgroup add -p bond0.200 -v vSwitch0",
                "esxcli network vswitch standard portgroup set -p bond0.200 -v 200",
                "esxcli network ip interface add -i vmk1 -p bond0.200",
                "esxcli network ip interface ipv4 set -i vmk1 -t static -I 192.168.0.2 -N 255.255.255.0",
                "esxcli network ip route ipv4 add --gateway=192.168.0.1 --network=default",
                "esxcli network ip dns server add -s 192.168.0.10",
            ])
    }

    @Test("cloud-init's bonded VLAN: an 802.3ad team with no address of its own and a DHCP VLAN")
    func cloudInitBondedVLAN() throws {
        let plan = try planFixture("cloud-init/network-config-v1-bonded-vlan.yaml")
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0",
                "esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l iphash",
                "esxcli network vswitch standard portgroup add -p bond0.200 -v vSwitch0",
                "esxcli network vswitch standard portgroup set -p bond0.200 -v 200",
                "esxcli network ip interface add -i vmk0 -p bond0.200",
                "esxcli network ip interface ipv4 set -i vmk0 -t dhcp",
            ])
        #expect(warningLines(plan).first == "bond0: ESXi NIC teaming has no equivalent for bond-lacp_rate; ignored")
    }

    @Test("curtin's everything example: bridge, global route and ifupdown keys are warnings; DNS entries merge")
    func curtinAll() throws {
        let plan = try planFixture("curtin/network-all.yaml")
        let warnings = warningLines(plan)
        #expect(warnings.contains("eth5: 'control' has no ESXi equivalent; ignored"))
        #expect(
            warnings.contains(
                "br0: bridges are not supported by ESXi (a vSwitch is the bridge); the bridge and its addresses are ignored"
            ))
        #expect(
            warnings.contains(
                "network.config[12]: the global route to 10.0.0.0/8 via 11.0.0.1 is not supported (MAAS puts routes in"
                    + " subnets); it is ignored"))
        #expect(
            plan.dns.servers.map(\.description) == ["8.8.8.8", "4.4.4.4", "8.8.4.4", "192.168.0.10", "10.23.23.134"])
        #expect(
            plan.dns.searchDomains == [
                "barley.maas", "wark.maas", "foobar.maas", "sacchromyces.maas", "brettanomyces.maas",
            ])
        // eth5 (DHCP on both families), VLAN eth0.101 on unconfigured eth0 with an alias, bond0, VLAN bond0.200.
        #expect(plan.virtualSwitches.map(\.interface) == ["eth5", "eth0", "bond0"])
        #expect(plan.portGroups.map(\.name) == ["eth5", "eth0.101", "eth0.101:1", "bond0", "bond0.200"])
        #expect(plan.portGroups.map(\.vlanID) == [nil, 101, 101, nil, 200])
    }

    @Test("curtin's alias example: IPv6 netmasks become prefix lengths; routes given as network and netmask")
    func curtinAliases() throws {
        let plan = try planFixture("curtin/tests__network_alias.yaml")
        let lines = commandLines(plan)
        #expect(
            lines.contains(
                "esxcli network ip interface ipv6 address add -i vmk1 -I 2001:4800:78ff:1b:be76:4eff:fe06:ffac/64"))
        #expect(lines.contains("esxcli network ip route ipv4 add -g 192.168.20.1 -n 10.242.47.0/24"))
        #expect(
            plan.portGroups.filter { $0.interface == "interface3" }.map(\.name) == [
                "interface3", "interface3:1", "interface3:2", "interface3:3", "interface3:4",
            ])
    }

    @Test("cloud-init's routes: destination with netmask; curtin's static routes: network in CIDR form")
    func routeSpellings() throws {
        let cloudInit = try planFixture("cloud-init/network-config-v1-subnet-routes.yaml")
        #expect(commandLines(cloudInit).contains("esxcli network ip route ipv4 add -g 10.184.225.121 -n 10.176.0.0/12"))
        let curtin = try planFixture("curtin/tests__network_static_routes.yaml")
        #expect(
            curtin.routes.map { "\($0.destination) via \($0.gateway)" } == [
                "0.0.0.0/0 via 172.23.31.2", "10.0.0.0/12 via 172.23.31.1", "192.168.0.0/16 via 172.23.31.1",
                "10.200.0.0/16 via 172.23.31.1",
            ])
        #expect(warningLines(curtin).contains { $0.contains("the metric 1 of the route to 10.200.0.0/16") })
    }
}
