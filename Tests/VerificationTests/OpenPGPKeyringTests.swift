import Foundation
import TestSupport
import Testing

@testable import Verification

extension OpenPGPTests {
    /// Reading keyrings: binary and armored, one and many keys, listing, empty and unreadable keyrings.
    @Suite("keyring")
    struct KeyringTests {
        @Test("binary and armored forms list the same key", arguments: ["alice.gpg", "alice.asc"])
        func single(_ name: String) throws {
            let fixture = try OpenPGPFixture.require()
            let keyring = try Keyring(contentsOf: fixture.path(name))
            #expect(keyring.keys.count == 1)
            let key = try #require(keyring.keys.first)
            #expect(key.fingerprint == fixture.alice)
            #expect(key.keyID == String(fixture.alice.suffix(16)))
            #expect(key.userIDs == ["Alice <alice@example.org>"])
            #expect(key.subkeys.map(\.fingerprint) == [fixture.alice, fixture.aliceSubkey])
            let signing = key.subkeys.filter { $0.canSign }
            #expect(signing.count == 2)
            #expect(key.creationDate != nil)
            let expiry = try #require(key.expirationDate)
            #expect(expiry.timeIntervalSinceNow > 300 * 86_400)
            #expect(!key.isRevoked && !key.isExpired)
            #expect(keyring.key(containing: fixture.aliceSubkey)?.fingerprint == fixture.alice)
            #expect(keyring.key(containing: String(fixture.aliceSubkey.suffix(16)).lowercased()) != nil)
            #expect(keyring.key(containing: fixture.bob) == nil)
        }

        @Test(
            "several keys, binary and armored, from a file and from bytes",
            arguments: ["alice-bob.gpg", "alice-bob.asc"])
        func several(_ name: String) throws {
            let fixture = try OpenPGPFixture.require()
            let fromFile = try Keyring(contentsOf: fixture.path(name))
            let fromBytes = try Keyring(bytes: fixture.bytes(name))
            #expect(Set(fromFile.keys.map(\.fingerprint)) == [fixture.alice, fixture.bob])
            #expect(fromFile.keys == fromBytes.keys)
        }

        @Test("revoked and expired flags")
        func flags() throws {
            let fixture = try OpenPGPFixture.require()
            let revoked = try #require(try Keyring(contentsOf: fixture.path("revoked.gpg")).keys.first)
            #expect(revoked.fingerprint == fixture.revoked)
            #expect(revoked.isRevoked)
            let old = try #require(try Keyring(contentsOf: fixture.path("old.gpg")).keys.first)
            #expect(old.isExpired)
            #expect((old.expirationDate?.timeIntervalSinceNow ?? 0) < 0)
        }

        @Test("empty keyrings are refused", arguments: [[], Array("\n \n".utf8)] as [[UInt8]])
        func empty(_ bytes: [UInt8]) throws {
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in try Keyring(bytes: bytes) }
            guard case .failure(let error) = outcome else {
                Issue.record("an empty keyring was accepted")
                return
            }
            #expect(error.code == .emptyKeyring)
        }

        @Test("an empty keyring file is refused, naming the file")
        func emptyFile() throws {
            let fixture = try OpenPGPFixture.require()
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in
                try Keyring(contentsOf: fixture.path("empty.gpg"))
            }
            guard case .failure(let error) = outcome else {
                Issue.record("an empty keyring was accepted")
                return
            }
            #expect(error.code == .emptyKeyring)
            #expect(error.message.contains("empty.gpg"))
        }

        @Test("bytes that hold no key are refused")
        func garbage() throws {
            let fixture = try OpenPGPFixture.require()
            for bytes in [Array("this is not a keyring\n".utf8), try fixture.bytes("good.sjson")] {
                let outcome = OpenPGPTests.outcome { () throws(VerificationError) in try Keyring(bytes: bytes) }
                guard case .failure(let error) = outcome else {
                    Issue.record("garbage was accepted as a keyring")
                    continue
                }
                #expect(error.code == .emptyKeyring || error.code == .malformedInput, "\(error)")
            }
        }

        @Test("a missing keyring file is an io error")
        func missing() throws {
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in
                try Keyring(contentsOf: "/nonexistent/keyring.gpg")
            }
            guard case .failure(let error) = outcome else {
                Issue.record("no error")
                return
            }
            #expect(error.code == .io)
            #expect(error.message.contains("/nonexistent/keyring.gpg"))
        }

        @Test("the real Ubuntu Cloud Image Builder key, binary and armored", arguments: ["gpg", "asc"])
        func cloudImageBuilder(_ format: String) throws {
            let keyring = try Keyring(
                contentsOf: try OpenPGPFixture.resource("ubuntu-cloud-image-builder-476CF100." + format))
            #expect(keyring.keys.map(\.fingerprint) == ["4A3CE3CD565D7EB5C810E2B97FF3F408476CF100"])
            #expect(keyring.keys.first?.userIDs.first?.contains("Ubuntu Cloud Image Builder") == true)
        }

        @Test("a real binary keyring of several keys lists what gpg --show-keys lists")
        func realKeyring() async throws {
            let fixture = try OpenPGPFixture.require()
            let path = try OpenPGPFixture.resource("maas-images-keyring.gpg")
            let keyring = try Keyring(contentsOf: path)
            let home = fixture.path("show-keys-home")
            try FileManager.default.createDirectory(
                atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let listing = try await Tool.run(
                "gpg", ["--homedir", home, "--batch", "--no-autostart", "--with-colons", "--show-keys", path],
                check: true)
            let fingerprints = listing.outputText.split(separator: "\n")
                .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
                .reduce(into: (previous: "", found: [String]())) { state, fields in
                    if fields.first == "fpr", state.previous == "pub", fields.count > 9 {
                        state.found.append(fields[9])
                    }
                    state.previous = fields.first ?? ""
                }.found
            #expect(keyring.keys.count > 1)
            #expect(keyring.keys.map(\.fingerprint) == fingerprints)
        }

        @Test("the MAAS default keyring path")
        func defaultPath() {
            #expect(Keyring.maasDefaultPath == "/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg")
        }
    }
}
