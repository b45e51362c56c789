import ArgumentParser

/// `maas-images esxi`: MAAS network configuration for VMware ESXi hosts.
struct ESXiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esxi",
        abstract: "Translate MAAS network configuration for VMware ESXi (vSwitches, port groups, vmknics, teaming).",
        subcommands: [ESXiCommandsCommand.self]
    )
}
