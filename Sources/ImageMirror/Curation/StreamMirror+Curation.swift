internal import SignedStreams
internal import SimpleStreams
internal import SystemPackage

extension StreamMirror {
    /// The source's metadata as the curated mirror publishes it, and the record to write before publishing (`nil`
    /// when the run leaves it as it was).
    ///
    /// The mirror's record (`.mirror/curation.json`) has the released products (``MirrorOptions/releasedHolds``)
    /// lifted and the new holds (``MirrorOptions/holds``) added, each with its version object (from the source, else
    /// from the metadata the mirror publishes now, else from the record); then every products document is curated
    /// with it (``CurationRecord/apply(to:at:)``).
    ///
    /// - Throws: ``ImageMirrorError/Code/invalidArgument`` for a hold without a signer (or a record to apply without
    ///   one: upstream metadata kept byte for byte cannot leave anything out), or a held version nobody has;
    ///   ``ImageMirrorError/Code/io`` for a damaged record.
    func curate(_ snapshot: MetadataSnapshot, store: MirrorDirectory?) throws(ImageMirrorError)
        -> (snapshot: MetadataSnapshot, record: CurationRecord?)
    {
        let previous = try CurationRecord.read(store)
        guard !previous.isEmpty || !options.holds.isEmpty else { return (snapshot, nil) }
        var record = previous
        for product in options.releasedHolds { record.release(product) }
        if !options.holds.isEmpty, options.signer == nil {
            throw ImageMirrorError(
                .invalidArgument,
                "holding a version needs a signing key: the mirror publishes its own metadata for the held products")
        }
        let upstream = snapshot.result.products.map { (path: $0.path, json: $0.document.json) }
        // The documents the mirror publishes now, read (once) only for a hold upstream no longer has.
        var published: [(path: String, json: JSONObject)]?
        for hold in options.holds {
            var local = Self.localVersion(hold, in: upstream)
            if local == nil, let store {
                if published == nil {
                    published = snapshot.result.products.compactMap { products in
                        Self.publishedDocument(products.path, in: store, maximumSize: options.maximumDocumentSize)
                            .map { (path: products.path, json: $0) }
                    }
                }
                local = Self.localVersion(hold, in: published ?? [])
            }
            guard let local = local ?? record.versions.first(where: { $0.id == hold }) else {
                throw ImageMirrorError(
                    .invalidArgument, "cannot hold \(hold): neither \(source.location) nor \(destination.string) has it"
                )
            }
            try Self.checkPaths(of: local)
            record.holds[BytewiseString(hold.product)] = hold.version
            record.recordLocal(local)
        }
        guard !record.isEmpty else { return (snapshot, record == previous ? nil : record) }
        guard options.signer != nil else {
            throw ImageMirrorError(
                .invalidArgument,
                "\(destination.string) has curated versions (held, removed or copied, in \(CurationRecord.relativePath)); "
                    + "its metadata must be re-signed: give a signing key, or lift them (unhold the products)")
        }
        var curated = snapshot
        for index in curated.result.products.indices {
            let products = curated.result.products[index]
            do {
                curated.result.products[index].document = try ProductsDocument(
                    json: record.apply(to: products.document.json, at: products.path))
            } catch {
                throw ImageMirrorError(
                    .metadata, "\(products.path): the curated document is invalid: \(error.message)",
                    underlyingError: error)
            }
        }
        return (curated, record == previous ? nil : record)
    }

    /// The version `id` of the products documents `documents`, as a local version of the document that has it.
    static func localVersion(_ id: ProductVersionID, in documents: [(path: String, json: JSONObject)])
        -> CurationRecord.LocalVersion?
    {
        for document in documents {
            guard var product = document.json["products"]?.objectValue?[id.product]?.objectValue,
                let version = product["versions"]?.objectValue?[id.version]?.objectValue
            else { continue }
            product["versions"] = nil
            return CurationRecord.LocalVersion(
                id: id, documentPath: document.path, contentID: document.json["content_id"]?.stringValue ?? "",
                productAttributes: product, version: version)
        }
        return nil
    }

    /// Throws ``ImageMirrorError/Code/invalidArgument`` when an item of `local` has a path the mirror cannot hold.
    static func checkPaths(of local: CurationRecord.LocalVersion) throws(ImageMirrorError) {
        for (name, item) in local.version["items"]?.objectValue ?? JSONObject() {
            guard let value = item.objectValue?["path"] else { continue }
            guard let path = value.stringValue, StreamPath.isSafe(path) else {
                throw ImageMirrorError(.invalidArgument, "\(local.id) item \(name) has an unsafe path")
            }
            if let problem = reservedPathProblem(path) {
                throw ImageMirrorError(.invalidArgument, "\(local.id) item \(name): \(problem)")
            }
        }
    }

    /// The products document the mirror publishes for `path` (its `.sjson` payload, else its `.json`), read without
    /// verification: the mirror wrote it.
    static func publishedDocument(_ path: String, in store: MirrorDirectory, maximumSize: Int) -> JSONObject? {
        let base = MetadataPublisher.base(path)
        for candidate in [base + ".sjson", base + ".json"] {
            guard let bytes = store.readFile(candidate, maximumSize: maximumSize) else { continue }
            let payload =
                UnverifiedClearsignedPayload.isClearsigned(bytes)
                ? (try? UnverifiedClearsignedPayload.extract(bytes)) : bytes
            if let payload, case .object(let object)? = try? JSONValue(parsing: payload) { return object }
        }
        return nil
    }
}
