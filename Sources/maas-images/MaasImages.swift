import ArgumentParser

/// The `maas-images` command: MAAS boot images from the command line.
@main
struct MaasImages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maas-images",
        abstract: "Inspect, verify and mirror MAAS boot images.",
        version: "0.2.0",
        subcommands: [
            SquashFSCommand.self, StreamsCommand.self, BootCommand.self, ESXiCommand.self, VerifyCommand.self,
            DemoCommand.self,
        ]
    )

    /// Parses the arguments and runs the command. Every failure, a usage error included, is reported as
    /// `error: ...` on standard error with exit status 1 (usage errors followed by the usage); `--help` and
    /// `--version` exit with status 0, and a command's own exit status (2 for a manifest difference, 130 or 143 after
    /// a signal) is kept. A command with an ``ErrorExitStatus`` (`streams diff`: 2) has its usage errors exit with it.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let status as ExitCode {
            exit(withError: status)
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            var text = fullMessage(for: error)
            if text.hasPrefix("Error: ") { text = "error: " + text.dropFirst("Error: ".count) }
            if !text.hasPrefix("error: ") { text = "error: " + text }
            writeStandardError(printableMessage(text) + (text.hasSuffix("\n") ? "" : "\n"))
            exit(withError: errorExitStatus(arguments: CommandLine.arguments.dropFirst()))
        }
    }
}
