import Foundation
import TestSupport
import Testing
import Verification

/// Two OpenPGP keys made once per suite with the real `gpg` in a scratch GnuPG home: the stream's signing key, whose
/// public key is the verifier's keyring, and a stranger's key that is in no keyring. Documents are signed on demand
/// with `gpg --clearsign` and `gpg --armor --detach-sign`, as the MAAS producer signs them.
final class StreamSigner: Sendable {
    /// The signer of the running suite.
    @TaskLocal static var current: StreamSigner?

    /// Who signs a document.
    enum Key: Sendable {
        /// The stream's key, in ``keyring``.
        case trusted
        /// A key in no keyring.
        case stranger
    }

    /// The scratch directory; everything the fixture makes is in it.
    let directory: String
    /// The primary fingerprint of the stream's key.
    let fingerprint: String
    /// The primary fingerprint of the stranger's key.
    let strangerFingerprint: String
    /// The binary keyring with the stream's public key only.
    let keyringPath: String
    /// That keyring, loaded.
    let keyring: Keyring

    private var home: String { directory + "/home" }

    static let script = #"""
        set -e
        H="$1/home"
        mkdir -m 700 "$H"
        g() { gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
        fpr() { g --with-colons --list-keys "$1" | awk -F: '/^fpr/ { print $10; exit }'; }
        g --quick-gen-key 'Stream Signer <signer@example.org>' ed25519 sign 1y
        S=$(fpr signer@example.org)
        g --quick-gen-key 'Stranger <stranger@example.org>' ed25519 sign 1y
        X=$(fpr stranger@example.org)
        g --export "$S" > "$1/signer.gpg"
        echo "$S $X" > "$1/fingerprints"
        """#

    init() async throws {
        directory = try ScratchDirectory.makeTemporaryDirectory(prefix: "simplestreams-gpg")
        do {
            try await Tool.run("/bin/sh", ["-c", Self.script, "sh", directory], check: true)
            let names = try String(contentsOfFile: directory + "/fingerprints", encoding: .utf8)
                .split(whereSeparator: \.isWhitespace).map(String.init)
            guard names.count == 2 else { throw ToolFailure(description: "fixture fingerprints: \(names)") }
            (fingerprint, strangerFingerprint) = (names[0], names[1])
            keyringPath = directory + "/signer.gpg"
            keyring = try Keyring(contentsOf: keyringPath)
        } catch {
            await Self.tearDown(directory)
            throw error
        }
    }

    /// Stops the agent of the scratch home and removes the directory.
    static func tearDown(_ directory: String) async {
        _ = try? await Tool.run("gpgconf", ["--homedir", directory + "/home", "--kill", "all"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The signer of the running suite; fails the test if the suite has no ``StreamSignerTrait``.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> StreamSigner {
        try #require(current, "the suite needs the .streamSigner trait", sourceLocation: sourceLocation)
    }

    /// `gpg --clearsign` of `bytes`.
    func clearsign(_ bytes: [UInt8], by key: Key = .trusted) async throws -> [UInt8] {
        try await sign(bytes, by: key, mode: ["--clearsign"])
    }

    /// `gpg --armor --detach-sign` of `bytes`.
    func detachSign(_ bytes: [UInt8], by key: Key = .trusted) async throws -> [UInt8] {
        try await sign(bytes, by: key, mode: ["--armor", "--detach-sign"])
    }

    private func sign(_ bytes: [UInt8], by key: Key, mode: [String]) async throws -> [UInt8] {
        let name = UUID().uuidString
        let input = directory + "/\(name).in"
        let output = directory + "/\(name).out"
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let user = (key == .trusted ? fingerprint : strangerFingerprint) + "!"
        try await Tool.run(
            "gpg",
            [
                "--homedir", home, "--batch", "--quiet", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "",
                "-u", user, "-o", output,
            ] + mode + [input], check: true)
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }
}

/// A suite trait that builds the ``StreamSigner`` before the suite and removes it after.
struct StreamSignerTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let signer = try await StreamSigner()
        do {
            try await StreamSigner.$current.withValue(signer) {
                try await function()
            }
        } catch {
            await StreamSigner.tearDown(signer.directory)
            throw error
        }
        await StreamSigner.tearDown(signer.directory)
    }
}

extension Trait where Self == StreamSignerTrait {
    /// Gives the suite a ``StreamSigner``.
    static var streamSigner: Self { StreamSignerTrait() }
}
