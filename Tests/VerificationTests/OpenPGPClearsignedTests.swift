import Foundation
import Testing

@testable import Verification

extension OpenPGPTests {
    /// Clearsigned documents: every verdict compared with `gpgv --status-fd 1` on the same document and keyring.
    @Suite("clearsigned")
    struct ClearsignedTests {
        /// What the policy should conclude.
        enum Expected: Sendable {
            /// Accepted, signed by this primary key (a closure of the fixture).
            case accepted(@Sendable (OpenPGPFixture) -> String)
            /// Rejected with this code, in agreement with gpgv (which reports the matching status keyword).
            case rejected(VerificationError.Code)
            /// Rejected with this code by the framing rules, although gpgv accepts the document (a documented
            /// difference: gpgv ignores text outside the signed block).
            case rejectedThoughGpgvAccepts(VerificationError.Code)
            /// Rejected with this code; gpgv rejects it too.
            case rejectedAsGpgvDoes(VerificationError.Code)
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var testDescription: String
            /// The document's bytes, from the fixture.
            var document: @Sendable (OpenPGPFixture) throws -> [UInt8]
            /// The keyring given to the verifier (any format).
            var keyring: String
            /// The binary keyring given to gpgv.
            var gpgvKeyring: String
            var expected: Expected
        }

        static func file(_ name: String) -> @Sendable (OpenPGPFixture) throws -> [UInt8] {
            { try $0.bytes(name) }
        }

        static func edited(_ name: String, _ edit: @escaping @Sendable (String) -> String)
            -> @Sendable (OpenPGPFixture) throws -> [UInt8]
        {
            { Array(edit(String(decoding: try $0.bytes(name), as: UTF8.self)).utf8) }
        }

