import ArgumentParser

/// The `maas-images` command: MAAS boot images from the command line.
@main
struct MaasImages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maas-images",
        abstract: "Inspect, verify and mirror MAAS boot images.",
        version: "0.1.0",
        subcommands: [
            SquashFSCommand.self, StreamsCommand.self, BootCommand.self, ESXiCommand.self, VerifyCommand.self,
            DemoCommand.self,
        ]
    )
}
