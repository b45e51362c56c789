internal import SignedStreams
internal import SimpleStreams
internal import SystemLayer
internal import SystemPackage
internal import Verification

/// A `StreamSource` over a mirror directory that reads only through its descriptors: every directory on the way is
/// opened with `O_NOFOLLOW`, the document too, so a symbolic link anywhere in the mirror is refused rather than
/// followed (unlike `LocalStreamSource`, which follows links as a web server would).
struct ConfinedStreamSource: StreamSource {
    let store: MirrorDirectory

    var location: String { store.path }

    func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
        try StreamPath.validate(path, at: "read")
        let full = "\(store.path)/\(path)"
        let found: (directory: DirectoryDescriptor, name: [UInt8])?
        do {
            found = try store.directory(holding: path, create: false)
        } catch  where error.code == .unsafeDestination {
            throw SimpleStreamsError(
                .io, "\(full): a directory on its path is a symbolic link or not a directory", underlyingError: error)
        } catch {
            throw SimpleStreamsError(.io, "cannot read \(full)", underlyingError: error)
        }
        guard let (directory, name) = found else { throw SimpleStreamsError(.notFound, "\(full) does not exist") }
        do {
            let file = try directory.openFile(name)
            defer { try? file.close() }
            return try FileIO.readAll(file, full, maximumSize: maximumSize)
        } catch {
            switch error.reason {
            case .system(let errno) where errno == .noSuchFileOrDirectory:
                throw SimpleStreamsError(.notFound, "\(full) does not exist", underlyingError: error)
            case .tooLarge(let limit):
                throw SimpleStreamsError(
                    .limitExceeded, "\(full) is larger than the \(limit) bytes accepted", underlyingError: error)
            case .wrongKind(let kind):
                throw SimpleStreamsError(.io, "\(full) is \(kind), not a regular file", underlyingError: error)
            case .system, .invalidName:
                throw SimpleStreamsError(.io, "cannot \(error.operation) \(full)", underlyingError: error)
            }
        }
    }
}

/// The published metadata of a mirror as far as it can be read: the products documents that verified, the names
/// of the metadata documents (which are never extra files), and a problem per document that could not be read.
struct AuditedMetadata {
    /// The products documents that verified.
    var products: [ProductsDocument] = []
    /// The paths of the published metadata documents and of their companions (`.json`, `.sjson`, `.json.gpg`).
    var documentPaths: Set<BytewiseString> = []
    /// Whether the top document could be read; when not, no file under `streams/` is called extra.
    var readTopDocument = false
    /// The documents that are missing or do not verify.
    var problems: [MirrorProblem] = []

    /// Reads the metadata `store` publishes: all of it at once as a mirror run reads it (`MetadataSnapshot`, with
    /// the companions beside each `.sjson`); if that fails, each document on its own, so that one bad products
    /// document does not hide the others' payloads.
    ///
    /// - Throws: only ``ImageMirrorError/Code/cancelled``.
    static func read(
        _ store: MirrorDirectory, policy: SignaturePolicy, documentPath: String?, maximumDocumentSize: Int
    ) async throws(ImageMirrorError) -> AuditedMetadata {
        let source = ConfinedStreamSource(store: store)
        var metadata = AuditedMetadata()
        let firstError: ImageMirrorError
        do {
            let snapshot = try await MetadataSnapshot.read(
                source: source, policy: policy, path: documentPath, notOlderThan: nil,
                maximumDocumentSize: maximumDocumentSize)
            metadata.products = snapshot.result.products.map(\.document)
            metadata.readTopDocument = true
            for document in snapshot.productsDocuments + snapshot.indexDocuments {
                metadata.addDocument(document.path)
            }
            return metadata
        } catch  where error.code == .cancelled {
            throw error
        } catch {
            firstError = error
        }
        try await metadata.readEachDocument(
            source: source, policy: policy, documentPath: documentPath, maximumDocumentSize: maximumDocumentSize,
            firstError: firstError)
        return metadata
    }

