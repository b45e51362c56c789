import ArgumentParser

/// `maas-images streams`: read simplestreams catalogues.
struct StreamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams",
        abstract: "Read, query and mirror signed simplestreams catalogues (images.maas.io mirrors).",
        subcommands: [
            StreamsQueryCommand.self, StreamsMirrorCommand.self, StreamsDiffCommand.self, StreamsVerifyCommand.self,
            StreamsRemoveCommand.self, StreamsCopyCommand.self,
        ]
    )
}