        static let cases: [Case] = [
            Case(
                testDescription: "good, binary keyring", document: file("good.sjson"), keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "good, armored keyring", document: file("good.sjson"), keyring: "alice.asc",
                gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "good, armored keyring of two keys", document: file("good.sjson"),
                keyring: "alice-bob.asc", gpgvKeyring: "alice-bob.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "signed by a subkey: the primary fingerprint is reported",
                document: file("subkey.sjson"),
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "two signatures, the second by an unknown key", document: file("two.sjson"),
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "two signatures, the first by an unknown key", document: file("two.sjson"),
                keyring: "bob.gpg", gpgvKeyring: "bob.gpg", expected: .accepted { $0.bob }),
            Case(
                testDescription: "wrong key", document: file("bob.sjson"), keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", expected: .rejected(.unknownSigner)),
            Case(
                testDescription: "tampered payload",
                document: edited("good.sjson") { $0.replacingOccurrences(of: "products:1.0", with: "products:1.1") },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .rejected(.badSignature)),
            Case(
                testDescription: "tampered payload, two signatures",
                document: edited("two.sjson") { $0.replacingOccurrences(of: "\"end\": true", with: "\"end\": false") },
                keyring: "alice-bob.gpg", gpgvKeyring: "alice-bob.gpg", expected: .rejected(.badSignature)),
            Case(
                testDescription: "dash-escaping removed from a body line",
                document: edited("good.sjson") { $0.replacingOccurrences(of: "- - a line", with: "- a line") },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .rejected(.badSignature)),
            Case(
                testDescription: "expired key (signed before it expired)", document: file("expired-key.sjson"),
                keyring: "old.gpg", gpgvKeyring: "old.gpg", expected: .rejected(.expiredKey)),
            Case(
                testDescription: "expired signature", document: file("expired-sig.sjson"), keyring: "ancient.gpg",
                gpgvKeyring: "ancient.gpg", expected: .rejected(.expiredSignature)),
            Case(
                testDescription: "revoked key", document: file("revoked.sjson"), keyring: "revoked.gpg",
                gpgvKeyring: "revoked.gpg", expected: .rejected(.revokedKey)),
            Case(
                testDescription: "trailing whitespace added to body lines (not signed)",
                document: edited("good.sjson") {
                    $0.replacingOccurrences(of: "\"end\": true}\n", with: "\"end\": true} \t \n")
                        .replacingOccurrences(of: "indented\n", with: "indented   \n")
                },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "whitespace after the signature block",
                document: edited("good.sjson") { $0 + "\n \t\r\n\n" },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "CRLF line ends",
                document: edited("good.sjson") { $0.replacingOccurrences(of: "\n", with: "\r\n") },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .accepted { $0.alice }),
            Case(
                testDescription: "text after the signature block",
                document: edited("good.sjson") { $0 + "{\"evil\": 1}\n" },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .rejectedThoughGpgvAccepts(.malformedInput)),
            Case(
                testDescription: "text before the signed block",
                document: edited("good.sjson") { "{\"evil\": 1}\n" + $0 },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .rejectedThoughGpgvAccepts(.malformedInput)),
            Case(
                testDescription: "a blank line before the signed block", document: edited("good.sjson") { "\n" + $0 },
                keyring: "alice.gpg", gpgvKeyring: "alice.gpg", expected: .rejectedThoughGpgvAccepts(.malformedInput)),
            Case(
                testDescription: "two clearsigned blocks",
                document: { Array(try $0.bytes("good.sjson") + $0.bytes("subkey.sjson")) }, keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", expected: .rejectedAsGpgvDoes(.malformedInput)),
            Case(
                testDescription: "not signed at all", document: file("payload.txt"), keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", expected: .rejectedAsGpgvDoes(.noSignature)),
            Case(
                testDescription: "signature block removed",
                document: edited("good.sjson") { text in
                    String(text[..<(text.range(of: "\n-----BEGIN PGP SIGNATURE-----\n")?.upperBound ?? text.endIndex)])
                }, keyring: "alice.gpg",
                gpgvKeyring: "alice.gpg", expected: .rejectedAsGpgvDoes(.malformedInput)),
        ]

        @Test("verdict agrees with gpgv", arguments: cases)
        func verdict(_ testCase: Case) async throws {
            let fixture = try OpenPGPFixture.require()
            let document = try testCase.document(fixture)
            let file = try fixture.write(document, name: "document.sjson")
            let oracle = try await GpgvVerdict.check(
                keyring: fixture.path(testCase.gpgvKeyring), file: file, scratch: fixture.directory)
            let verifier = try OpenPGPTests.verifier(testCase.keyring)
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyClearsigned(document)
            }
            switch testCase.expected {
            case .accepted(let signer):
                #expect(oracle.policyAccepts, "\(oracle)")
                let accepted = try outcome.get()
                #expect(accepted.signature.primaryKeyFingerprint == signer(fixture))
                #expect(oracle.goodPrimaryFingerprints.contains(accepted.signature.primaryKeyFingerprint))
                #expect(accepted.payload == oracle.payload, "payload differs from gpgv --output")
                // The same through the file API.
                let fromFile = try verifier.verifyClearsigned(contentsOf: file)
                #expect(fromFile == accepted)
            case .rejected(let code):
                #expect(!oracle.policyAccepts, "\(oracle)")
                if let keyword = OpenPGPTests.gpgvKeyword(for: code) {
                    #expect(oracle.keywords.contains(keyword), "\(oracle)")
                }
                guard case .failure(let error) = outcome else {
                    Issue.record("accepted, expected \(code)")
                    return
                }
                #expect(error.code == code, "\(error)")
                if code == .unknownSigner, let missing = oracle.missingKeyIDs.first {
                    #expect(error.keyID?.hasSuffix(missing) == true, "\(error) vs \(missing)")
                }
            case .rejectedThoughGpgvAccepts(let code):
                #expect(oracle.policyAccepts, "\(oracle)")
                guard case .failure(let error) = outcome else {
                    Issue.record("accepted, expected \(code)")
                    return
                }
                #expect(error.code == code, "\(error)")
            case .rejectedAsGpgvDoes(let code):
                #expect(oracle.status != 0, "\(oracle)")
                guard case .failure(let error) = outcome else {
                    Issue.record("accepted, expected \(code)")
                    return
                }
                #expect(error.code == code, "\(error)")
            }
        }

        @Test("the payload is gpg's: dash-escaping undone, headers gone, trailing whitespace dropped")
        func payload() throws {
            let fixture = try OpenPGPFixture.require()
            let document = try OpenPGPTests.verifier("alice.gpg").verifyClearsigned(
                contentsOf: fixture.path("good.sjson"))
            let original = String(decoding: try fixture.bytes("payload.txt"), as: UTF8.self)
            let expected = original.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                String(line.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            }.joined(separator: "\n")
            #expect(String(decoding: document.payload, as: UTF8.self) == expected)
            let text = String(decoding: document.payload, as: UTF8.self)
            #expect(text.contains("\n- a line that starts with a dash\n"))
            #expect(text.contains("\n-----BEGIN PGP SIGNATURE----- in the body\n"))
            #expect(!text.contains("Hash:"))
            #expect(document.signature.hashAlgorithm.hasPrefix("SHA"))
            #expect(abs(document.signature.creationDate.timeIntervalSinceNow) < 3600)
            #expect(document.signature.userIDs == ["Alice <alice@example.org>"])
        }

        @Test("a subkey signature names the subkey as the signing key")
        func subkey() throws {
            let fixture = try OpenPGPFixture.require()
            let document = try OpenPGPTests.verifier("alice.gpg").verifyClearsigned(
                contentsOf: fixture.path("subkey.sjson"))
            #expect(document.signature.primaryKeyFingerprint == fixture.alice)
            #expect(document.signature.signingKeyFingerprint == fixture.aliceSubkey)
        }

        @Test("errors never carry the unverified payload")
        func noPayloadInErrors() throws {
            let fixture = try OpenPGPFixture.require()
            let tampered = String(decoding: try fixture.bytes("good.sjson"), as: UTF8.self)
                .replacingOccurrences(of: "products:1.0", with: "SECRET-MARKER")
            let verifier = try OpenPGPTests.verifier("alice.gpg")
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyClearsigned(Array(tampered.utf8))
            }
            guard case .failure(let error) = outcome else {
                Issue.record("a tampered document was accepted")
                return
            }
            #expect(!"\(error)".contains("SECRET-MARKER"))
            #expect(!String(reflecting: error).contains("SECRET-MARKER"))
        }

        @Test("real 2013 simplestreams document: key expired since, rejected as gpgv flags it (EXPKEYSIG)")
        func legacy() async throws {
            let fixture = try OpenPGPFixture.require()
            let document = try OpenPGPFixture.resource("cirros-streams.sjs")
            for keyring in ["simplestreams-example-3967536E.gpg", "simplestreams-example-3967536E.asc"] {
                let verifier = SignatureVerifier(keyring: try Keyring(contentsOf: try OpenPGPFixture.resource(keyring)))
                let outcome = OpenPGPTests.outcome { () throws(VerificationError) in
                    try verifier.verifyClearsigned(contentsOf: document)
                }
                guard case .failure(let error) = outcome else {
                    Issue.record("accepted a signature by an expired key")
                    continue
                }
                #expect(error.code == .expiredKey, "\(error)")
                #expect(error.keyID == "198E8D3C27227898CB4D413CA9714A203967536E")
            }
            let oracle = try await GpgvVerdict.check(
                keyring: try OpenPGPFixture.resource("simplestreams-example-3967536E.gpg"), file: document,
                scratch: fixture.directory)
            #expect(oracle.keywords.contains("EXPKEYSIG"), "\(oracle)")
        }

        @Test("a missing document file is an io error naming it")
        func missingFile() throws {
            let verifier = try OpenPGPTests.verifier("alice.gpg")
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyClearsigned(contentsOf: "/nonexistent/index.sjson")
            }
            guard case .failure(let error) = outcome else {
                Issue.record("no error")
                return
            }
            #expect(error.code == .io)
            #expect(error.message.contains("/nonexistent/index.sjson"))
        }
    }
}
