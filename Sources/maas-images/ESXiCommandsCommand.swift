import ArgumentParser
import ESXiNetwork

/// `maas-images esxi commands`: the esxcli commands, first-boot script or JSON plan for one host.
struct ESXiCommandsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "Print the esxcli commands that apply a MAAS network configuration to an ESXi host.",
        discussion: """
            CONFIG is MAAS's network configuration: a whole curtin configuration (as in \
            /altbootbank/maas/curtin.cfg), a document with a top-level network: section, or the section itself; \
            version 1 (what MAAS sends for ESXi) or netplan version 2. Use - for standard input.

            The host's NICs are matched by MAC address: give each as --nic vmnicN=MAC, or the output of \
            'esxcli network nic list' with --nic-list FILE.

            Output: the commands that apply the plan, one per line (the wipe of the current configuration is \
            only in --script); with --script, a complete first-boot shell script for the ESXi shell that checks \
            the NICs, wipes, applies, logs and stops at the first failure; with --json, the plan. Warnings (what \
            ESXi cannot do as written, and what is done instead) go to standard error.
            """
    )

    @Argument(help: "The network configuration (YAML), or - for standard input.")
    var config: String

    @Option(
        name: .customLong("nic"),
        help: ArgumentHelp("A host NIC, as vmnicN=MAC (repeat for each).", valueName: "vmnicN=MAC"))
    var nics: [String] = []

    @Option(help: ArgumentHelp("A file with the output of 'esxcli network nic list'.", valueName: "FILE"))
    var nicList: String?

    @Flag(help: "Print a first-boot shell script instead of the commands.")
    var script = false

    @Flag(help: "Print the plan as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Where the script logs on the host (with --script).", valueName: "PATH"))
    var logPath = ScriptOptions().logPath

    func validate() throws {
        if nics.isEmpty == (nicList == nil) {
            throw ValidationError("give the host's NICs with --nic vmnicN=MAC or with --nic-list FILE (one of them)")
        }
        if script && json { throw ValidationError("--script and --json cannot be used together") }
        if config == "-" && nicList == "-" { throw ValidationError("CONFIG and --nic-list cannot both be -") }
    }

    func run() throws {
        try runReportingErrors {
            let configuration = try NetworkConfiguration(contentsOf: config)
            let host = try nicList.map { try HostNICs(contentsOfNICList: $0) } ?? HostNICs(pairs: nics)
            let plan = try Plan(for: configuration, on: host)
            for warning in plan.warnings {
                writeStandardError("warning: \(warning)\n")
            }
            var output = BufferedOutput()
            if script {
                output.write(plan.script(options: ScriptOptions(logPath: logPath, source: config)))
            } else if json {
                output.write(bytes: try JSONOutput.encode(plan))
            } else {
                for command in plan.commands {
                    output.write(command.commandLine + "\n")
                }
            }
            try output.flush()
        }
    }
}
