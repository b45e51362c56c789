internal import SignedStreams
internal import SimpleStreams
import Synchronization
internal import SystemLayer
internal import Verification

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// A source that remembers the exact bytes of every document it returned, so the mirror publishes the bytes that
/// were verified rather than fetching them a second time.
final class RecordingSource: StreamSource {
    let base: any StreamSource
    private let recorded = Mutex<[BytewiseString: [UInt8]]>([:])

    init(_ base: any StreamSource) { self.base = base }

    var location: String { base.location }

    func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
        let bytes = try await base.read(path, maximumSize: maximumSize)
        recorded.withLock { $0[BytewiseString(path)] = bytes }
        return bytes
    }

    func bytes(at path: String) -> [UInt8]? { recorded.withLock { $0[BytewiseString(path)] } }
}

/// The verified metadata of the source: the documents read, their bytes, and what the query selected.
struct MetadataSnapshot: Sendable {
    /// A document to publish, with its bytes.
    struct Document: Sendable {
        var path: String
        var bytes: [UInt8]
    }

    /// The query result over every products document.
    var result: StreamQueryResult
    /// Products documents and their companions (`.json`, `.json.gpg`), in index order.
    var productsDocuments: [Document]
    /// Index documents and their companions, the top index last.
    var indexDocuments: [Document]
    /// The largest document read, in bytes.
    var maximumDocumentSize: Int

    /// Reads and verifies every document under `path` (the source's default index when `nil`), and the upstream
    /// companions of each: the `.json` and detached `.json.gpg` beside a `.sjson` (verified together, dropped when
    /// either is missing), or the `.sjson` beside a `.json`.
    ///
    /// - Throws: ``ImageMirrorError/Code/metadata`` for any failure of reading or verifying.
    static func read(
        source: any StreamSource, policy: SignaturePolicy, path: String?, notOlderThan: Date?,
        maximumDocumentSize: Int
    ) async throws(ImageMirrorError) -> MetadataSnapshot {
        let recorder = RecordingSource(source)
        var reader = StreamReader(source: recorder, policy: policy, notOlderThan: notOlderThan)
        reader.maximumDocumentSize = maximumDocumentSize
        let result: StreamQueryResult
        do {
            result = try await reader.query(StreamQuery(), path: path)
        } catch {
            throw ImageMirrorError(reading: error, from: source)
        }
        var products: [Document] = []
        for document in result.products {
            products += try await companions(
                of: document.path, payload: document.payload, recorder: recorder, policy: policy,
                maximumSize: maximumDocumentSize)
        }
        var indexes: [Document] = []
        for document in result.indexes.reversed() {
            indexes += try await companions(
                of: document.path, payload: document.payload, recorder: recorder, policy: policy,
                maximumSize: maximumDocumentSize)
        }
        return MetadataSnapshot(
            result: result, productsDocuments: products, indexDocuments: indexes,
            maximumDocumentSize: maximumDocumentSize)
    }

    /// The document at `path` as read, then the upstream files beside it.
    ///
    /// A companion is published only when it tells the same story as the document read: the `.json` beside a
    /// verified `.sjson` must hold exactly its signed payload (an old genuine `.json` and `.json.gpg` pair beside a
    /// current `.sjson` is refused, not published), and the `.sjson` beside an unsigned `.json` must wrap it.
    private static func companions(
        of path: String, payload: [UInt8], recorder: RecordingSource, policy: SignaturePolicy, maximumSize: Int
    ) async throws(ImageMirrorError) -> [Document] {
        guard let bytes = recorder.bytes(at: path) else { return [] }
        var documents: [Document] = []
        if let signature = recorder.bytes(at: path + ".gpg") {
            documents.append(Document(path: path + ".gpg", bytes: signature))
        }
        documents.append(Document(path: path, bytes: bytes))
        if path.hasSuffix(".sjson") {
            let json = String(path.dropLast(".sjson".count)) + ".json"
            guard let data = try await optionalRead(json, recorder, maximumSize),
                let signature = try await optionalRead(json + ".gpg", recorder, maximumSize)
            else { return documents }
            if case .verify(let verifier) = policy {
                do {
                    // gpgme waits for gpg: off the cooperative pool.
                    _ = try await onDedicatedThread { () throws(VerificationError) in
                        try verifier.verifyDetached(signature: signature, data: data)
                    }
                } catch {
                    throw ImageMirrorError(
                        .metadata, "\(json): the detached signature \(json).gpg did not verify; nothing was downloaded",
                        underlyingError: error)
                }
            }
            guard sameDocument(data, payload) else {
                throw ImageMirrorError(
                    .metadata,
                    "\(json) is not the document \(path) signs (an older or another signed copy): refusing to publish "
                        + "two different documents; nothing was downloaded")
            }
            documents.insert(
                contentsOf: [Document(path: json, bytes: data), Document(path: json + ".gpg", bytes: signature)], at: 0)
        } else if path.hasSuffix(".json"), case .allowUnsigned = policy {
            let sjson = String(path.dropLast(".json".count)) + ".sjson"
            if let data = try await optionalRead(sjson, recorder, maximumSize) {
                guard let wrapped = try? UnverifiedClearsignedPayload.extract(data), sameDocument(bytes, wrapped) else {
                    throw ImageMirrorError(
                        .metadata,
                        "\(sjson) does not wrap the document \(path): refusing to publish two different documents; "
                            + "nothing was downloaded")
                }
                documents.insert(Document(path: sjson, bytes: data), at: 0)
            }
            if recorder.bytes(at: path + ".gpg") == nil,
                let signature = try await optionalRead(path + ".gpg", recorder, maximumSize)
            {
                documents.insert(Document(path: path + ".gpg", bytes: signature), at: 0)
            }
        }
        return documents
    }

