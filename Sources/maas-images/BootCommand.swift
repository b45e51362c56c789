import ArgumentParser

/// `maas-images boot`: MAAS boot assets.
struct BootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot",
        abstract: "Type MAAS boot assets: list a stream's boot resources, choose boot sets, identify files by content.",
        subcommands: [BootListCommand.self, BootSetCommand.self, BootIdentifyCommand.self]
    )
}
