import ArgumentParser
import SimpleStreams

/// A command whose failures, usage errors included, exit with a status of its own rather than 1.
protocol ErrorExitStatus {
    /// The exit status of every failure of the command.
    static var errorExitStatus: ExitCode { get }
}

extension MaasImages {
    /// The exit status of a failure to parse `arguments` (the command line without the program name): the
    /// ``ErrorExitStatus`` of the command the leading arguments name (following subcommand names from the root),
    /// or 1.
    static func errorExitStatus(arguments: some Sequence<String>) -> ExitCode {
        var command: any ParsableCommand.Type = MaasImages.self
        for argument in arguments {
            let next = command.configuration.subcommands.first { subcommand in
                ([subcommand._commandName] + subcommand.configuration.aliases).contains {
                    $0.hasSameBytes(as: argument)
                }
            }
            guard let next else { break }
            command = next
        }
        return (command as? any ErrorExitStatus.Type)?.errorExitStatus ?? .failure
    }
}