    /// Whether `json` (a `.json` document) holds what `signed` (the payload of the `.sjson` beside it) states: the
    /// same JSON value, as it is or once the index entries' `path`s of the signed copy are turned back from `.sjson`
    /// to `.json`, as simplestreams' producers write them (`make_signed_content_paths`); the serialisation may
    /// differ.
    static func sameDocument(_ json: [UInt8], _ signed: [UInt8]) -> Bool {
        guard case .object(let plain)? = try? JSONValue(parsing: json),
            case .object(var payload)? = try? JSONValue(parsing: signed)
        else { return false }
        if plain == payload { return true }
        if payload["format"]?.stringValue == "index:1.0", var entries = payload["index"]?.objectValue {
            for key in entries.keys {
                guard var entry = entries[key]?.objectValue, let path = entry["path"]?.stringValue,
                    path.hasSuffix(".sjson")
                else { continue }
                entry["path"] = .string(String(path.dropLast(".sjson".count)) + ".json")
                entries[key] = .object(entry)
            }
            payload["index"] = .object(entries)
        }
        return plain == payload
    }

    /// Throws ``ImageMirrorError/Code/rollback`` if a document of this snapshot is older (by its `updated` date)
    /// than the one `store` publishes at the same place: a replayed or rolled-back stream would otherwise replace
    /// newer metadata and prune newer files.
    func checkNotOlder(than store: MirrorDirectory) throws(ImageMirrorError) {
        let documents =
            result.indexes.map { ($0.path, $0.document.json) } + result.products.map { ($0.path, $0.document.json) }
        for (path, json) in documents {
            let base = MetadataPublisher.base(path)
            let published = [base + ".sjson", base + ".json"].compactMap { publishedDate(at: $0, in: store) }
            guard let newest = published.max() else { continue }
            let updated = json["updated"]?.stringValue
            guard let updated, let date = StreamDates.parseRFC2822(updated) else {
                throw ImageMirrorError(
                    .rollback,
                    "\(path) has no valid 'updated' date, but the mirror publishes one of "
                        + "\(StreamDates.formatRFC2822(newest)): refusing to replace it (allow older metadata to do so)"
                )
            }
            guard date >= newest else {
                throw ImageMirrorError(
                    .rollback,
                    "\(path) was updated \(updated), before the \(StreamDates.formatRFC2822(newest)) the mirror "
                        + "publishes: refusing a replay or rollback (allow older metadata to do so); nothing was "
                        + "downloaded")
            }
        }
    }

    /// The `updated` date of the document the mirror publishes at `path`, if it has a readable one.
    private func publishedDate(at path: String, in store: MirrorDirectory) -> Date? {
        guard let bytes = store.readFile(path, maximumSize: maximumDocumentSize) else { return nil }
        let payload =
            UnverifiedClearsignedPayload.isClearsigned(bytes)
            ? (try? UnverifiedClearsignedPayload.extract(bytes)) : bytes
        guard let payload, case .object(let object)? = try? JSONValue(parsing: payload),
            let updated = object["updated"]?.stringValue
        else { return nil }
        return StreamDates.parseRFC2822(updated)
    }

    /// The companion at `path`, or `nil` when the source cannot give it; a server that cannot be reached (or
    /// answers with an error status other than 404) and cancellation stop the run instead, so that a transient
    /// failure never publishes a mirror without the companions.
    private static func optionalRead(_ path: String, _ recorder: RecordingSource, _ maximumSize: Int)
        async throws(ImageMirrorError) -> [UInt8]?
    {
        do {
            return try await recorder.base.read(path, maximumSize: maximumSize)
        } catch  where error.code == .transport || error.code == .cancelled {
            throw ImageMirrorError(reading: error, from: recorder.base)
        } catch {
            return nil
        }
    }
}

extension ImageMirrorError {
    /// The error of a run whose metadata could not be read: ``Code/transport`` (an HTTP error status, a connection
    /// failure, a timeout) and ``Code/cancelled`` keep their codes, a missing document is ``Code/notFound``, and
    /// only the rest (a bad signature, an invalid document) is ``Code/metadata``.
    init(reading error: SimpleStreamsError, from source: any StreamSource) {
        // The transport's own error (an HTTP status, a time limit), rather than the wrappers around it.
        let cause: (any Error & Sendable)? =
            (error.underlyingError as? ImageMirrorError).map { $0.underlyingError } ?? error.underlyingError
        switch error.code {
        case .transport:
            self.init(.transport, "\(error.message); nothing was downloaded", underlyingError: cause)
        case .cancelled:
            self.init(.cancelled, "\(source.location): cancelled while reading the metadata", underlyingError: cause)
        case .notFound:
            self.init(.notFound, "\(error.message); nothing was downloaded", underlyingError: cause)
        default:
            self.init(
                .metadata, "\(source.location): the metadata did not verify; nothing was downloaded: \(error.message)",
                underlyingError: error)
        }
    }
}
