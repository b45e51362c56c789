import ESXiNetwork
import Testing

/// Bonds as NIC teaming and VLANs as tagged port groups.
@Suite("Bonds and VLANs")
struct TeamingTests {
    /// A MAAS bond of eno1 and eno2 (the bond has eno2's MAC) in `mode`, with `parameters`, and a VLAN on it.
    static func bondConfiguration(mode: String?, parameters: [String] = ["bond-miimon: 100"]) -> String {
        let params = (mode.map { ["bond-mode: \($0)"] } ?? []) + parameters
        return """
            network:
              version: 1
              config:
              - {id: eno1, type: physical, name: eno1, mac_address: '52:54:00:00:00:01', mtu: 1500, subnets: [{type: manual}]}
              - {id: eno2, type: physical, name: eno2, mac_address: '52:54:00:00:00:02', mtu: 1500, subnets: [{type: manual}]}
              - id: bond0
                type: bond
                name: bond0
                mac_address: '52:54:00:00:00:02'
                bond_interfaces: [eno1, eno2]
                params: {\(params.joined(separator: ", "))}
                mtu: 1500
                subnets:
                - {type: static, address: 10.0.0.5/24, gateway: 10.0.0.1}
              - id: bond0.42
                type: vlan
                name: bond0.42
                vlan_link: bond0
                vlan_id: 42
                mtu: 1500
                subnets:
                - {type: manual}
            """
    }

    static let bondNICs = ["vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"]

    /// The commands of `bondConfiguration` with the failover policy `policy`.
    static func bondCommands(policy: String) -> [String] {
        [
            "esxcli network vswitch standard add -v vSwitch0",
            "esxcli network vswitch standard set -m 1500 -v vSwitch0",
            "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
            "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0",
            "esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic1,vmnic0 -l \(policy)",
            "esxcli network vswitch standard portgroup add -p bond0 -v vSwitch0",
            "esxcli network ip interface add -i vmk0 -p bond0 -m 1500 -M 52:54:00:00:00:02",
            "esxcli network ip interface ipv4 set -i vmk0 -t static -I 10.0.0.5 -N 255.255.255.0",
            "esxcli network ip route ipv4 add --gateway=10.0.0.1 --network=default",
            "esxcli network vswitch standard portgroup add -p bond0.42 -v vSwitch0",
            "esxcli network vswitch standard portgroup set -p bond0.42 -v 42",
        ]
    }

