import ArgumentParser

/// `maas-images boot`: MAAS boot assets.
struct BootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot",
        abstract: "Type MAAS boot assets: list the boot resources of a stream, identify boot files by content.",
        subcommands: [BootIdentifyCommand.self]
    )
}
