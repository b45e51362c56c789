import Foundation
import TestSupport
import Testing

@testable import Verification

/// Tests of the OpenPGP half of `Verification`, on keys and documents made with the real gpg for the suite, each
/// verdict compared with `gpgv`. The nested suites live in extensions in their own files.
@Suite(.openPGPFixture)
struct OpenPGPTests {
    /// The verifier for a keyring file made by the fixture.
    static func verifier(_ keyring: String) throws -> SignatureVerifier {
        let fixture = try OpenPGPFixture.require()
        return SignatureVerifier(keyring: try Keyring(contentsOf: fixture.path(keyring)))
    }

    /// The gpgv status keyword that corresponds to a rejection code of the policy.
    static func gpgvKeyword(for code: VerificationError.Code) -> String? {
        switch code {
        case .badSignature: "BADSIG"
        case .expiredKey: "EXPKEYSIG"
        case .revokedKey: "REVKEYSIG"
        case .expiredSignature: "EXPSIG"
        case .unknownSigner: "ERRSIG"
        default: nil
        }
    }

    /// Runs `body` and returns its error (or `nil`, and the value, if it succeeded).
    static func outcome<T>(_ body: () throws(VerificationError) -> T) -> Result<T, VerificationError> {
        do {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    @Test("no gpg-agent is left running in any home the tests or the library made")
    func noAgents() async throws {
        let fixture = try OpenPGPFixture.require()
        // Use the library a few times first, including a keyring that is dropped at once.
        _ = try Keyring(contentsOf: fixture.path("alice-bob.asc"))
        _ = try Self.verifier("alice.gpg").verifyClearsigned(contentsOf: fixture.path("good.sjson"))
        let result = try await Tool.run("pgrep", ["-a", "gpg-agent"])
        let agents = result.outputText.split(separator: "\n").filter {
            $0.contains("maas-gnupg") || $0.contains(fixture.directory)
        }
        #expect(agents.isEmpty, "\(agents)")
    }

    @Test("a keyring's private home has mode 0700, no-autostart, and is removed with the last copy")
    func homeLifetime() throws {
        let fixture = try OpenPGPFixture.require()
        var path = ""
        do {
            let keyring = try Keyring(contentsOf: fixture.path("alice.gpg"))
            path = keyring.home.path
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            let configuration = try String(contentsOfFile: path + "/gpg.conf", encoding: .utf8)
            #expect(configuration.contains("no-autostart"))
            let verifier = SignatureVerifier(keyring: keyring)
            _ = try verifier.verifyClearsigned(contentsOf: fixture.path("good.sjson"))
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!path.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        #expect(!path.hasPrefix(home + "/.gnupg"))
    }

    @Test("many concurrent verifications with one verifier all succeed")
    func concurrent() async throws {
        let fixture = try OpenPGPFixture.require()
        let verifier = try Self.verifier("alice-bob.gpg")
        let document = try fixture.bytes("good.sjson")
        let signature = try fixture.bytes("data.bin.gpg")
        let data = fixture.path("data.bin")
        let alice = fixture.alice
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<24 {
                group.addTask {
                    if index % 3 == 0 {
                        return try verifier.verifyDetached(signature: signature, contentsOf: data).primaryKeyFingerprint
                    }
                    return try verifier.verifyClearsigned(document).signature.primaryKeyFingerprint
                }
            }
            var collected: [String] = []
            for try await fingerprint in group { collected.append(fingerprint) }
            return collected
        }
        #expect(results.count == 24)
        #expect(results.allSatisfy { $0 == alice })
    }
}
