public import SimpleStreams
internal import SystemLayer
internal import Verification

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Reads and verifies the documents of a simplestreams mirror, and answers queries over them.
///
/// ```swift
/// let reader = StreamReader(
///     source: try LocalStreamSource("/srv/mirror"),
///     policy: .verify(keyring: try Keyring(contentsOf: Keyring.maasDefaultPath)))
/// let result = try await reader.query(StreamQuery(filters: ["arch=amd64", "release=noble"], maximumVersions: 1))
/// for item in result.items { print(item.pedigree, item.path ?? "") }
/// ```
///
/// Under ``SignaturePolicy/verify(_:)``, a document is accepted only with a valid signature: a clearsigned document
/// is verified and the JSON parsed is gpg's output, so the bytes parsed are the bytes signed; any other document
/// needs a detached signature at its path plus `.gpg`.
///
/// Rollback protection: with ``notOlderThan`` set (to the `updated` of the last index accepted), the document a read
/// starts from must not be older, and each document reached through an index entry must not be older than the
/// `updated` that entry states, so an old products document cannot be replayed behind a fresh index.
public struct StreamReader: Sendable {
    /// The default of ``maximumDocumentSize``: 64 MiB. images.maas.io's largest products document is about 1 MiB
    /// and the largest Ubuntu cloud-images one about 20 MiB; a parsed document takes from about 3 times its size
    /// (real streams) to about 24 times (a hostile one made of one-element arrays), so this bounds the parser to
    /// about 1.5 GB whatever the input.
    public static let defaultMaximumDocumentSize = 64 << 20

    /// Where documents are read from.
    public var source: any StreamSource
    /// Whether signatures are required.
    public var policy: SignaturePolicy
    /// Rollback protection: refuse a first document (an index, or a products document read directly) whose
    /// `updated` is before this date or unreadable, and a document reached through an index entry whose `updated` is
    /// before the entry's. `nil` turns rollback protection off.
    public var notOlderThan: Date?
    /// The largest document accepted, in bytes: ``defaultMaximumDocumentSize`` unless raised.
    public var maximumDocumentSize: Int = StreamReader.defaultMaximumDocumentSize
    /// How deep `index:1.0` entries pointing at further indexes are followed.
    public var maximumIndexDepth = 4

    /// Creates a reader.
    public init(source: some StreamSource, policy: SignaturePolicy, notOlderThan: Date? = nil) {
        self.source = source
        self.policy = policy
        self.notOlderThan = notOlderThan
    }

    /// `streams/v1/index.sjson` when verifying, `streams/v1/index.json` when unsigned reading is allowed.
    public var defaultIndexPath: String {
        switch policy {
        case .verify: "streams/v1/index.sjson"
        case .allowUnsigned: "streams/v1/index.json"
        }
    }

    /// Reads and verifies the index at `path` (``defaultIndexPath`` by default).
    public func readIndex(at path: String? = nil) async throws(SimpleStreamsError) -> SignedDocument<IndexDocument> {
        let path = path ?? defaultIndexPath
        let (object, payload, signature) = try await readObject(at: path, notOlderThan: notOlderThan)
        do {
            return SignedDocument(
                path: path, document: try IndexDocument(json: object), signature: signature, payload: payload)
        } catch {
            throw error.inDocument(path)
        }
    }

    /// Reads and verifies the products document at `path`.
    public func readProducts(at path: String) async throws(SimpleStreamsError) -> SignedDocument<ProductsDocument> {
        try await readProducts(at: path, notOlderThan: notOlderThan)
    }

    private func readProducts(at path: String, notOlderThan: Date?) async throws(SimpleStreamsError)
        -> SignedDocument<ProductsDocument>
    {
        let (object, payload, signature) = try await readObject(at: path, notOlderThan: notOlderThan)
        do {
            return SignedDocument(
                path: path, document: try ProductsDocument(json: object), signature: signature, payload: payload)
        } catch {
            throw error.inDocument(path)
        }
    }

