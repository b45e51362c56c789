import ESXiNetwork
import Testing

/// Netplan (version 2) documents give the same plan as their version 1 equivalents.
@Suite("Netplan version 2")
struct NetplanTests {
    /// Plans both documents on the same host and compares everything but the warnings (whose wording names each
    /// format's own keys).
    private func expectSamePlan(v1: String, v2: String, nics: [String]) throws {
        let first = try plan(v1, nics: nics)
        let second = try plan(v2, nics: nics)
        #expect(commandLines(second) == commandLines(first))
        #expect(second.interfaces == first.interfaces)
        #expect(second.dns == first.dns)
        #expect(second.requiredNICs == first.requiredNICs)
        #expect(!commandLines(first).isEmpty)
    }

    @Test("one NIC with DHCP")
    func dhcp() throws {
        try expectSamePlan(
            v1: """
                network:
                  version: 1
                  config:
                  - {id: ens3, type: physical, name: ens3, mac_address: '52:54:00:12:34:56', mtu: 1500, subnets: [{type: dhcp4}]}
                """,
            v2: """
                network:
                  version: 2
                  ethernets:
                    ens3:
                      match: {macaddress: '52:54:00:12:34:56'}
                      set-name: ens3
                      mtu: 1500
                      dhcp4: true
                """,
            nics: ["vmnic0=52:54:00:12:34:56"])
    }

    @Test("static addresses, aliases, gateways, routes and DNS")
    func staticAddresses() throws {
        try expectSamePlan(
            v1: """
                network:
                  version: 1
                  config:
                  - id: eno1
                    type: physical
                    name: eno1
                    mac_address: 'aa:bb:cc:dd:ee:01'
                    mtu: 9000
                    subnets:
                    - type: static
                      address: 192.168.10.20/24
                      gateway: 192.168.10.1
                      routes: [{destination: 10.10.0.0/16, gateway: 192.168.10.254}]
                    - {type: static, address: 192.168.11.20/24}
                    - {type: static, address: '2001:db8::20/64', gateway: '2001:db8::1'}
                  - {type: nameserver, address: [192.168.10.2], search: [maas]}
                """,
            v2: """
                network:
                  version: 2
                  ethernets:
                    eno1:
                      match: {macaddress: 'aa:bb:cc:dd:ee:01'}
                      mtu: 9000
                      addresses: [192.168.10.20/24, 192.168.11.20/24, '2001:db8::20/64']
                      routes:
                      - {to: default, via: 192.168.10.1}
                      - {to: 10.10.0.0/16, via: 192.168.10.254}
                      gateway6: '2001:db8::1'
                      nameservers: {addresses: [192.168.10.2], search: [maas]}
                """,
            nics: ["vmnic0=aa:bb:cc:dd:ee:01"])
    }

    @Test("a bond with a VLAN, and DHCP on both families")
    func bondAndVLAN() throws {
        try expectSamePlan(
            v1: TeamingTests.bondConfiguration(mode: "active-backup"),
            v2: """
                network:
                  version: 2
                  ethernets:
                    eno1: {match: {macaddress: '52:54:00:00:00:01'}, mtu: 1500}
                    eno2: {match: {macaddress: '52:54:00:00:00:02'}, mtu: 1500}
                  bonds:
                    bond0:
                      interfaces: [eno1, eno2]
                      macaddress: '52:54:00:00:00:02'
                      mtu: 1500
                      parameters: {mode: active-backup, mii-monitor-interval: 100}
                      addresses: [10.0.0.5/24]
                      gateway4: 10.0.0.1
                  vlans:
                    bond0.42: {id: 42, link: bond0, mtu: 1500}
                """,
            nics: TeamingTests.bondNICs)
        try expectSamePlan(
            v1: """
                network:
                  version: 1
                  config:
                  - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', subnets: [{type: manual}]}
                  - {id: eth0.9, type: vlan, name: eth0.9, vlan_link: eth0, vlan_id: 9, subnets: [{type: dhcp}]}
                """,
            v2: """
                network:
                  version: 2
                  ethernets:
                    eth0: {match: {macaddress: '52:54:00:00:00:01'}}
                  vlans:
                    eth0.9: {id: 9, link: eth0, dhcp4: yes, dhcp6: yes}
                """,
            nics: ["vmnic0=52:54:00:00:00:01"])
    }

    @Test("802.3ad and its parameters in netplan's names")
    func lacp() throws {
        let yaml = """
            network:
              version: 2
              ethernets:
                a: {match: {macaddress: '52:54:00:00:00:01'}}
                b: {match: {macaddress: '52:54:00:00:00:02'}}
              bonds:
                bond0:
                  interfaces: [a, b]
                  parameters: {mode: 802.3ad, lacp-rate: fast, transmit-hash-policy: layer3+4}
                  dhcp4: true
              bridges:
                br0: {interfaces: [], addresses: [10.9.9.9/24]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"])
        #expect(
            commandLines(plan).prefix(4) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0",
                "esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l iphash",
            ])
        #expect(
            warningLines(plan).contains(
                "bond0: ESXi NIC teaming has no equivalent for lacp-rate, transmit-hash-policy; ignored"))
        #expect(
            warningLines(plan).contains(
                "br0: bridges are not supported by ESXi (a vSwitch is the bridge); the bridge and its addresses are ignored"
            ))
    }

    @Test("the real curtin netplan examples parse; matching by name alone cannot find a vmnic")
    func curtinExamples() throws {
        let bridging = try NetworkConfiguration(contentsOf: Fixture.path("curtin/tests__bridging_network_v2.yaml"))
        #expect(bridging.version == 2)
        #expect(bridging.interfaces.map(\.id) == ["eth0", "eth1", "eth2"])
        #expect(bridging.warnings.contains { $0.subject == "br0" })
        let plan = try Plan(for: bridging, on: HostNICs(pairs: ["vmnic0=52:54:00:12:34:00"]))
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard portgroup add -p eth0 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p eth0 -M 52:54:00:12:34:00",
                "esxcli network ip interface ipv4 set -i vmk0 -t dhcp",
            ])
        let passthrough = try NetworkConfiguration(
            contentsOf: Fixture.path("curtin/tests__network_v2_passthrough.yaml"))
        let error = #expect(throws: ESXiNetworkError.self) {
            try Plan(for: passthrough, on: HostNICs(pairs: ["vmnic0=52:54:00:12:34:00"]))
        }
        #expect(error?.code == .nicNotFound)
        #expect(error?.message.hasPrefix("interface0 (configured) has no MAC address to find its vmnic by") == true)
    }
}