    /// Reads the top document, then each products document it lists with its companions, one at a time.
    private mutating func readEachDocument(
        source: ConfinedStreamSource, policy: SignaturePolicy, documentPath: String?, maximumDocumentSize: Int,
        firstError: ImageMirrorError
    ) async throws(ImageMirrorError) {
        var reader = StreamReader(source: source, policy: policy)
        reader.maximumDocumentSize = maximumDocumentSize
        let top = documentPath ?? reader.defaultIndexPath
        addDocument(top)
        let index: IndexDocument
        do {
            index = try await reader.readIndex(at: top).document
        } catch  where error.code == .cancelled {
            throw ImageMirrorError(.cancelled, "\(source.location): the audit was cancelled", underlyingError: error)
        } catch {
            if documentPath != nil, (try? await reader.readProducts(at: top)) != nil {
                // A products document given as the document to start from.
                readTopDocument = true
                try await readProducts(
                    at: top, contentID: nil, reader: reader, maximumDocumentSize: maximumDocumentSize)
                return
            }
            problems.append(Self.problem(top, error))
            return
        }
        readTopDocument = true
        let before = problems.count
        for entry in index.entries where entry.isProducts {
            guard let indexed = entry.path else { continue }
            try await readProducts(
                at: reader.documentPath(for: indexed), contentID: entry.contentID, reader: reader,
                maximumDocumentSize: maximumDocumentSize)
        }
        if problems.count == before {
            // Every products document is sound on its own: what failed is beside the index.
            problems.append(
                MirrorProblem(path: Self.companion(of: top), kind: .corrupt, detail: Self.detail(firstError)))
        }
    }

    /// Reads the products document at `path` (whose index entry names `contentID`), then checks its companions.
    private mutating func readProducts(
        at path: String, contentID: String?, reader: StreamReader, maximumDocumentSize: Int
    ) async throws(ImageMirrorError) {
        addDocument(path)
        let document: ProductsDocument
        do {
            document = try await reader.readProducts(at: path).document
        } catch  where error.code == .cancelled {
            throw ImageMirrorError(.cancelled, "\(reader.source.location): the audit was cancelled")
        } catch {
            problems.append(Self.problem(path, error))
            return
        }
        if let contentID, !(document.json["content_id"]?.stringValue ?? "").utf8.elementsEqual(contentID.utf8) {
            problems.append(
                MirrorProblem(
                    path: path, kind: .corrupt,
                    detail: "the index lists it as '\(contentID)', but its content_id is "
                        + (document.json["content_id"]?.stringValue.map { "'\($0)'" } ?? "missing")))
            return
        }
        products.append(document)
        do {
            _ = try await MetadataSnapshot.read(
                source: reader.source, policy: reader.policy, path: path, notOlderThan: nil,
                maximumDocumentSize: maximumDocumentSize)
        } catch  where error.code == .cancelled {
            throw error
        } catch {
            problems.append(MirrorProblem(path: Self.companion(of: path), kind: .corrupt, detail: Self.detail(error)))
        }
    }

    /// Records `path` and its companions as metadata documents.
    private mutating func addDocument(_ path: String) {
        let base = MetadataPublisher.base(path)
        for suffix in [".sjson", ".json", ".json.gpg"] { documentPaths.insert(BytewiseString(base + suffix)) }
        documentPaths.insert(BytewiseString(path))
    }

    /// The companion a mirror publishes beside `path`: the `.json` beside a `.sjson`, the `.sjson` beside a `.json`.
    private static func companion(of path: String) -> String {
        let base = MetadataPublisher.base(path)
        return path.hasSuffix(".sjson") ? base + ".json" : base + ".sjson"
    }

    /// A document that could not be read: `missing` when it is absent, `corrupt` otherwise.
    private static func problem(_ path: String, _ error: SimpleStreamsError) -> MirrorProblem {
        MirrorProblem(path: path, kind: error.code == .notFound ? .missing : .corrupt, detail: error.message)
    }

    /// The message of a metadata error, without what a mirror run adds for its own users.
    private static func detail(_ error: ImageMirrorError) -> String {
        var message = (error.underlyingError as? SimpleStreamsError)?.message ?? error.message
        for phrase in ["; nothing was downloaded", ": nothing was downloaded"] {
            message = message.replacing(phrase, with: "")
        }
        return message
    }
}