    /// Reads and verifies the products document an index entry points at. Under ``SignaturePolicy/allowUnsigned`` a
    /// `.sjson` path is read as the `.json` beside it. With rollback protection on, the document must not be older
    /// than the entry's `updated`.
    ///
    /// - Throws: `SimpleStreamsError` with code `invalidDocument` if the entry has no path.
    public func readProducts(for entry: IndexEntry) async throws(SimpleStreamsError) -> SignedDocument<ProductsDocument>
    {
        guard let path = entry.path else {
            throw SimpleStreamsError(.invalidDocument, "index entry \(entry.contentID) has no path")
        }
        let products = try await readProducts(at: documentPath(for: path), notOlderThan: minimumDate(for: entry))
        try Self.checkContentID(of: products.document.json, path: products.path, indexedAs: entry.contentID)
        return products
    }

    /// Throws ``SimpleStreamsError/Code/invalidDocument`` unless the products document `object` has the content id
    /// its index entry names (compared as bytes): a signed document of another stream substituted at the entry's
    /// path is refused.
    static func checkContentID(of object: JSONObject, path: String, indexedAs contentID: String)
        throws(SimpleStreamsError)
    {
        let actual = object["content_id"]?.stringValue
        guard let actual, actual.utf8.elementsEqual(contentID.utf8) else {
            throw SimpleStreamsError(
                .invalidDocument,
                "\(path): the index lists it as '\(contentID)', but its content_id is "
                    + (actual.map { "'\($0)'" } ?? "missing") + ": refusing a substituted document")
        }
    }

    /// Runs `query` over the document at `path` (``defaultIndexPath`` by default), as `sstream-query` does: an index
    /// (`format: index:1.0`) is followed to every products document it lists (`format: products:1.0`) and to nested
    /// indexes; a products document is queried directly. Index entries of other formats are skipped and listed in
    /// the result.
    ///
    /// - Throws: `SimpleStreamsError` with code `invalidDocument` if the document at `path` is neither an index nor a
    ///   products document, and every error of reading, verifying and querying.
    public func query(_ query: StreamQuery, path: String? = nil) async throws(SimpleStreamsError) -> StreamQueryResult {
        var result = StreamQueryResult()
        var visited: Set<BytewiseString> = []
        try await collect(
            query, path: path ?? defaultIndexPath, notOlderThan: notOlderThan, depth: 0,
            visited: &visited, into: &result)
        return result
    }

    private func collect(
        _ query: StreamQuery, path: String, notOlderThan: Date?, depth: Int,
        visited: inout Set<BytewiseString>, into result: inout StreamQueryResult
    ) async throws(SimpleStreamsError) {
        guard visited.insert(BytewiseString(path)).inserted else { return }
        let (object, payload, signature) = try await readObject(at: path, notOlderThan: notOlderThan)
        switch object["format"]?.stringValue {
        case "products:1.0":
            do {
                let products = SignedDocument(
                    path: path, document: try ProductsDocument(json: object), signature: signature, payload: payload)
                result.items.append(contentsOf: try query.run(on: products.document))
                result.products.append(products)
            } catch {
                throw error.inDocument(path)
            }
        case "index:1.0":
            let index: SignedDocument<IndexDocument>
            do {
                index = SignedDocument(
                    path: path, document: try IndexDocument(json: object), signature: signature, payload: payload)
            } catch {
                throw error.inDocument(path)
            }
            result.indexes.append(index)
            for entry in index.document.entries {
                guard let entryPath = entry.path, entry.isProducts || (entry.isIndex && depth < maximumIndexDepth)
                else {
                    result.skippedEntries.append(entry)
                    continue
                }
                let childPath = documentPath(for: entryPath)
                let read = result.products.count
                try await collect(
                    query, path: childPath, notOlderThan: minimumDate(for: entry), depth: depth + 1,
                    visited: &visited, into: &result)
                // The products document this entry led to must be the stream the entry names.
                for products in result.products[read...] where products.path.utf8.elementsEqual(childPath.utf8) {
                    try Self.checkContentID(of: products.document.json, path: childPath, indexedAs: entry.contentID)
                }
            }
        case let format:
            throw SimpleStreamsError(
                .invalidDocument,
                "\(path): the format is \(format.map { "'\($0)'" } ?? "missing"), not index:1.0 or products:1.0")
        }
    }

    /// The path to read for a document path named in an index.
    public func documentPath(for indexedPath: String) -> String {
        if case .allowUnsigned = policy, indexedPath.hasSuffix(".sjson") {
            return String(indexedPath.dropLast(".sjson".count)) + ".json"
        }
        return indexedPath
    }

