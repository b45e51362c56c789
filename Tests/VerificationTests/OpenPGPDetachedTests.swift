import Foundation
import Testing

@testable import Verification

extension OpenPGPTests {
    /// Detached signatures over files (streamed) and bytes, compared with `gpgv SIG DATA`.
    @Suite("detached")
    struct DetachedTests {
        struct Case: Sendable, CustomTestStringConvertible {
            var testDescription: String
            var signature: String
            /// The signed data: the fixture's data.bin, or a tampered copy.
            var tampered: Bool = false
            var keyring: String
            var gpgvKeyring: String
            /// `nil` if accepted (by Alice), else the rejection code.
            var rejection: VerificationError.Code?
        }

        static let cases: [Case] = [
            Case(
                testDescription: "binary signature", signature: "data.bin.gpg", keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg"),
            Case(
                testDescription: "armored signature, armored keyring", signature: "data.bin.asc", keyring: "alice.asc",
                gpgvKeyring: "alice.gpg"),
            Case(
                testDescription: "subkey signature", signature: "data.bin.subkey.gpg", keyring: "alice-bob.asc",
                gpgvKeyring: "alice-bob.gpg"),
            Case(
                testDescription: "tampered data", signature: "data.bin.gpg", tampered: true, keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", rejection: .badSignature),
            Case(
                testDescription: "wrong key", signature: "data.bin.bob.gpg", keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", rejection: .unknownSigner),
            Case(
                testDescription: "revoked key", signature: "data.bin.revoked.gpg", keyring: "revoked.gpg",
                gpgvKeyring: "revoked.gpg", rejection: .revokedKey),
        ]

        @Test("verdict agrees with gpgv, over a file and over bytes", arguments: cases)
        func verdict(_ testCase: Case) async throws {
            let fixture = try OpenPGPFixture.require()
            var data = fixture.path("data.bin")
            if testCase.tampered {
                var bytes = try fixture.bytes("data.bin")
                bytes[bytes.count / 2] ^= 0x01
                data = try fixture.write(bytes, name: "tampered.bin")
            }
            let oracle = try await GpgvVerdict.check(
                keyring: fixture.path(testCase.gpgvKeyring), file: fixture.path(testCase.signature), data: data,
                scratch: fixture.directory)
            let verifier = try OpenPGPTests.verifier(testCase.keyring)
            let signature = try fixture.bytes(testCase.signature)
            let dataBytes = Array(try Data(contentsOf: URL(fileURLWithPath: data)))
            let outcomes = [
                OpenPGPTests.outcome { () throws(VerificationError) in
                    try verifier.verifyDetached(signature: signature, contentsOf: data)
                },
                OpenPGPTests.outcome { () throws(VerificationError) in
                    try verifier.verifyDetached(signature: signature, data: dataBytes)
                },
                OpenPGPTests.outcome { () throws(VerificationError) in
                    try verifier.verifyDetached(signatureFile: fixture.path(testCase.signature), contentsOf: data)
                },
            ]
            for outcome in outcomes {
                switch (testCase.rejection, outcome) {
                case (nil, .success(let accepted)):
                    #expect(oracle.policyAccepts, "\(oracle)")
                    #expect(accepted.primaryKeyFingerprint == fixture.alice)
                    #expect(oracle.goodPrimaryFingerprints == [accepted.primaryKeyFingerprint])
                case (nil, .failure(let error)):
                    Issue.record("rejected: \(error); gpgv: \(oracle)")
                case (.some(let code), .success):
                    Issue.record("accepted, expected \(code); gpgv: \(oracle)")
                case (.some(let code), .failure(let error)):
                    #expect(!oracle.policyAccepts, "\(oracle)")
                    if let keyword = OpenPGPTests.gpgvKeyword(for: code) {
                        #expect(oracle.keywords.contains(keyword), "\(oracle)")
                    }
                    #expect(error.code == code, "\(error)")
                }
            }
        }

        @Test("not a signature: a signed message, empty bytes, a missing file")
        func notSignatures() async throws {
            let fixture = try OpenPGPFixture.require()
            let verifier = try OpenPGPTests.verifier("alice.gpg")
            // The 2013 .js.gpg is a signed message, not a detached signature; gpgv refuses it too.
            let message = try OpenPGPFixture.resource("cirros-streams.js.gpg")
            let js = try OpenPGPFixture.resource("cirros-streams.js")
            let oracle = try await GpgvVerdict.check(
                keyring: try OpenPGPFixture.resource("simplestreams-example-3967536E.gpg"), file: message, data: js,
                scratch: fixture.directory)
            #expect(oracle.status != 0)
            let legacy = SignatureVerifier(
                keyring: try Keyring(contentsOf: try OpenPGPFixture.resource("simplestreams-example-3967536E.gpg")))
            let outcomes = [
                OpenPGPTests.outcome { () throws(VerificationError) in
                    try legacy.verifyDetached(signatureFile: message, contentsOf: js)
                },
                OpenPGPTests.outcome { () throws(VerificationError) in
                    try verifier.verifyDetached(signature: [], data: [1, 2, 3])
                },
                OpenPGPTests.outcome { () throws(VerificationError) in
                    try verifier.verifyDetached(signature: Array("junk".utf8), contentsOf: fixture.path("data.bin"))
                },
            ]
            for outcome in outcomes {
                if case .success = outcome { Issue.record("accepted something that is not a detached signature") }
            }
            let missing = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyDetached(
                    signatureFile: fixture.path("data.bin.gpg"), contentsOf: "/nonexistent/data")
            }
            guard case .failure(let error) = missing else {
                Issue.record("no error for a missing data file")
                return
            }
            #expect(error.code == .io)
        }
    }
}
