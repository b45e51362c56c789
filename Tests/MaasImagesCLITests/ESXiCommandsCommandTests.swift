import Foundation
import Testing

/// `maas-images esxi commands`: plain commands, the script, JSON, warnings and errors.
@Suite("maas-images esxi commands")
struct ESXiCommandsCommandTests {
    static let configuration = """
        network:
          version: 1
          config:
          - {id: eno1, type: physical, name: eno1, mac_address: '52:54:00:00:00:01', mtu: 1500, subnets: [{type: manual}]}
          - {id: eno2, type: physical, name: eno2, mac_address: '52:54:00:00:00:02', mtu: 1500, subnets: [{type: manual}]}
          - id: bond0
            type: bond
            name: bond0
            mac_address: '52:54:00:00:00:01'
            bond_interfaces: [eno1, eno2]
            params: {bond-mode: 802.3ad, bond-lacp-rate: fast}
            mtu: 1500
            subnets: [{type: static, address: 10.0.0.5/24, gateway: 10.0.0.1}]
          - {type: bridge, name: br0, bridge_interfaces: []}
          - {type: nameserver, address: [10.0.0.2], search: [maas]}
        """

    static let expectedCommands = [
        "esxcli network vswitch standard add -v vSwitch0",
        "esxcli network vswitch standard set -m 1500 -v vSwitch0",
        "esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0",
        "esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0",
        "esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l iphash",
        "esxcli network vswitch standard portgroup add -p bond0 -v vSwitch0",
        "esxcli network ip interface add -i vmk0 -p bond0 -m 1500 -M 52:54:00:00:00:01",
        "esxcli network ip interface ipv4 set -i vmk0 -t static -I 10.0.0.5 -N 255.255.255.0",
        "esxcli network ip route ipv4 add --gateway=10.0.0.1 --network=default",
        "esxcli network ip dns server add -s 10.0.0.2",
        "esxcli network ip dns search add -d maas",
    ]

    private func withConfiguration(_ body: (TemporaryDirectory, String) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "esxi-commands")
        defer { directory.remove() }
        let path = directory.appending("curtin.cfg")
        try Self.configuration.write(toFile: path, atomically: true, encoding: .utf8)
        try await body(directory, path)
    }

    @Test("commands on stdout, one per line; warnings on stderr")
    func plain() async throws {
        try await withConfiguration { _, path in
            let result = try await CommandRunner.run(
                try CommandRunner.maasImages(),
                ["esxi", "commands", path, "--nic", "vmnic0=52:54:00:00:00:01", "--nic", "vmnic1=52:54:00:00:00:02"])
            #expect(result.status == 0, "\(result.errorText)")
            #expect(result.outputText == Self.expectedCommands.joined(separator: "\n") + "\n")
            let warnings = result.errorText.split(separator: "\n")
            #expect(warnings.count == 3)
            #expect(warnings.allSatisfy { $0.hasPrefix("warning: ") })
            #expect(
                warnings.first
                    == "warning: br0: bridges are not supported by ESXi (a vSwitch is the bridge); the bridge and its addresses are ignored"
            )
        }
    }

    @Test("--nic-list reads esxcli's table; --json prints the plan; --script a script with the same commands")
    func formats() async throws {
        try await withConfiguration { directory, path in
            let nicList = directory.appending("nics.txt")
            try """
            Name    PCI Device    Driver    Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description
            ------  ------------  --------  ------------  -----------  -----  ------  -----------------  ----  -----------
            vmnic0  0000:0b:00.0  nvmxnet3  Up            Up           10000  Full    52:54:00:00:00:01  1500  vmxnet3
            vmnic1  0000:13:00.0  nvmxnet3  Up            Up           10000  Full    52:54:00:00:00:02  1500  vmxnet3
            """.write(toFile: nicList, atomically: true, encoding: .utf8)
            let binary = try CommandRunner.maasImages()
            let json = try await CommandRunner.run(binary, ["esxi", "commands", path, "--nic-list", nicList, "--json"])
            #expect(json.status == 0, "\(json.errorText)")
            let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput)) as? [String: Any]
            #expect(object?["commands"] as? [String] == Self.expectedCommands)
            let vswitches = object?["vswitches"] as? [[String: Any]]
            #expect(vswitches?.first?["uplinks"] as? [String] == ["vmnic0", "vmnic1"])
            #expect((object?["warnings"] as? [Any])?.count == 3)
            let vmknics = object?["vmknics"] as? [[String: Any]]
            let ipv4 = vmknics?.first?["ipv4"] as? [String: Any]
            #expect(ipv4?["address"] as? String == "10.0.0.5/24")
            #expect(ipv4?["netmask"] as? String == "255.255.255.0")

            let script = try await CommandRunner.run(
                binary, ["esxi", "commands", path, "--nic-list", nicList, "--script", "--log-path", "/tmp/n.log"])
            #expect(script.status == 0)
            #expect(script.outputText.hasPrefix("#!/bin/sh\n"))
            #expect(script.outputText.contains("LOG=/tmp/n.log\n"))
            for command in Self.expectedCommands {
                #expect(script.outputText.contains("\nrun \(command)\n"))
            }
            let syntax = try await CommandRunner.run("sh", ["-n", "-c", script.outputText])
            #expect(syntax.status == 0, "\(syntax.errorText)")
        }
    }

    @Test("the configuration can come from standard input")
    func standardInput() async throws {
        try await withConfiguration { _, path in
            let result = try await CommandRunner.run(
                "sh",
                [
                    "-c",
                    "'\(try CommandRunner.maasImages())' esxi commands - --nic vmnic0=52:54:00:00:00:01"
                        + " --nic vmnic1=52:54:00:00:00:02 < '\(path)'",
                ])
            #expect(result.status == 0, "\(result.errorText)")
            #expect(result.outputText.split(separator: "\n").count == Self.expectedCommands.count)
        }
    }

    @Test(
        "errors: error: on stderr, exit status 1, nothing on stdout",
        arguments: [
            (["--nic", "vmnic0=52:54:00:00:00:01"], "eno2 (a member of bond bond0) has MAC 52:54:00:00:00:02"),
            (["--nic", "vmnic0=52:54:00:00:00"], "'vmnic0=52:54:00:00:00' is not vmnicN=MAC"),
            (["--nic-list", "/no/such/file"], "cannot open the NIC list /no/such/file"),
        ])
    func errors(arguments: [String], message: String) async throws {
        try await withConfiguration { _, path in
            let result = try await CommandRunner.run(
                try CommandRunner.maasImages(), ["esxi", "commands", path] + arguments)
            #expect(!result.crashed)
            #expect(result.status == 1)
            #expect(result.errorText.hasPrefix("error: "), "\(result.errorText)")
            #expect(result.errorText.contains(message), "\(result.errorText)")
            #expect(result.standardOutput.isEmpty)
        }
    }

    @Test("a missing or invalid configuration, and missing NICs, are reported")
    func badInvocations() async throws {
        let binary = try CommandRunner.maasImages()
        let missing = try await CommandRunner.run(
            binary, ["esxi", "commands", "/no/such.cfg", "--nic", "vmnic0=52:54:00:00:00:01"])
        #expect(missing.status == 1)
        #expect(missing.errorText.contains("error: cannot open the configuration /no/such.cfg"))
        let noNICs = try await CommandRunner.run(binary, ["esxi", "commands", "/no/such.cfg"])
        #expect(noNICs.status != 0)
        #expect(noNICs.errorText.contains("--nic vmnicN=MAC or with --nic-list FILE"))
    }
}
