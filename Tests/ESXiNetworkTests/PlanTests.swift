import ESXiNetwork
import Foundation
import Testing

/// MAAS-shaped version 1 configurations (as `preseed_network.py` writes them: `id`, quoted MACs, `mtu` on every
/// interface, `manual` for an unconfigured link) and the exact commands the reference would issue, or, where the
/// reference is wrong, the documented difference.
@Suite("Plans from MAAS configurations")
struct PlanTests {
    @Test("one NIC with DHCP, inside a whole curtin configuration")
    func singleNICWithDHCP() throws {
        let yaml = """
            network_commands:
              builtin: [curtin, net-meta, custom]
            reporting:
              maas: {type: webhook, endpoint: 'http://[fd00::1]:5240/MAAS/metadata/status/abc'}
            network:
              version: 1
              config:
              - id: ens3
                type: physical
                name: ens3
                mac_address: '52:54:00:12:34:56'
                mtu: 1500
                subnets:
                - type: dhcp4
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:12:34:56"])
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard set -m 1500 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard portgroup add -p ens3 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p ens3 -m 1500 -M 52:54:00:12:34:56",
                "esxcli network ip interface ipv4 set -i vmk0 -t dhcp",
            ])
        #expect(plan.warnings.isEmpty)
        #expect(plan.requiredNICs.map(\.nic) == ["vmnic0"])
    }

    @Test("MAC addresses stay strings (even unquoted) and match the host's case-insensitively")
    func macAddressesAreStrings() throws {
        // Unquoted, YAML 1.1 reads 52:54:00:00:00:01 as the sexagesimal integer 41135040001.
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: 52:54:00:00:00:01, subnets: [{type: dhcp4}]}
            """
        let plan = try plan(yaml, nics: ["vmnic3=52:54:00:00:00:01"])
        #expect(plan.virtualSwitches.first?.uplinks == ["vmnic3"])
        let upper = try NetworkConfiguration(
            yaml: yaml.replacingOccurrences(of: "52:54:00:00:00:01", with: "AA:BB:CC:DD:EE:0F"))
        let upperPlan = try Plan(for: upper, on: HostNICs(pairs: ["vmnic0=aa:bb:cc:dd:ee:0f"]))
        #expect(upperPlan.virtualSwitches.first?.uplinks == ["vmnic0"])
        #expect(
            commandLines(upperPlan).contains("esxcli network ip interface add -i vmk0 -p eth0 -M aa:bb:cc:dd:ee:0f"))
    }

    @Test("static address with gateway, a static route and DNS; an unconfigured NIC stays unconfigured")
    func staticWithRoutesAndDNS() throws {
        let yaml = """
            network:
              version: 1
              config:
              - id: eno1
                type: physical
                name: eno1
                mac_address: 'aa:bb:cc:dd:ee:01'
                mtu: 1500
                subnets:
                - type: static
                  address: 192.168.10.20/24
                  gateway: 192.168.10.1
                  dns_nameservers: [192.168.10.2]
                  dns_search: [maas, example.com]
                  routes:
                  - {destination: 10.10.0.0/16, gateway: 192.168.10.254, metric: 0}
              - id: eno2
                type: physical
                name: eno2
                mac_address: 'aa:bb:cc:dd:ee:02'
                mtu: 1500
                subnets:
                - type: manual
              - type: nameserver
                address: [192.168.10.2]
                search: [maas, example.com]
            """
        let plan = try plan(yaml, nics: ["vmnic0=aa:bb:cc:dd:ee:01", "vmnic1=aa:bb:cc:dd:ee:02"])
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard set -m 1500 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard portgroup add -p eno1 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p eno1 -m 1500 -M aa:bb:cc:dd:ee:01",
                "esxcli network ip interface ipv4 set -i vmk0 -t static -I 192.168.10.20 -N 255.255.255.0",
                "esxcli network ip route ipv4 add --gateway=192.168.10.1 --network=default",
                "esxcli network ip route ipv4 add -g 192.168.10.254 -n 10.10.0.0/16",
                "esxcli network ip dns server add -s 192.168.10.2",
                "esxcli network ip dns search add -d maas",
                "esxcli network ip dns search add -d example.com",
            ])
        #expect(plan.warnings.isEmpty)
        #expect(plan.routes.map(\.isDefault) == [true, false])
        #expect(plan.requiredNICs.map(\.interface) == ["eno1"])
    }

    @Test("IPv4 and IPv6 aliases: one port group and vmknic each, with the interface's MAC; IPv6 keeps its prefix")
    func aliases() throws {
        let yaml = """
            network:
              version: 1
              config:
              - id: eth0
                type: physical
                name: eth0
                mac_address: '52:54:00:00:00:10'
                mtu: 1500
                subnets:
                - {type: static, address: 10.0.0.10/24, gateway: 10.0.0.1}
                - {type: static, address: 10.0.1.10/23}
                - {type: static, address: '2001:db8:0:1::10/64', gateway: '2001:db8:0:1::1'}
                - {type: static, address: '2001:DB8:0:1:0:0:0:20/64'}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:10"])
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard set -m 1500 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard portgroup add -p eth0 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p eth0 -m 1500 -M 52:54:00:00:00:10",
                "esxcli network ip interface ipv4 set -i vmk0 -t static -I 10.0.0.10 -N 255.255.255.0",
                "esxcli network ip route ipv4 add --gateway=10.0.0.1 --network=default",
                "esxcli network vswitch standard portgroup add -p eth0:1 -v vSwitch0",
                "esxcli network ip interface add -i vmk1 -p eth0:1 -m 1500 -M 52:54:00:00:00:10",
                "esxcli network ip interface ipv4 set -i vmk1 -t static -I 10.0.1.10 -N 255.255.254.0",
                "esxcli network vswitch standard portgroup add -p eth0:2 -v vSwitch0",
                "esxcli network ip interface add -i vmk2 -p eth0:2 -m 1500 -M 52:54:00:00:00:10",
                "esxcli network ip interface ipv6 address add -i vmk2 -I 2001:db8:0:1::10/64",
                "esxcli network ip interface ipv6 set -i vmk2 -g 2001:db8:0:1::1",
                "esxcli network ip route ipv6 add --gateway=2001:db8:0:1::1 --network=default",
                "esxcli network vswitch standard portgroup add -p eth0:3 -v vSwitch0",
                "esxcli network ip interface add -i vmk3 -p eth0:3 -m 1500 -M 52:54:00:00:00:10",
                "esxcli network ip interface ipv6 address add -i vmk3 -I 2001:db8:0:1::20/64",
            ])
        #expect(plan.portGroups.map(\.name) == ["eth0", "eth0:1", "eth0:2", "eth0:3"])
    }

    @Test("MTU 9000 on the vSwitch and the vmknic; no -m at all when no MTU is given")
    func mtu() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', mtu: 9000, subnets: [{type: dhcp4}]}
              - {id: eth1, type: physical, name: eth1, mac_address: '52:54:00:00:00:02', subnets: [{type: dhcp6}]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"])
        #expect(
            commandLines(plan) == [
                "esxcli network vswitch standard add -v vSwitch0",
                "esxcli network vswitch standard set -m 9000 -v vSwitch0",
                "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
                "esxcli network vswitch standard portgroup add -p eth0 -v vSwitch0",
                "esxcli network ip interface add -i vmk0 -p eth0 -m 9000 -M 52:54:00:00:00:01",
                "esxcli network ip interface ipv4 set -i vmk0 -t dhcp",
                "esxcli network vswitch standard add -v vSwitch1",
                "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch1",
                "esxcli network vswitch standard portgroup add -p eth1 -v vSwitch1",
                "esxcli network ip interface add -i vmk1 -p eth1 -M 52:54:00:00:00:02",
                "esxcli network ip interface ipv6 set -i vmk1 -e true -d true",
            ])
    }

    @Test("an MTU ESXi cannot set is an error naming the interface")
    func mtuOutOfRange() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', mtu: 9216, subnets: [{type: dhcp4}]}
            """
        let error = #expect(throws: ESXiNetworkError.self) { try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"]) }
        #expect(error?.code == .invalidValue)
        #expect(error?.message.contains("eth0: MTU 9216") == true)
        // A NIC the plan does not use may have any MTU.
        let unused = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', mtu: 1500, subnets: [{type: dhcp4}]}
              - {id: eth1, type: physical, name: eth1, mac_address: '52:54:00:00:00:02', mtu: 9216, subnets: [{type: manual}]}
            """
        #expect(try plan(unused, nics: ["vmnic0=52:54:00:00:00:01"]).virtualSwitches.count == 1)
    }

    @Test("'dhcp' means DHCP on both families (the reference leaves the vmknic with no address)")
    func dhcpOnBothFamilies() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', mtu: 1500, subnets: [{type: dhcp}]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"])
        #expect(
            commandLines(plan).suffix(3) == [
                "esxcli network ip interface add -i vmk0 -p eth0 -m 1500 -M 52:54:00:00:00:01",
                "esxcli network ip interface ipv4 set -i vmk0 -t dhcp",
                "esxcli network ip interface ipv6 set -i vmk0 -e true -d true",
            ])
    }

    @Test("a second default gateway of a family is dropped with a warning")
    func secondDefaultGateway() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {id: eth0, type: physical, name: eth0, mac_address: '52:54:00:00:00:01', subnets: [{type: static, address: 10.0.0.2/24, gateway: 10.0.0.1}]}
              - {id: eth1, type: physical, name: eth1, mac_address: '52:54:00:00:00:02', subnets: [{type: static, address: 10.1.0.2/24, gateway: 10.1.0.1}]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01", "vmnic1=52:54:00:00:00:02"])
        #expect(plan.routes.map(\.gateway.description) == ["10.0.0.1"])
        #expect(
            warningLines(plan) == [
                "eth1: a second default IPv4 gateway 10.1.0.1 is ignored; the default route stays via 10.0.0.1 (eth0)"
            ])
        #expect(!commandLines(plan).contains("esxcli network ip route ipv4 add --gateway=10.1.0.1 --network=default"))
    }

    @Test("netmask beside a bare address is honoured; a bare address alone is a /32 with a warning")
    func netmask() throws {
        let yaml = """
            network:
              version: 1
              config:
              - type: physical
                name: eth0
                mac_address: '52:54:00:00:00:01'
                subnets:
                - {type: static, address: 192.168.1.5, netmask: 255.255.252.0}
                - {type: static, address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ff00::'}
                - {type: static, address: 172.16.0.9}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"])
        let lines = commandLines(plan)
        #expect(
            lines.contains("esxcli network ip interface ipv4 set -i vmk0 -t static -I 192.168.1.5 -N 255.255.252.0"))
        #expect(lines.contains("esxcli network ip interface ipv6 address add -i vmk1 -I 2001:db8::5/56"))
        #expect(
            lines.contains("esxcli network ip interface ipv4 set -i vmk2 -t static -I 172.16.0.9 -N 255.255.255.255"))
        #expect(warningLines(plan) == ["eth0: 172.16.0.9 has no prefix length and no netmask; /32 is used"])
    }
}
