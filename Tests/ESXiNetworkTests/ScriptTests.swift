import ESXiNetwork
import Foundation
import TestSupport
import Testing

/// The first-boot script, run for real by busybox `sh` (the ESXi shell) and by dash against a fake `esxcli` that
/// records every call and answers the list commands as ESXi does.
@Suite("First-boot script")
struct ScriptTests {
    /// What one run of the script did.
    struct Run {
        var status: Int32
        /// Each `esxcli` call, its arguments in brackets: `[network][nic][list]`.
        var calls: [String]
        var standardError: String
        var log: String
    }

    static let shells = ["busybox", "dash"]

    static let fakeESXCLI = """
        #!/usr/bin/busybox sh
        line=""
        for argument in "$@"; do line="$line[$argument]"; done
        printf '%s\\n' "$line" >> "$FAKE_DIR/calls"
        case "$*" in
        "network nic list") cat "$FAKE_DIR/nics" ;;
        "network ip interface list")
            printf 'vmk0\\n   Name: vmk0\\n   MAC Address: 00:50:56:00:00:99\\n   Portgroup: Management Network\\n\\n'
            printf 'vmk1\\n   Name: vmk1\\n   Portgroup: bond0\\n' ;;
        "network vswitch standard list")
            printf 'vSwitch0\\n   Name: vSwitch0\\n   Class: cswitch\\n   Uplinks: vmnic0\\n'
            printf '   Portgroups: VM Network, Management Network\\n' ;;
        "network ip dns search list") printf '   DNSSearch Domains: old.example, maas\\n' ;;
        esac
        if [ -f "$FAKE_DIR/fail" ] && [ "$line" = "$(cat "$FAKE_DIR/fail")" ]; then
            echo "esxcli: simulated failure" >&2
            exit 7
        fi
        exit 0
        """

    static let hostNICList = """
        Name    PCI Device    Driver    Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description
        ------  ------------  --------  ------------  -----------  -----  ------  -----------------  ----  -----------
        vmnic0  0000:0b:00.0  nvmxnet3  Up            Up           10000  Full    52:54:00:00:00:01  1500  vmxnet3
        vmnic1  0000:13:00.0  nvmxnet3  Up            Up           10000  Full    52:54:00:00:00:02  1500  vmxnet3

        """

    /// The wipe's calls, as the fake host answers the list commands.
    static let wipeCalls = [
        "[network][nic][list]",
        "[network][ip][interface][list]",
        "[network][ip][interface][remove][-i][vmk0]",
        "[network][ip][interface][remove][-i][vmk1]",
        "[network][vswitch][standard][list]",
        "[network][vswitch][standard][remove][-v][vSwitch0]",
        "[network][ip][dns][server][remove][--all]",
        "[network][ip][dns][search][list]",
        "[network][ip][dns][search][remove][-d][old.example]",
        "[network][ip][dns][search][remove][-d][maas]",
    ]

