import ArgumentParser

/// `maas-images verify`: check OpenPGP signatures and file checksums.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check OpenPGP signatures and file sizes and digests, as MAAS does before trusting an image.",
        subcommands: [VerifySignatureCommand.self, VerifyChecksumCommand.self]
    )
}