    @Test(
        "each bond mode becomes its teaming policy; the bond's own MAC leads; the manual VLAN gets a port group only",
        arguments: [
            ("balance-rr", "portid", [String]()),
            ("active-backup", "explicit", []),
            (
                "802.3ad", "iphash",
                [
                    "bond0: 802.3ad becomes iphash: ESXi standard vSwitches do not speak LACP, so the switch ports need"
                        + " a static EtherChannel (LACP rate and transmit hash policy ignored)"
                ]
            ),
            (
                "balance-xor", "portid",
                [
                    "bond0: bond mode balance-xor has no ESXi equivalent; the members are teamed with ESXi's default"
                        + " policy, portid (route based on the originating port)"
                ]
            ),
            (
                "broadcast", "portid",
                [
                    "bond0: bond mode broadcast has no ESXi equivalent; the members are teamed with ESXi's default"
                        + " policy, portid (route based on the originating port)"
                ]
            ),
            (
                "balance-tlb", "portid",
                [
                    "bond0: bond mode balance-tlb has no ESXi equivalent; the members are teamed with ESXi's default"
                        + " policy, portid (route based on the originating port)"
                ]
            ),
            (
                "balance-alb", "portid",
                [
                    "bond0: bond mode balance-alb has no ESXi equivalent; the members are teamed with ESXi's default"
                        + " policy, portid (route based on the originating port)"
                ]
            ),
        ])
    func bondModes(mode: String, policy: String, modeWarnings: [String]) throws {
        let plan = try plan(Self.bondConfiguration(mode: mode), nics: Self.bondNICs)
        #expect(commandLines(plan) == Self.bondCommands(policy: policy))
        #expect(
            warningLines(plan)
                == ["bond0: ESXi NIC teaming has no equivalent for bond-miimon; ignored"] + modeWarnings)
        #expect(plan.portGroups.last?.vmkernelNIC == nil)
        #expect(plan.virtualSwitches.first?.teaming?.bondMode.name == mode)
    }

    @Test("802.3ad's LACP rate and transmit hash policy are named in the warning")
    func lacpParameters() throws {
        let yaml = Self.bondConfiguration(
            mode: "802.3ad", parameters: ["bond-lacp-rate: fast", "bond-xmit-hash-policy: layer3+4"])
        let plan = try plan(yaml, nics: Self.bondNICs)
        #expect(
            warningLines(plan).first
                == "bond0: ESXi NIC teaming has no equivalent for bond-lacp-rate, bond-xmit-hash-policy; ignored")
        #expect(commandLines(plan) == Self.bondCommands(policy: "iphash"))
    }

    @Test("a bond with no mode uses balance-rr, Linux's default, and says so")
    func noMode() throws {
        let plan = try plan(Self.bondConfiguration(mode: nil, parameters: []), nics: Self.bondNICs)
        #expect(commandLines(plan) == Self.bondCommands(policy: "portid"))
        #expect(warningLines(plan) == ["bond0: no bond mode given; balance-rr (Linux's default) is used: portid"])
    }

    @Test("vmnic1 and vmnic10 are both in the team, the one with the bond's MAC first (the reference drops vmnic1)")
    func exactTeamMembership() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: ens1, type: physical, name: ens1, mac_address: '00:50:56:00:00:01', mtu: 1500, subnets: [{type: manual}]}
              - {id: ens10, type: physical, name: ens10, mac_address: '00:50:56:00:00:10', mtu: 1500, subnets: [{type: manual}]}
              - id: bond0
                type: bond
                name: bond0
                mac_address: '00:50:56:00:00:10'
                bond_interfaces: [ens1, ens10]
                params: {bond-mode: active-backup}
                mtu: 1500
                subnets: [{type: dhcp4}]
            """
        let plan = try plan(yaml, nics: ["vmnic1=00:50:56:00:00:01", "vmnic10=00:50:56:00:00:10"])
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard set -m 1500 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic10 -v vSwitch0",
                "esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic10,vmnic1 -l explicit",
                "esxcli network vswitch standard portgroup add -p bond0 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p bond0 -m 1500 -M 00:50:56:00:00:10",
                "esxcli network ip interface ipv4 set -i vmk0 -t dhcp",
            ])
    }

    @Test("a bond member whose MAC is not on the host is an error naming it, before any command")
    func missingMember() throws {
        let error = #expect(throws: ESXiNetworkError.self) {
            try plan(Self.bondConfiguration(mode: "active-backup"), nics: ["vmnic0=52:54:00:00:00:01"])
        }
        #expect(error?.code == .nicNotFound)
        #expect(
            error?.message
                == "eno2 (a member of bond bond0) has MAC 52:54:00:00:00:02, which no vmnic of the host has; the host"
                + " has vmnic0 52:54:00:00:00:01")
    }

    @Test("VLANs on an unconfigured NIC share one vSwitch created on first use, with the parent's MTU")
    func vlansOnUnconfiguredNIC() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', mtu: 9000, subnets: [{type: manual}]}
              - id: eth0.101
                type: vlan
                name: eth0.101
                vlan_link: eth0
                vlan_id: 101
                mtu: 1500
                subnets: [{type: static, address: 10.1.0.5/24, gateway: 10.1.0.1}]
              - {id: eth0.102, type: vlan, name: eth0.102, vlan_link: eth0, vlan_id: 102, mtu: 9000, subnets: [{type: dhcp4}]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"])
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard set -m 9000 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard portgroup add -p eth0.101 -v vSwitch0",
                "esxcli network vswitch standard portgroup set -p eth0.101 -v 101",
                "esxcli network ip interface add -i vmk0 -p eth0.101 -m 1500",
                "esxcli network ip interface ipv4 set -i vmk0 -t static -I 10.1.0.5 -N 255.255.255.0",
                "esxcli network ip route ipv4 add --gateway=10.1.0.1 --network=default",
                "esxcli network vswitch standard portgroup add -p eth0.102 -v vSwitch0",
                "esxcli network vswitch standard portgroup set -p eth0.102 -v 102",
                "esxcli network ip interface add -i vmk1 -p eth0.102 -m 9000",
                "esxcli network ip interface ipv4 set -i vmk1 -t dhcp",
            ])
        #expect(plan.virtualSwitches.map(\.interface) == ["eth0"])
    }

    @Test("a VLAN on a configured NIC goes on that NIC's vSwitch")
    func vlanOnConfiguredNIC() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', mtu: 1500, subnets: [{type: dhcp4}]}
              - {id: eth1, type: physical, name: eth1, mac_address: '52:54:00:00:00:02', mtu: 1500, subnets: [{type: dhcp4}]}
              - {id: eth0.7, type: vlan, name: eth0.7, vlan_link: eth0, vlan_id: 7, mtu: 1500, subnets: [{type: dhcp4}]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"])
        #expect(
            commandLines(plan).suffix(4) == [
                "esxcli network vswitch standard portgroup add -p eth0.7 -v vSwitch0",
                "esxcli network vswitch standard portgroup set -p eth0.7 -v 7",
                "esxcli network ip interface add -i vmk2 -p eth0.7 -m 1500",
                "esxcli network ip interface ipv4 set -i vmk2 -t dhcp",
            ])
    }

    @Test("entries out of order are applied parents first")
    func parentsFirst() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: bond0.5, type: vlan, name: bond0.5, vlan_link: bond0, vlan_id: 5, subnets: [{type: dhcp4}]}
              - {id: bond0, type: bond, name: bond0, bond_interfaces: [eth0], params: {bond-mode: balance-rr}}
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01'}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"])
        #expect(plan.interfaces.map(\.interface) == ["bond0", "bond0.5"])
        #expect(commandLines(plan).first == "esxcli network vswitch standard add -v vSwitch0")
    }

    @Test(
        "contradictory structures are errors that name the interfaces",
        arguments: [
            (
                "- {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}]}\n"
                    + "- {id: bond0, type: bond, name: bond0, bond_interfaces: [eth0], params: {bond-mode: balance-rr}}",
                "eth0 is a member of bond bond0 and has addresses of its own"
            ),
            (
                "- {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01'}\n"
                    + "- {id: bond0, type: bond, name: bond0, bond_interfaces: [eth0]}\n"
                    + "- {id: bond1, type: bond, name: bond1, bond_interfaces: [eth0]}",
                "eth0 is a member of both bond0 and bond1"
            ),
            (
                "- {id: bond0, type: bond, name: bond0, bond_interfaces: [eth9]}",
                "bond bond0: member eth9 is not in the configuration"
            ),
            (
                "- {id: eth0.5, type: vlan, name: eth0.5, vlan_link: eth0, vlan_id: 5}",
                "VLAN eth0.5: its link eth0 is not in the configuration"
            ),
            (
                "- {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}]}\n"
                    + "- {id: eth1, type: physical, name: eth0, mac_address: '52:54:00:00:00:02'}",
                "eth0 and eth1 have the same name eth0"
            ),
            (
                "- {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}, {type: dhcp6}]}\n"
                    + "- {id: x, type: physical, name: 'eth0:1', mac_address: '52:54:00:00:00:02', subnets: [{type: dhcp4}]}",
                "eth0 and x would both make port group eth0:1"
            ),
            (
                "- {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}]}\n"
                    + "- {id: eth1, type: physical, name: eth1, mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}]}",
                "eth0 and eth1 have the same MAC 52:54:00:00:00:01 (vmnic0)"
            ),
        ])
    func contradictions(entries: String, message: String) throws {
        let yaml =
            "network:\n  version: 1\n  config:\n"
            + entries.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        let error = #expect(throws: ESXiNetworkError.self) {
            try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"])
        }
        #expect(error?.code == .inconsistent)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }
}
