import ESXiNetwork
import Foundation
import Testing

/// Malformed and hostile configurations fail with a typed error that names the place, never a crash or a hang.
@Suite("Malformed and hostile configurations")
struct HostileInputTests {
    private func parseError(_ yaml: String) -> ESXiNetworkError? {
        #expect(throws: ESXiNetworkError.self) { try NetworkConfiguration(yaml: yaml, source: "curtin.cfg") }
    }

    @Test(
        "bad values name the file, the line and the key",
        arguments: [
            (
                "network:\n  version: 1\n  config:\n  - {type: physical, name: eth0, mac_address: '52:54:00:00:00'}",
                ESXiNetworkError.Code.invalidValue,
                "curtin.cfg: line 4: network.config[0].mac_address: '52:54:00:00:00' is not a MAC address"
            ),
            (
                "network:\n  version: 1\n  config:\n  - type: physical\n    name: eth0\n    subnets:\n"
                    + "    - {type: static, address: 10.0.0.300/24}",
                .invalidValue,
                "curtin.cfg: line 7: network.config[0].subnets[0].address: '10.0.0.300/24' is not an address with a"
                    + " prefix length"
            ),
            (
                "network:\n  version: 1\n  config:\n  - {type: vlan, name: v, vlan_link: eth0, vlan_id: 4095}",
                .invalidValue, "network.config[0].vlan_id: VLAN id 4095 is not from 1 to 4094"
            ),
            (
                "network:\n  version: 1\n  config:\n  - {type: physical, name: eth0, mtu: jumbo}",
                .invalidValue, "network.config[0].mtu: 'jumbo' is not a whole number"
            ),
            (
                "network:\n  version: 1\n  config:\n  - {type: physical, name: eth0, subnets: [{type: static, address: "
                    + "10.0.0.2/24, gateway: 'fe80::1'}]}",
                .invalidValue, "gateway fe80::1 is not an IPv4 address"
            ),
            (
                "network:\n  version: 1\n  config:\n  - {type: physical, name: eth0, subnets: [{type: static, address: "
                    + "10.0.0.2/24, routes: [{gateway: 10.0.0.1}]}]}",
                .malformed, "a route needs a 'destination' (or 'network' and 'netmask')"
            ),
            ("network:\n  version: 3\n  config: []", .unsupportedVersion, "version '3' is not supported"),
            ("network:\n  config: []", .malformed, "the network configuration has no 'version'"),
            ("storage: {}\n", .malformed, "no 'network' section"),
            ("network:\n  version: 1\n  config:\n  - {name: eth0}", .malformed, "the entry has no 'type'"),
            (
                "network:\n  version: 1\n  config: {a: b}", .malformed,
                "network.config: expected a list, found a mapping"
            ),
            ("network:\n  version: 1\n  config:\n  - {type: physical}", .malformed, "needs a 'name'"),
            ("network: [\n", .malformed, "curtin.cfg is not valid YAML"),
            ("", .malformed, "curtin.cfg is empty"),
            ("network:\n  version: 1\n  config: []\n---\nnetwork: {}\n", .malformed, "is not valid YAML"),
            ("network:\n  version: 1\n  version: 2\n", .malformed, "duplicated key"),
            (
                "network:\n  version: 1\n  config:\n  - {type: physical, name: \"eth\\u00070\"}", .invalidValue,
                "control characters are not allowed"
            ),
        ])
    func badValues(yaml: String, code: ESXiNetworkError.Code, message: String) {
        let error = parseError(yaml)
        #expect(error?.code == code, "\(error?.message ?? "no error")")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test("aliases that expand exponentially stop at the visit budget")
    func aliasBomb() {
        var yaml = "a0: &a0 [{type: physical, name: x, subnets: [{type: manual}]}]\n"
        for level in 1...24 {
            yaml += "a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]\n"
        }
        yaml += "network:\n  version: 1\n  config: *a24\n"
        let error = parseError(yaml)
        #expect(error?.code == .malformed || error?.code == .limitExceeded)
    }

    @Test("an alias bomb in a subnet list stops at the visit budget")
    func aliasBombInSubnets() {
        var yaml = "s0: &s0 {type: manual}\n"
        yaml += "s1: &s1 [*s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0, *s0]\n"
        yaml += "e: &e {type: physical, name: x, subnets: *s1}\n"
        yaml += "l1: &l1 [" + Array(repeating: "*e", count: 64).joined(separator: ", ") + "]\n"
        yaml += "network:\n  version: 1\n  config: *l1\n"
        // 64 interfaces with one name: parsing is bounded; planning then refuses the repeated id.
        #expect(throws: ESXiNetworkError.self) {
            try Plan(for: NetworkConfiguration(yaml: yaml), on: HostNICs(pairs: []))
        }
        var bomb = "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1]\n"
        for level in 1...8 {
            bomb +=
                "x\(level): &x\(level) [" + Array(repeating: "*x\(level - 1)", count: 8).joined(separator: ", ") + "]\n"
        }
        bomb += "network:\n  version: 1\n  config:\n  - {type: nameserver, address: *x8}\n"
        let error = parseError(bomb)
        #expect(error?.code == .malformed || error?.code == .limitExceeded)
    }