    /// Runs `plan`'s script with `shell` on a fake host whose NIC list is `nics`; `failing` makes that call fail.
    static func run(_ plan: Plan, shell: String, nics: String = hostNICList, failing: String? = nil) async throws -> Run
    {
        let scratch = try ScratchDirectory(prefix: "esxi-script")
        defer { scratch.remove() }
        let bin = scratch.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // The ESXi shell's tools are busybox applets; only they (and the fake esxcli) are on PATH.
        for applet in ["sh", "grep", "awk", "sed", "tr", "cat", "printf"] {
            try FileManager.default.createSymbolicLink(
                atPath: bin + "/" + applet, withDestinationPath: "/usr/bin/busybox")
        }
        try scratch.write(fakeESXCLI, to: "bin/esxcli")
        chmod(bin + "/esxcli", 0o755)
        try scratch.write(nics, to: "nics")
        if let failing { try scratch.write(failing, to: "fail") }
        let script = plan.script(options: ScriptOptions(logPath: scratch.path + "/log", source: "test"))
        let scriptPath = try scratch.write(script, to: "apply.sh")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell == "dash" ? "/usr/bin/dash" : "/usr/bin/busybox")
        process.arguments = (shell == "dash" ? [] : ["sh"]) + [scriptPath]
        process.environment = ["PATH": bin, "FAKE_DIR": scratch.path]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let calls = (try? String(contentsOfFile: scratch.path + "/calls", encoding: .utf8)) ?? ""
        return Run(
            status: process.terminationStatus,
            calls: calls.split(separator: "\n").map(String.init),
            standardError: String(decoding: errorData, as: UTF8.self),
            log: (try? String(contentsOfFile: scratch.path + "/log", encoding: .utf8)) ?? "")
    }

    private static func bracketed(_ command: ESXCLICommand) -> String {
        command.arguments.map { "[\($0)]" }.joined()
    }

    private func bondPlan() throws -> Plan {
        try plan(TeamingTests.bondConfiguration(mode: "active-backup"), nics: TeamingTests.bondNICs)
    }

    @Test("checks the NICs, wipes as netplan-esxi does, applies every command and logs it", arguments: shells)
    func appliesThePlan(shell: String) async throws {
        let plan = try bondPlan()
        let run = try await Self.run(plan, shell: shell)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.calls == Self.wipeCalls + plan.commands.map(Self.bracketed))
        for command in plan.commands {
            #expect(run.log.contains("maas-network: + esxcli \(command.arguments.joined(separator: " "))\n"))
        }
        #expect(run.log.hasSuffix("maas-network: done\n"))
    }

    @Test("a NIC missing from the host stops the script before anything changes", arguments: shells)
    func missingNIC(shell: String) async throws {
        let nics = Self.hostNICList.replacingOccurrences(of: "52:54:00:00:00:02", with: "52:54:00:00:00:99")
        let run = try await Self.run(try bondPlan(), shell: shell, nics: nics)
        #expect(run.status == 1)
        #expect(run.calls == ["[network][nic][list]"])
        #expect(run.standardError.contains("vmnic1 with MAC 52:54:00:00:00:02 (eno2) is not on this host"))
        #expect(run.standardError.contains("nothing was changed"))
    }

    @Test("the first failing command stops the script with its status", arguments: shells)
    func stopsAtFirstFailure(shell: String) async throws {
        let plan = try bondPlan()
        let failing = Self.bracketed(plan.commands[4])
        let run = try await Self.run(plan, shell: shell, failing: failing)
        #expect(run.status == 7)
        #expect(run.calls == Self.wipeCalls + plan.commands.prefix(5).map(Self.bracketed))
        #expect(run.standardError.contains("failed with status 7: esxcli network vswitch standard policy failover set"))
    }

    @Test("a failing list command stops the wipe before anything is removed", arguments: shells)
    func failingList(shell: String) async throws {
        let run = try await Self.run(try bondPlan(), shell: shell, failing: "[network][ip][interface][list]")
        #expect(run.status == 7)
        #expect(run.calls == Array(Self.wipeCalls.prefix(2)))
    }

    @Test("values with shell metacharacters reach esxcli as one argument, unchanged", arguments: shells)
    func quoting(shell: String) async throws {
        let yaml = """
            network:
              version: 1
              config:
              - {type: physical, name: "it's $(touch /tmp/x) `id` *", mac_address: '52:54:00:00:00:01', subnets: [{type: dhcp4}]}
              - {type: nameserver, search: ["a;b", "*"]}
            """
        let plan = try plan(yaml, nics: ["vmnic0=52:54:00:00:00:01"])
        let run = try await Self.run(plan, shell: shell)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(
            run.calls.contains(
                "[network][vswitch][standard][portgroup][add][-p][it's $(touch /tmp/x) `id` *][-v][vSwitch0]"))
        #expect(
            run.calls.suffix(2) == [
                "[network][ip][dns][search][add][-d][a;b]", "[network][ip][dns][search][add][-d][*]",
            ])
    }
}
