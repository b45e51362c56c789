import ArgumentParser
import FoundationEssentials
import SystemLayer
import SystemPackage
import Verification

/// `maas-images verify signature`: check a clearsigned document or a detached signature against a keyring.
struct VerifySignatureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signature",
        abstract: "Check an OpenPGP signature against a keyring, as MAAS does before trusting stream metadata.",
        discussion: """
            Without --signature, FILE must be a clearsigned document (a simplestreams .sjson) and nothing but \
            whitespace may surround its signed block. With --signature, SIG is a detached signature (binary .gpg or \
            armored .asc) over FILE. A signature is accepted when it is good and made by a key in KEYRING (binary or \
            armored); expired and revoked keys are rejected. On success the signer's primary key fingerprint is \
            printed and the exit status is 0; otherwise the reason is printed on standard error and the status is 1. \
            FILE, SIG and KEYRING must be regular files (a FIFO or a device is refused); a keyring is read up to \
            16 MiB, a signature up to 1 MiB and a clearsigned document up to 64 MiB.
            """
    )

    @Argument(help: "The clearsigned document, or the signed file when --signature is given.")
    var file: String

    @Option(help: "The keyring of trusted keys (binary or ASCII-armored).")
    var keyring: String

    @Option(help: "A detached signature over FILE (binary or ASCII-armored).")
    var signature: String?

    @Option(help: "Write the verified payload of the clearsigned FILE here (only after the signature is accepted).")
    var output: String?

    func validate() throws {
        if signature != nil && output != nil {
            throw ValidationError("--output applies to clearsigned documents; FILE itself is the signed data")
        }
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            try Self.verify(file: file, keyring: keyring, signature: signature, output: output)
        }
    }

    /// Checks the signature and prints the signer.
    private static func verify(file: String, keyring: String, signature: String?, output: String?) throws {
        let verifier = SignatureVerifier(keyring: try Keyring(contentsOf: keyring))
        let accepted: VerifiedSignature
        if let signature {
            accepted = try verifier.verifyDetached(signatureFile: signature, contentsOf: file)
        } else {
            let document = try verifier.verifyClearsigned(contentsOf: file)
            if let output { try Self.replaceFile(output, with: document.payload) }
            accepted = document.signature
        }
        var text = "Good signature from \(SignatureReport.signer(accepted))"
        text += "\nmade \(accepted.creationDate.formatted(.iso8601)) with \(accepted.hashAlgorithm)"
        if accepted.signingKeyFingerprint != accepted.primaryKeyFingerprint {
            text += " by subkey \(accepted.signingKeyFingerprint)"
        }
        try writeStandardOutput(Array((text + "\n").utf8))
    }

    /// Writes `bytes` to a temporary file in the destination's directory and renames it over `path`, so that `path`
    /// never holds a partial payload.
    static func replaceFile(_ path: String, with bytes: [UInt8]) throws {
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
        guard !name.isEmpty else { throw CLIError("--output \(path) names a directory") }
        // A new file beside it, written, flushed and renamed over it, with the mode a newly created file would have.
        let permissions: FilePermissions = [.ownerReadWrite, .groupReadWrite, .otherReadWrite]
        try DirectoryDescriptor.open(directory, followsSymbolicLink: true)
            .writeAtomically(bytes, to: Array(name.utf8), permissions: permissions)
    }
}
