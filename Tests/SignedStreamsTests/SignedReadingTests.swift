import Foundation
import SignedStreams
import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport
import Testing
import Verification

@Suite("Reading: signed mirrors", .streamSigner)
struct SignedReadingTests {
    static let download = "com.example.maas:stable:v3:download"
    static let bootloaders = "com.example.maas:stable:1:bootloader-download"

    /// A mirror with two products documents, published as the producer publishes them.
    static func mirror() async throws -> (MirrorBuilder, [JSONObject]) {
        let signer = try StreamSigner.require()
        let mirror = try MirrorBuilder(signer: signer)
        let documents = [
            MirrorBuilder.products(contentID: download), MirrorBuilder.products(contentID: bootloaders),
        ]
        do {
            try await mirror.publish(documents)
        } catch {
            mirror.remove()
            throw error
        }
        return (mirror, documents)
    }

    static func verifyingReader(_ mirror: MirrorBuilder, keyring: Keyring? = nil) throws -> StreamReader {
        let keyring = try keyring ?? StreamSigner.require().keyring
        return StreamReader(source: try mirror.source, policy: .verify(keyring: keyring))
    }

    /// The VerificationError under a signature error.
    static func verificationCode(_ error: SimpleStreamsError?) -> VerificationError.Code? {
        (error?.underlyingError as? VerificationError)?.code
    }