    // MARK: - Reading and verifying

    /// The date a document reached through `entry` must not be older than: the entry's `updated`, when rollback
    /// protection is on and the entry states one.
    private func minimumDate(for entry: IndexEntry) -> Date? {
        guard notOlderThan != nil else { return nil }
        return entry.updatedDate
    }

    private func readObject(at path: String, notOlderThan: Date?) async throws(SimpleStreamsError)
        -> (JSONObject, [UInt8], VerifiedSignature?)
    {
        let bytes = try await source.read(path, maximumSize: maximumDocumentSize)
        let payload: [UInt8]
        var signature: VerifiedSignature? = nil
        switch policy {
        case .verify(let verifier):
            if UnverifiedClearsignedPayload.isClearsigned(bytes) {
                do {
                    // gpgme waits for gpg: off the cooperative pool.
                    let verified = try await onDedicatedThread { () throws(VerificationError) in
                        try verifier.verifyClearsigned(bytes)
                    }
                    payload = verified.payload
                    signature = verified.signature
                } catch {
                    throw signatureError(error, path: path)
                }
            } else {
                let signaturePath = path + ".gpg"
                let detached: [UInt8]
                do {
                    detached = try await source.read(signaturePath, maximumSize: 1 << 20)
                } catch  where error.code == .notFound {
                    throw SimpleStreamsError(
                        .unsigned,
                        "\(path) is not clearsigned and has no detached signature \(signaturePath); "
                            + "read unsigned documents only by allowing it (--no-verify)")
                }
                do {
                    signature = try await onDedicatedThread { () throws(VerificationError) in
                        try verifier.verifyDetached(signature: detached, data: bytes)
                    }
                } catch {
                    throw signatureError(error, path: "\(path) (signature \(signaturePath))")
                }
                payload = bytes
            }
        case .allowUnsigned:
            do {
                payload =
                    UnverifiedClearsignedPayload.isClearsigned(bytes)
                    ? try UnverifiedClearsignedPayload.extract(bytes) : bytes
            } catch {
                throw error.inDocument(path)
            }
        }
        let object: JSONObject
        do throws(SimpleStreamsError) {
            guard case .object(let parsed) = try JSONValue(parsing: payload) else {
                throw SimpleStreamsError(.invalidDocument, "the document is not a JSON object")
            }
            object = parsed
        } catch {
            throw error.inDocument(path)
        }
        if let notOlderThan { try checkFreshness(of: object, path: path, notOlderThan: notOlderThan) }
        return (object, payload, signature)
    }

    private func signatureError(_ error: VerificationError, path: String) -> SimpleStreamsError {
        var message = "\(path): signature verification failed: \(error.message)"
        if let keyID = error.keyID, !error.message.contains(keyID) { message += " (key \(keyID))" }
        return SimpleStreamsError(.signature, message, underlyingError: error)
    }

    private func checkFreshness(of object: JSONObject, path: String, notOlderThan: Date) throws(SimpleStreamsError) {
        guard let updated = object["updated"]?.stringValue else {
            throw SimpleStreamsError(.rollback, "\(path) has no 'updated' date to check against rollback")
        }
        guard let date = StreamDates.parseRFC2822(updated) else {
            throw SimpleStreamsError(.rollback, "\(path): 'updated' is not an RFC 2822 date: \(updated)")
        }
        guard date >= notOlderThan else {
            throw SimpleStreamsError(
                .rollback,
                "\(path) was updated \(updated), before \(StreamDates.formatRFC2822(notOlderThan)), the last accepted: "
                    + "refusing a possible rollback")
        }
    }
}

/// What ``StreamReader/query(_:path:)`` found.
public struct StreamQueryResult: Sendable {
    /// The indexes read, the top one first, each with its signature.
    public var indexes: [SignedDocument<IndexDocument>] = []
    /// The products documents read, in index order, each with its signature.
    public var products: [SignedDocument<ProductsDocument>] = []
    /// The items selected, document by document.
    public var items: [FlattenedItem] = []
    /// Index entries not read: no path, a format other than `products:1.0` and `index:1.0`, or nested too deep.
    public var skippedEntries: [IndexEntry] = []

    /// Creates an empty result.
    public init() {}
}