    @Test("aliases used as keys are refused before Yams hashes them; URLs with IPv6 literals are fine")
    func complexKeys() throws {
        for yaml in [
            "a: &a [1, 2]\n*a : b\nnetwork: {version: 1, config: []}\n",
            "? [a, b]\n: c\nnetwork: {version: 1, config: []}\n",
            "{[a, b]: c}\n",
        ] {
            let error = parseError(yaml)
            #expect(error?.code == .malformed)
            #expect(error?.message.contains("is not supported in a network configuration") == true)
        }
        let configuration = try NetworkConfiguration(
            yaml: "reporting: {maas: {endpoint: 'http://[fd00::1]:5240/MAAS/'}}\nnetwork: {version: 1, config: []}\n")
        #expect(configuration.interfaces.isEmpty)
    }

    @Test("deep nesting fails with an error (libyaml's depth limit), in a task too")
    func deepNesting() async {
        let yaml = "network: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let error = await Task.detached { () -> ESXiNetworkError? in
            do {
                _ = try NetworkConfiguration(yaml: yaml)
                return nil
            } catch {
                return error as? ESXiNetworkError
            }
        }.value
        #expect(error?.code == .malformed)
    }

    @Test("sizes are capped: the document, the lists and the values")
    func limits() {
        let huge = String(repeating: "#", count: 9 << 20)
        #expect(parseError(huge)?.code == .limitExceeded)
        let many = "network:\n  version: 1\n  config:\n" + String(repeating: "  - {type: nameserver}\n", count: 4097)
        #expect(parseError(many)?.code == .limitExceeded)
        let long =
            "network:\n  version: 1\n  config:\n  - {type: physical, name: " + String(repeating: "x", count: 5000) + "}"
        #expect(parseError(long)?.code == .limitExceeded)
    }

    @Test("names with shell metacharacters are quoted in commands")
    func quoting() throws {
        let yaml = """
            network:
              version: 1
              config:
              - {type: physical, name: "it's $(reboot) `x`", mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"])
        #expect(
            commandLines(plan)[2]
                == "esxcli network vswitch standard portgroup add -p 'it'\\''s $(reboot) `x`' -v vSwitch0")
        #expect(plan.commands[2].arguments[6] == "it's $(reboot) `x`")
    }
}

/// The host's NIC list: `esxcli network nic list` and `vmnicN=MAC` pairs.
@Suite("Host NICs")
struct HostNICsTests {
    static let esxcliOutput = """
        Name    PCI Device    Driver    Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description
        ------  ------------  --------  ------------  -----------  -----  ------  -----------------  ----  ---------------------------------------------
        vmnic0  0000:0b:00.0  nvmxnet3  Up            Up           10000  Full    00:50:56:A1:00:01  1500  VMware Inc. vmxnet3 Virtual Ethernet Controller
        vmnic1  0000:13:00.0  nvmxnet3  Up            Down             0  Half    00:50:56:a1:00:02  9000  VMware Inc. vmxnet3 Virtual Ethernet Controller
        vmnic10 0000:1b:00.0  ixgben    Up            Up           10000  Full    3c:fd:fe:00:00:0a  1500  Intel(R) Ethernet Controller X710 for 10GbE SFP+

        """

    @Test("esxcli's table: one NIC per vmnic line, the MAC from its column, header and blank lines skipped")
    func esxcliTable() throws {
        let nics = try HostNICs(esxcliNICList: Self.esxcliOutput)
        #expect(nics.nics.map(\.name) == ["vmnic0", "vmnic1", "vmnic10"])
        #expect(
            nics.nics.map(\.macAddress.description) == ["00:50:56:a1:00:01", "00:50:56:a1:00:02", "3c:fd:fe:00:00:0a"])
        #expect(nics.nic(withMACAddress: MACAddress("00:50:56:a1:00:01")!)?.name == "vmnic0")
    }

    @Test(
        "bad lists are errors that say what is wrong",
        arguments: [
            ("Name  PCI\n----\n", "lists no vmnic"),
            ("vmnic0  0000:0b:00.0  nvmxnet3  Up\n", "line 1: vmnic0 has no MAC address on its line"),
            ("vmnic0 00:50:56:a1:00:01\nvmnic0 00:50:56:a1:00:02\n", "vmnic0 is listed twice"),
            ("vmnic0 00:50:56:a1:00:01\nvmnic1 00:50:56:A1:00:01\n", "vmnic1 and vmnic0 have the same MAC"),
        ])
    func badLists(text: String, message: String) {
        let error = #expect(throws: ESXiNetworkError.self) { try HostNICs(esxcliNICList: text) }
        #expect(error?.code == .invalidNICList)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test("vmnicN=MAC pairs")
    func pairs() throws {
        #expect(try HostNICs(pairs: ["vmnic2=00:50:56:A1:00:01"]).nics.first?.name == "vmnic2")
        for pair in ["vmnic0", "eth0=00:50:56:a1:00:01", "vmnic0=00:50:56:a1:00", "vmnicX=00:50:56:a1:00:01"] {
            let error = #expect(throws: ESXiNetworkError.self) { try HostNICs(pairs: [pair]) }
            #expect(error?.code == .invalidNICList, "\(pair)")
        }
    }
}