    @Test("A clearsigned index.sjson and products .sjson verify, and the query sees their items")
    func clearsigned() async throws {
        let signer = try StreamSigner.require()
        let (mirror, documents) = try await Self.mirror()
        defer { mirror.remove() }
        let reader = try Self.verifyingReader(mirror)
        #expect(reader.defaultIndexPath == "streams/v1/index.sjson")

        let query = try StreamQuery(filters: ["arch=amd64", "release=jammy", "ftype=squashfs"], maximumVersions: 1)
        let result = try await reader.query(query)
        try #require(result.indexes.count == 1)
        #expect(result.indexes[0].path == "streams/v1/index.sjson")
        #expect(result.indexes[0].signature?.primaryKeyFingerprint == signer.fingerprint)
        #expect(
            JSONValue.object(result.indexes[0].document.json).isIdentical(
                to: .object(MirrorBuilder.index(for: documents, signedPaths: true))))
        #expect(
            result.products.map(\.path)
                == documents.map { MirrorBuilder.stem($0["content_id"]!.stringValue!) + ".sjson" })
        for products in result.products {
            #expect(products.signature?.primaryKeyFingerprint == signer.fingerprint)
            #expect(products.signature?.userIDs.contains { $0.contains("signer@example.org") } == true)
        }
        #expect(JSONValue.object(result.products[0].document.json).isIdentical(to: .object(documents[0])))
        #expect(result.skippedEntries.isEmpty)
        // One item per products document: the newest jammy amd64 squashfs of each.
        #expect(
            result.items.map(\.pedigree) == [
                "com.example.maas.stable:v3:boot:22.04:amd64:ga-22.04 20250718.1 squashfs",
                "com.example.maas.stable:v3:boot:22.04:amd64:ga-22.04 20250718.1 squashfs",
            ])
        #expect(result.items.map(\.contentID) == [Self.download, Self.bootloaders])
        #expect(result.items.allSatisfy { $0.path == "jammy/amd64/20250718.1/squashfs" })
    }

    @Test("A .json with a detached .json.gpg verifies, for the index and the products it lists")
    func detached() async throws {
        let signer = try StreamSigner.require()
        let (mirror, documents) = try await Self.mirror()
        defer { mirror.remove() }
        let reader = try Self.verifyingReader(mirror)
        let result = try await reader.query(StreamQuery(), path: "streams/v1/index.json")
        #expect(result.indexes.first?.signature?.primaryKeyFingerprint == signer.fingerprint)
        #expect(result.products.map(\.path).allSatisfy { $0.hasSuffix(".json") })
        #expect(result.products.allSatisfy { $0.signature?.primaryKeyFingerprint == signer.fingerprint })
        #expect(result.products.first?.payload == MirrorBuilder.text(documents[0]), "the payload is the file")
        #expect(result.items.count == 2 * (try ProductsDocument(json: documents[0]).itemCount))

        let index = try await reader.readIndex(at: "streams/v1/index.json")
        let entry = try #require(index.document.entry(for: Self.download))
        let products = try await reader.readProducts(for: entry)
        #expect(products.path == "streams/v1/\(Self.download).json")
        #expect(products.signature?.primaryKeyFingerprint == signer.fingerprint)
    }

    @Test("A .json without a .gpg is refused as unsigned when verifying")
    func unsigned() async throws {
        let (mirror, _) = try await Self.mirror()
        defer { mirror.remove() }
        let reader = try Self.verifyingReader(mirror)
        try FileManager.default.removeItem(atPath: mirror.directory.path + "/streams/v1/\(Self.bootloaders).json.gpg")
        let error = await simpleStreamsError { try await reader.query(StreamQuery(), path: "streams/v1/index.json") }
        #expect(error?.code == .unsigned, "\(String(describing: error))")
        #expect(error?.message.contains("\(Self.bootloaders).json") == true)

        try FileManager.default.removeItem(atPath: mirror.directory.path + "/streams/v1/index.json.gpg")
        let index = await simpleStreamsError { try await reader.readIndex(at: "streams/v1/index.json") }
        #expect(index?.code == .unsigned)
        // The clearsigned index still reads.
        #expect(try await reader.readIndex().signature != nil)
    }

    @Test("A tampered body is a signature error (bad signature), clearsigned or detached")
    func tampered() async throws {
        let (mirror, _) = try await Self.mirror()
        defer { mirror.remove() }
        let reader = try Self.verifyingReader(mirror)
        let sjson = "streams/v1/\(Self.download).sjson"
        let original = String(decoding: try mirror.directory.read(sjson), as: UTF8.self)
        let edited = original.replacingOccurrences(
            of: "jammy/amd64/20250718.1/squashfs", with: "jammy/amd64/evil/squashfs")
        #expect(edited != original)
        try mirror.directory.write(edited, to: sjson)
        let error = await simpleStreamsError { try await reader.query(StreamQuery()) }
        #expect(error?.code == .signature, "\(String(describing: error))")
        #expect(Self.verificationCode(error) == .badSignature)
        #expect(error?.message.contains(sjson) == true, "\(String(describing: error?.message))")

        let json = "streams/v1/\(Self.bootloaders).json"
        var bytes = try mirror.directory.read(json)
        let position = try #require(bytes.firstIndex(of: UInt8(ascii: "2")))
        bytes[position] = UInt8(ascii: "3")
        try mirror.directory.write(bytes, to: json)
        let detached = await simpleStreamsError { try await reader.readProducts(at: json) }
        #expect(detached?.code == .signature)
        #expect(Self.verificationCode(detached) == .badSignature)
    }

    @Test("A document signed by a key outside the keyring is a signature error (unknown signer)")
    func unknownSigner() async throws {
        let signer = try StreamSigner.require()
        let (mirror, documents) = try await Self.mirror()
        defer { mirror.remove() }
        let reader = try Self.verifyingReader(mirror)
        let text = MirrorBuilder.text(documents[0])
        try mirror.directory.write(
            try await signer.clearsign(text, by: .stranger), to: "streams/v1/\(Self.download).sjson")
        let error = await simpleStreamsError { try await reader.readProducts(at: "streams/v1/\(Self.download).sjson") }
        #expect(error?.code == .signature)
        #expect(Self.verificationCode(error) == .unknownSigner)
        #expect(
            (error?.underlyingError as? VerificationError)?.keyID.map { signer.strangerFingerprint.hasSuffix($0) }
                == true)

        try mirror.directory.write(
            try await signer.detachSign(text, by: .stranger), to: "streams/v1/\(Self.download).json.gpg")
        let detached = await simpleStreamsError {
            try await reader.readProducts(at: "streams/v1/\(Self.download).json")
        }
        #expect(detached?.code == .signature)
        #expect(Self.verificationCode(detached) == .unknownSigner)
        // The whole query fails on the first bad document.
        let query = await simpleStreamsError { try await reader.query(StreamQuery()) }
        #expect(query?.code == .signature)
    }

    /// A payload with lines gpg dash-escapes (they start with `-`), a string that starts with `- `, and the
    /// signature armor line inside a string.
    static let dashPayload = """
        {"format": "products:1.0", "content_id": "com.example:dash", "updated": "Thu, 24 Jul 2025 09:01:43 +0000",
        "note": "- starts with a dash",
        "numbers": [
        -1,
        -2.5e-3
        ],
        "armor": [
        "-----BEGIN PGP SIGNATURE-----",
        "- - -"
        ],
        "products": {"p": {"versions": {"v": {"items": {"i": {"path": "p/v/i", "size": -0}}}}}}}

        """

    @Test("Dash-escaped lines parse to the right values, verified or not")
    func dashEscaped() async throws {
        let signer = try StreamSigner.require()
        let mirror = try MirrorBuilder(signer: signer)
        defer { mirror.remove() }
        let payload = Array(Self.dashPayload.utf8)
        let expected = try JSONValue(parsing: payload)
        let signed = try await signer.clearsign(payload)
        let signedText = String(decoding: signed, as: UTF8.self)
        #expect(signedText.contains("\n- -1,\n"), "gpg dash-escaped the line")
        #expect(signedText.contains("\n- -2.5e-3\n"))
        try mirror.directory.write(signed, to: "streams/v1/dash.sjson")

        let verified = try await Self.verifyingReader(mirror).readProducts(at: "streams/v1/dash.sjson")
        #expect(verified.signature?.primaryKeyFingerprint == signer.fingerprint)
        #expect(JSONValue.object(verified.document.json).isIdentical(to: expected))
        #expect(verified.document.json["numbers"] == [-1, -0.0025])
        #expect(verified.document.json["note"] == "- starts with a dash")
        #expect(verified.document.json["armor"] == ["-----BEGIN PGP SIGNATURE-----", "- - -"])

        let unverified = try await StreamReader(source: try mirror.source, policy: .allowUnsigned)
            .readProducts(at: "streams/v1/dash.sjson")
        #expect(unverified.signature == nil)
        #expect(JSONValue.object(unverified.document.json).isIdentical(to: expected))
    }

    @Test("allowUnsigned reads the .json beside each .sjson, and an explicit .sjson without verifying")
    func allowUnsigned() async throws {
        let signer = try StreamSigner.require()
        let (mirror, documents) = try await Self.mirror()
        defer { mirror.remove() }
        let reader = StreamReader(source: try mirror.source, policy: .allowUnsigned)
        #expect(reader.defaultIndexPath == "streams/v1/index.json")
        #expect(reader.documentPath(for: "streams/v1/x.sjson") == "streams/v1/x.json")
        #expect(reader.documentPath(for: "streams/v1/x.json") == "streams/v1/x.json")
        #expect(try Self.verifyingReader(mirror).documentPath(for: "streams/v1/x.sjson") == "streams/v1/x.sjson")

        // The products .sjson files are signed by a stranger and tampered: they must not be read at all.
        for document in documents {
            let stem = MirrorBuilder.stem(document["content_id"]!.stringValue!)
            try mirror.directory.write(
                try await signer.clearsign(Array(#"{"format": "products:1.0", "tampered": 1}"#.utf8), by: .stranger),
                to: stem + ".sjson")
            try FileManager.default.removeItem(atPath: mirror.directory.path + "/" + stem + ".json.gpg")
        }
        let result = try await reader.query(StreamQuery(), path: "streams/v1/index.sjson")
        #expect(result.indexes.first?.path == "streams/v1/index.sjson")
        #expect(result.indexes.first?.signature == nil)
        #expect(result.indexes.first?.document.entries.allSatisfy { $0.path?.hasSuffix(".sjson") == true } == true)
        #expect(result.products.map(\.path).allSatisfy { $0.hasSuffix(".json") })
        #expect(result.products.allSatisfy { $0.signature == nil })
        #expect(result.products.first?.document.json == documents[0])

        // An explicitly named .sjson is read, not verified: the stranger's document comes through.
        let explicit = try await reader.readProducts(at: "streams/v1/\(Self.download).sjson")
        #expect(explicit.signature == nil)
        #expect(explicit.document.json["tampered"] == 1)
        // The default index (index.json) works without its .gpg too.
        try FileManager.default.removeItem(atPath: mirror.directory.path + "/streams/v1/index.json.gpg")
        #expect(try await reader.readIndex().document.entries.count == 2)
    }

    @Test("The 2013 cirros-streams.sjs: signed by the example key, which has since expired")
    func legacyClearsigned() async throws {
        let keyring = try Keyring(contentsOf: try Fixture.path("keyrings/simplestreams-example-3967536E.gpg"))
        let sjs = try Fixture.bytes("legacy-signed/cirros-streams.sjs")
        let unsigned = try JSONValue(parsing: try Fixture.bytes("legacy-signed/cirros-streams.js"))

        // gpgv, the reference, finds a good signature by the expired key (EXPKEYSIG, exit 0).
        let scratch = try ScratchDirectory(prefix: "simplestreams-legacy")
        defer { scratch.remove() }
        let file = try scratch.write(sjs, to: "streams/v1/cirros-streams.sjs")
        let gpgv = try await Tool.run(
            "gpgv",
            ["--status-fd", "1", "--keyring", try Fixture.path("keyrings/simplestreams-example-3967536E.gpg"), file])
        #expect(gpgv.status == 0)
        #expect(gpgv.outputText.contains("EXPKEYSIG A9714A203967536E"), "\(gpgv.outputText)")

        // The verifier's policy refuses signatures by expired keys, naming the key.
        let verifier = SignatureVerifier(keyring: keyring)
        do {
            _ = try verifier.verifyClearsigned(sjs)
            Issue.record("a signature by an expired key was accepted")
        } catch {
            #expect(error.code == .expiredKey)
            #expect(error.keyID == "198E8D3C27227898CB4D413CA9714A203967536E")
        }
        let reader = StreamReader(source: try LocalStreamSource(scratch.path), policy: .verify(keyring: keyring))
        let error = await simpleStreamsError { try await reader.readProducts(at: "streams/v1/cirros-streams.sjs") }
        #expect(error?.code == .signature)
        #expect(Self.verificationCode(error) == .expiredKey)

        // The signature is really checked: a changed byte is a bad signature, not an expired key.
        var tampered = String(decoding: sjs, as: UTF8.self)
        tampered = tampered.replacingOccurrences(of: "\"released\"", with: "\"rel3ased\"")
        do {
            _ = try verifier.verifyClearsigned(Array(tampered.utf8))
            Issue.record("a tampered document was accepted")
        } catch {
            #expect(error.code == .badSignature)
        }

        // Read without verifying, its JSON (a stream-collection document, with trailing spaces after commas) is
        // the signed body, and lists the same streams as the unsigned copy, whose paths name .js files.
        let text = String(decoding: sjs, as: UTF8.self)
        let bodyStart = try #require(text.range(of: "\n\n")).upperBound
        let bodyEnd = try #require(text.range(of: "-----BEGIN PGP SIGNATURE-----")).lowerBound
        let body = try JSONValue(parsing: Array(text[bodyStart..<bodyEnd].utf8))
        let unverified = try await StreamReader(source: try LocalStreamSource(scratch.path), policy: .allowUnsigned)
            .readProducts(at: "streams/v1/cirros-streams.sjs")
        #expect(unverified.signature == nil)
        #expect(JSONValue.object(unverified.document.json).isIdentical(to: body))
        #expect(unverified.document.json.keys == ["tags", "streams", "description", "format"])
        let streams = try #require(unverified.document.json["streams"]?.arrayValue)
        #expect(streams.count == 6)
        let unsignedStreams = try #require(unsigned.objectValue?["streams"]?.arrayValue)
        #expect(
            streams.compactMap { $0.objectValue?["path"]?.stringValue }
                == unsignedStreams.compactMap { $0.objectValue?["path"]?.stringValue }.map {
                    String($0.dropLast(".js".count)) + ".sjs"
                })
        #expect(unverified.document.json["format"] == unsigned.objectValue?["format"])
        #expect(simpleStreamsError { try IndexDocument(json: unverified.document.json) }?.code == .invalidDocument)
    }

    @Test("Rollback protection: older is refused, equal and newer are accepted, a missing date is refused")
    func rollback() async throws {
        let (mirror, documents) = try await Self.mirror()
        defer { mirror.remove() }
        let keyring = try StreamSigner.require().keyring
        let indexDate = try #require(StreamDates.parseRFC2822(MirrorBuilder.indexUpdated))
        let productsDate = try #require(StreamDates.parseRFC2822(documents[0]["updated"]!.stringValue!))
        func reader(_ date: Date?) throws -> StreamReader {
            StreamReader(source: try mirror.source, policy: .verify(keyring: keyring), notOlderThan: date)
        }
        #expect(try await reader(indexDate).readIndex().document.updated == MirrorBuilder.indexUpdated)
        #expect(try await reader(indexDate.addingTimeInterval(-86_400)).readIndex().signature != nil)
        #expect(try await reader(nil).readIndex().signature != nil)
        let newer = await simpleStreamsError { try await reader(indexDate.addingTimeInterval(1)).readIndex() }
        #expect(newer?.code == .rollback, "\(String(describing: newer))")
        #expect(newer?.message.contains(MirrorBuilder.indexUpdated) == true)

        // The products documents are checked too: accepted at their own date, refused one second later.
        #expect(try await reader(indexDate).query(StreamQuery(), path: "streams/v1/index.json").products.count == 2)
        #expect(try await reader(productsDate).readProducts(at: "streams/v1/\(Self.download).sjson").signature != nil)
        let later = await simpleStreamsError {
            try await reader(productsDate.addingTimeInterval(1)).readProducts(at: "streams/v1/\(Self.download).sjson")
        }
        #expect(later?.code == .rollback)

        // A products document without `updated`, or with one that is not a date, cannot be checked.
        let plain = try MirrorBuilder(signer: try StreamSigner.require())
        defer { plain.remove() }
        try await plain.publish(
            "streams/v1/undated", json: MirrorBuilder.text(MirrorBuilder.products(contentID: "undated", updated: nil)))
        try await plain.publish(
            "streams/v1/baddate",
            json: MirrorBuilder.text(MirrorBuilder.products(contentID: "baddate", updated: "2025-07-24 09:01:43")))
        for name in ["undated", "baddate"] {
            let strict = StreamReader(
                source: try plain.source, policy: .verify(keyring: keyring), notOlderThan: indexDate)
            let error = await simpleStreamsError { try await strict.readProducts(at: "streams/v1/\(name).sjson") }
            #expect(error?.code == .rollback, "\(name): \(String(describing: error))")
            let lax = StreamReader(source: try plain.source, policy: .verify(keyring: keyring))
            #expect(try await lax.readProducts(at: "streams/v1/\(name).sjson").signature != nil)
        }
    }

    @Test("Rollback protection with the last accepted index date still reads an unchanged MAAS-shaped mirror")
    func rollbackAcrossDocuments() async throws {
        // images.maas.io's index is updated a second after its bootloader products document
        // (simplestreams_index.json: 08:01:49 against 08:01:48). A client that remembers the index's date and passes
        // it as notOlderThan on the next run must still read the same, unchanged mirror.
        let signer = try StreamSigner.require()
        let mirror = try MirrorBuilder(signer: signer)
        defer { mirror.remove() }
        try await mirror.publish([
            MirrorBuilder.products(contentID: Self.download, updated: "Thu, 24 Jul 2025 09:01:43 +0000"),
            MirrorBuilder.products(contentID: Self.bootloaders, updated: "Thu, 24 Jul 2025 08:01:48 +0000"),
        ])
        let first = try await Self.verifyingReader(mirror).query(StreamQuery())
        let lastAccepted = try #require(first.indexes.first?.document.updatedDate)
        let next = StreamReader(
            source: try mirror.source, policy: .verify(keyring: signer.keyring), notOlderThan: lastAccepted)
        let result = try await next.query(StreamQuery())
        #expect(result.products.count == 2)

        // An old products document replayed behind the fresh, signed index is refused: it is older than the date
        // its index entry states.
        try await mirror.publish(
            MirrorBuilder.stem(Self.bootloaders),
            json: MirrorBuilder.text(
                MirrorBuilder.products(contentID: Self.bootloaders, updated: "Wed, 23 Jul 2025 08:01:48 +0000")))
        let error = await simpleStreamsError { try await next.query(StreamQuery()) }
        #expect(error?.code == .rollback, "\(String(describing: error))")
        #expect(error?.message.contains(Self.bootloaders) == true, "\(String(describing: error))")
        // Without rollback protection the same mirror reads.
        #expect(try await Self.verifyingReader(mirror).query(StreamQuery()).products.count == 2)
    }
}
