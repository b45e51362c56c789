public import Logging
public import ProgressReporting
public import SignedStreams
internal import SimpleStreams
public import SystemPackage
public import Verification

/// Curation of a local mirror: versions removed from its metadata, or copied into it from another stream (promoting
/// a candidate version to stable), each an atomic change re-signed with the site's key.
///
/// ```swift
/// let curation = MirrorCuration(
///     mirror: "/srv/mirror", signer: try DocumentSigner(homeDirectory: "/srv/gnupg", fingerprint: siteKey),
///     policy: .verify(keyring: try Keyring(contentsOf: "/srv/site-keyring.gpg")))
/// try await curation.remove([ProductVersionID(parsing: "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04@20250718")])
/// ```
///
/// Each operation reads the metadata the mirror publishes (verified with ``policy``), changes it, records the change
/// in the mirror (`.mirror/curation.json`, so later ``StreamMirror`` runs keep it: a removed version is not taken back
/// and a copied one stays, until the product is released with ``MirrorOptions/releasedHolds``), writes every products
/// document and then the index, each as `.json`, detached `.json.gpg` and clearsigned `.sjson` signed by ``signer``
/// (as ``MirrorOptions/signer`` writes them), and last applies the ``pruning`` policy: files no version names any
/// more become orphans, removed when their grace period is over.
///
/// Every step leaves the mirror consistent: payloads are in place and verified before any metadata names them, each
/// document is replaced atomically (a reader sees the old or the new one), and a removed version's files stay until
/// pruned. An operation interrupted (cancelled, killed) can be run again and completes. The `updated` dates of the
/// documents are kept, so the next ``StreamMirror`` run from the same source is not refused as a rollback.
public struct MirrorCuration: Sendable {
    /// The mirror directory.
    public var mirror: FilePath
    /// The site's key, which signs the new metadata.
    public var signer: DocumentSigner
    /// How the metadata the mirror publishes is verified before it is changed (usually the site's public key).
    public var policy: SignaturePolicy
    /// Where the time comes from (orphans are dated by it).
    public var clock: MirrorClock
    /// When the files no version names any more are removed.
    public var pruning: PruningPolicy
    /// The largest metadata document read, in bytes.
    public var maximumDocumentSize: Int = StreamReader.defaultMaximumDocumentSize
    /// Where operations log.
    public var logger: Logger
    /// Called with the name of each step before it is taken, then cancellation is checked: lets tests interrupt an
    /// operation at every step.
    package var checkpoint: (@Sendable (String) -> Void)?

    /// Creates a curation of the mirror at `mirror`.
    ///
    /// - Parameters:
    ///   - mirror: the mirror directory (made by ``StreamMirror``).
    ///   - signer: the site's key, which signs the new metadata.
    ///   - policy: how the metadata the mirror publishes is verified (usually the public key of `signer`).
    ///   - clock: where the time comes from.
    ///   - pruning: when files no version names any more are removed.
    ///   - logger: where operations log.
    public init(
        mirror: FilePath, signer: DocumentSigner, policy: SignaturePolicy, clock: MirrorClock = .system,
        pruning: PruningPolicy = .default, logger: Logger = Logger(label: "maas-images.curation")
    ) {
        self.mirror = mirror
        self.signer = signer
        self.policy = policy
        self.clock = clock
        self.pruning = pruning
        self.logger = logger
    }

    /// Creates a curation of the mirror whose path is given as a string (`"/srv/mirror"`).
    public init(
        mirror: String, signer: DocumentSigner, policy: SignaturePolicy, clock: MirrorClock = .system,
        pruning: PruningPolicy = .default, logger: Logger = Logger(label: "maas-images.curation")
    ) {
        self.init(
            mirror: FilePath(mirror), signer: signer, policy: policy, clock: clock, pruning: pruning, logger: logger)
    }

    // MARK: - Remove

    /// Removes versions from the published metadata; a product left without versions is dropped (and its name from
    /// the index). The versions' files follow the ``pruning`` policy. A version the mirror already recorded as removed
    /// is not an error (an interrupted removal is completed by running it again).
    ///
    /// - Throws: ``ImageMirrorError/Code/invalidArgument`` naming a version the mirror does not publish (nothing is
    ///   changed); ``ImageMirrorError/Code/metadata`` when the mirror's metadata does not verify;
    ///   ``ImageMirrorError/Code/signing``, ``ImageMirrorError/Code/io``, ``ImageMirrorError/Code/cancelled``.
    public func remove(_ versions: [ProductVersionID]) async throws(ImageMirrorError) -> CurationSummary {
        let store = try openMirror()
        let published = try await readPublished()
        var record = try CurationRecord.read(store)
        var documents = Self.outputs(published)
        var summary = CurationSummary()
        for id in Self.unique(versions) {
            guard let (document, product) = Self.locate(id, in: documents) else {
                // Removed by an interrupted run of this operation: finished below.
                if record.isRemoved(id.product, id.version) {
                    summary.removed.append(id)
                    continue
                }
                throw ImageMirrorError(
                    .invalidArgument, "\(mirror.string) does not publish \(id); nothing was changed")
            }
            documents[document].document = Self.removing(id.version, of: product, from: documents[document].document)
            record.recordRemoval(id)
            summary.removed.append(id)
        }
        try step("record")
        try record.write(store)
        try finish(documents, published: published, store: store, progress: nil, summary: &summary)
        return summary
    }

    // MARK: - Copy

    /// Copies versions from another stream or mirror into this one: their files (verified against `source`'s signed
    /// metadata, downloaded as ``StreamMirror`` does: `.part` files renamed once verified, identical files linked)
    /// and their version objects, merged into the mirror's products documents.
    ///
    /// The version goes into the mirror's product with the same id; else into the one product whose id is the same
    /// after the first `:`-separated field (`com.ubuntu.maas.candidate:v3:boot:…` into
    /// `com.ubuntu.maas.stable:v3:boot:…`: a candidate promoted to stable, inheriting the stable product's
    /// attributes); else the product is added to the mirror's products document with the same content id.
    ///
    /// - Parameters:
    ///   - versions: the versions, named as `source` names them.
    ///   - source: the stream to copy from.
    ///   - sourcePolicy: how `source`'s metadata is verified.
    ///   - documentPath: the document of `source` to start from (its policy's default index when `nil`).
    ///   - retry: how failed downloads are retried.
    ///   - progress: where the copy reports its downloads (as a ``StreamMirror`` run does); finished when it ends.
    /// - Throws: ``ImageMirrorError/Code/invalidArgument`` (nothing changed) for a version `source` lacks, one the
    ///   mirror has no product or document for, one it already has with other content, or a file the mirror already
    ///   holds with another size or digest; ``ImageMirrorError/Code/transport`` when files could not be fetched
    ///   (nothing published; a rerun resumes); ``ImageMirrorError/Code/metadata``,
    ///   ``ImageMirrorError/Code/signing``, ``ImageMirrorError/Code/io``, ``ImageMirrorError/Code/cancelled``.
    public func copy(
        _ versions: [ProductVersionID], from source: any PayloadSource, policy sourcePolicy: SignaturePolicy,
        documentPath: String? = nil, retry: RetryPolicy = RetryPolicy(), progress: ProgressChannel<MirrorEvent>? = nil
    ) async throws(ImageMirrorError) -> CurationSummary {
        defer { progress?.finish() }
        let store = try openMirror()
        let published = try await readPublished()
        let upstream = try await MetadataSnapshot.read(
            source: source, policy: sourcePolicy, path: documentPath, notOlderThan: nil,
            maximumDocumentSize: maximumDocumentSize)
        var record = try CurationRecord.read(store)
        var manifest = MirrorManifest.read(store)
        var documents = Self.outputs(published)
        let named = try Self.namedFiles(documents)
        var summary = CurationSummary()
        var files: [MirrorPlan.File] = []
        var filesByPath: [BytewiseString: MirrorPlan.File] = [:]
        var locals: [CurationRecord.LocalVersion] = []
        for id in Self.unique(versions) {
            let sources = Self.outputs(upstream)
            guard let (sourceIndex, _) = Self.locate(id, in: sources),
                case .object(var sourceProduct)? = sources[sourceIndex].document["products"]?.objectValue?[id.product],
                let version = sourceProduct["versions"]?.objectValue?[id.version]?.objectValue
            else {
                throw ImageMirrorError(.invalidArgument, "\(source.location) has no \(id); nothing was changed")
            }
            sourceProduct["versions"] = nil
            let contentID = sources[sourceIndex].document["content_id"]?.stringValue ?? ""
            let (target, name) = try Self.target(for: id.product, contentID: contentID, in: documents)
            let targetID = ProductVersionID(product: name, version: id.version)
            let existing = documents[target].document["products"]?.objectValue?[name]?.objectValue
            if let already = existing?["versions"]?.objectValue?[id.version] {
                guard already == .object(version) else {
                    throw ImageMirrorError(
                        .invalidArgument,
                        "\(mirror.string) already publishes \(targetID), unlike \(id) of \(source.location); "
                            + "remove it first; nothing was changed")
                }
                logger.info("\(mirror.string) already publishes \(targetID)")
            }
            for file in try Self.files(of: id, in: sources[sourceIndex].document, at: sources[sourceIndex].path) {
                let key = BytewiseString(file.path)
                let held =
                    filesByPath[key].map { ($0.size, $0.digest) } ?? named[key]
                    ?? manifest.files[key].map { ($0.size, $0.digest) }
                if let (size, digest) = held {
                    guard size == file.size, digest == file.digest else {
                        throw ImageMirrorError(
                            .invalidArgument,
                            "\(id): \(mirror.string) already holds \(file.path) with another size or digest; "
                                + "nothing was changed")
                    }
                } else if store.regularFileSize(file.path) != nil,
                    try !Self.hasContent(file, in: store)
                {
                    throw ImageMirrorError(
                        .invalidArgument,
                        "\(id): \(mirror.string)/\(file.path) exists with other content; nothing was changed")
                }
                if filesByPath[key] == nil {
                    filesByPath[key] = file
                    files.append(file)
                }
            }
            var product = existing ?? sourceProduct
            var productVersions = product["versions"]?.objectValue ?? JSONObject()
            productVersions[id.version] = .object(version)
            product["versions"] = .object(productVersions)
            var products = documents[target].document["products"]?.objectValue ?? JSONObject()
            products[name] = .object(product)
            documents[target].document["products"] = .object(products)
            var attributes = product
            attributes["versions"] = nil
            locals.append(
                CurationRecord.LocalVersion(
                    id: targetID, documentPath: documents[target].path,
                    contentID: documents[target].document["content_id"]?.stringValue ?? "",
                    productAttributes: attributes, version: version))
            summary.copied.append(targetID)
        }

        // Payloads: recorded before they are fetched (so pruning finds them after any interruption), then fetched
        // or linked, then recorded as verified. Until the metadata names them they are orphans: an audit reports
        // them as such, and if the copy is never completed they are pruned after the grace period.
        var fetching: [MirrorPlan.File] = []
        let now = clock.now()
        for file in files {
            let key = BytewiseString(file.path)
            let since =
                named[key] == nil ? manifest.files[key]?.orphanedSince ?? now : manifest.files[key]?.orphanedSince
            if try isInPlace(file, store: store, recorded: manifest.files[key]) {
                manifest.files[key] = MirrorManifest.Entry(
                    size: file.size, digest: file.digest, verified: true, orphanedSince: since)
            } else {
                fetching.append(file)
                manifest.files[key] = MirrorManifest.Entry(
                    size: file.size, digest: file.digest, verified: false, orphanedSince: since)
            }
        }
        try step("track")
        store.removeTemporaries(besides: MirrorManifest.relativePath)
        try manifest.write(store)
        progress?.setTotals(bytes: fetching.reduce(0) { $0.saturatingAdd($1.size) }, items: fetching.count)
        let downloader = Downloader(source: source, store: store, retry: retry, progress: progress, logger: logger)
        var failures: [MirrorFailure] = []
        for file in fetching {
            try step("fetch \(file.path)")
            let key = BytewiseString(file.path)
            let origin = manifest.files.first { candidate in
                candidate.value.verified && candidate.value.digest == file.digest && candidate.key != key
                    && store.regularFileSize(candidate.key.string) == file.size
            }
            if let origin, (try? store.link(origin.key.string, to: file.path)) != nil {
                summary.linked.append(file.path)
                progress?.advance(bytes: file.size, items: 1)
                progress?.report(.verified(path: file.path, size: file.size, linked: true))
            } else if let failure = await downloader.download(file) {
                failures.append(failure)
                continue
            } else {
                summary.downloaded.append(file.path)
            }
            manifest.files[key]?.verified = true
        }
        try manifest.write(store)
        guard failures.isEmpty else {
            throw ImageMirrorError(
                .transport,
                "\(failures.count) files could not be copied, nothing was published: "
                    + failures.map(\.description).joined(separator: "; "))
        }
        for local in locals { record.recordLocal(local) }
        try step("record")
        try record.write(store)
        try finish(documents, published: published, store: store, progress: progress, summary: &summary)
        return summary
    }

    // MARK: - Steps

    /// Calls the test hook, then throws ``ImageMirrorError/Code/cancelled`` if the task was cancelled.
    private func step(_ name: String) throws(ImageMirrorError) {
        checkpoint?(name)
        try Task.checkCancellation(path: mirror.string)
    }

    private func openMirror() throws(ImageMirrorError) -> MirrorDirectory {
        guard let store = try MirrorDirectory.open(mirror.string, create: false) else {
            throw ImageMirrorError(.invalidArgument, "\(mirror.string) does not exist")
        }
        return store
    }

    /// The metadata the mirror publishes, verified with ``policy``.
    private func readPublished() async throws(ImageMirrorError) -> MetadataSnapshot {
        let source: LocalStreamSource
        do {
            source = try LocalStreamSource(root: mirror)
        } catch {
            throw ImageMirrorError(.invalidArgument, "\(mirror.string): \(error.message)", underlyingError: error)
        }
        do {
            return try await MetadataSnapshot.read(
                source: source, policy: policy, path: nil, notOlderThan: nil, maximumDocumentSize: maximumDocumentSize)
        } catch {
            throw ImageMirrorError(
                error.code, "the metadata \(mirror.string) publishes: \(error.message); nothing was changed",
                underlyingError: error.underlyingError)
        }
    }

    /// Publishes `documents` and the index re-signed, removes the documents left without products, prunes.
    private func finish(
        _ documents: [MetadataPublisher.SignedOutput], published: MetadataSnapshot, store: MirrorDirectory,
        progress: ProgressChannel<MirrorEvent>?, summary: inout CurationSummary
    ) throws(ImageMirrorError) {
        let kept = documents.filter { !($0.document["products"]?.objectValue?.isEmpty ?? true) }
        let emptied = documents.filter { $0.document["products"]?.objectValue?.isEmpty ?? true }
        let indexes = published.result.indexes.map {
            MetadataPublisher.SignedOutput(path: $0.path, document: $0.document.json)
        }
        for output in documents + indexes { store.removeTemporaries(besides: output.path) }
        // While the documents are replaced one by one, a file either the old or the new metadata does not name is
        // an orphan (since now, or since it already was); nothing is removed before the new metadata is out.
        let named = Set(try Self.namedFiles(kept).keys)
        let before = Set(try Self.namedFiles(Self.outputs(published)).keys)
        let pruner = Pruner(store: store, policy: pruning, now: clock.now(), logger: logger)
        _ = try Pruner(store: store, policy: .never, now: pruner.now, logger: logger).prune(
            MirrorManifest.read(store), named: named.intersection(before), in: store)
        let written = try MetadataPublisher(store: store, signer: signer).publishSigned(
            products: kept, indexes: indexes, signer: signer
        ) { path throws(ImageMirrorError) in try step("publish \(path)") }
        summary.published = written
        progress?.report(.published(paths: written))
        for output in emptied {
            let base = MetadataPublisher.base(output.path)
            for path in [base + ".sjson", base + ".json", base + ".json.gpg"] { try? store.remove(path) }
        }
        try step("prune")
        let decision = try pruner.prune(
            MirrorManifest.read(store), named: named, in: store
        ) { removal in
            progress?.report(.pruned(path: removal.path, size: removal.size))
        }
        summary.pruned = decision.removals.map(\.path)
        summary.orphans = decision.orphans
    }

    // MARK: - Documents

    /// The products documents of `snapshot`, as documents to publish.
    private static func outputs(_ snapshot: MetadataSnapshot) -> [MetadataPublisher.SignedOutput] {
        snapshot.result.products.map { MetadataPublisher.SignedOutput(path: $0.path, document: $0.document.json) }
    }

    /// `versions` without repeats (compared as bytes), in order.
    private static func unique(_ versions: [ProductVersionID]) -> [ProductVersionID] {
        var seen: Set<ProductVersionID> = []
        return versions.filter { seen.insert($0).inserted }
    }

    /// The document holding version `id`, and the product's name.
    private static func locate(_ id: ProductVersionID, in documents: [MetadataPublisher.SignedOutput])
        -> (Int, String)?
    {
        for (index, output) in documents.enumerated() {
            if output.document["products"]?.objectValue?[id.product]?.objectValue?["versions"]?.objectValue?[
                id.version] != nil
            {
                return (index, id.product)
            }
        }
        return nil
    }

    /// `document` without `version` of `product`, and without the product when that was its last version.
    private static func removing(_ version: String, of product: String, from document: JSONObject) -> JSONObject {
        var result = document
        var products = document["products"]?.objectValue ?? JSONObject()
        guard var object = products[product]?.objectValue else { return document }
        var versions = object["versions"]?.objectValue ?? JSONObject()
        versions[version] = nil
        if versions.isEmpty {
            products[product] = nil
        } else {
            object["versions"] = .object(versions)
            products[product] = .object(object)
        }
        result["products"] = .object(products)
        return result
    }

    /// Where a version of source product `product` (from a document with `contentID`) goes in the mirror: the
    /// document and the product name.
    private static func target(
        for product: String, contentID: String, in documents: [MetadataPublisher.SignedOutput]
    ) throws(ImageMirrorError) -> (Int, String) {
        for (index, output) in documents.enumerated() where output.document["products"]?.objectValue?[product] != nil {
            return (index, product)
        }
        let suffix = Self.afterFirstField(product)
        var matches: [(Int, String)] = []
        if let suffix {
            for (index, output) in documents.enumerated() {
                for name in output.document["products"]?.objectValue?.keys ?? []
                where Self.afterFirstField(name).map(BytewiseString.init) == BytewiseString(suffix) {
                    matches.append((index, name))
                }
            }
        }
        if matches.count == 1, let match = matches.first { return match }
        if matches.count > 1 {
            throw ImageMirrorError(
                .invalidArgument,
                "\(product) matches several products of the mirror (\(matches.map(\.1).joined(separator: ", "))); "
                    + "nothing was changed")
        }
        if let index = documents.firstIndex(where: {
            $0.document["content_id"]?.stringValue.map(BytewiseString.init) == BytewiseString(contentID)
        }) {
            return (index, product)
        }
        throw ImageMirrorError(
            .invalidArgument,
            "the mirror has no product like \(product) and no products document with content id \(contentID); "
                + "nothing was changed")
    }

    /// `a:b:c` → `b:c`; `nil` without a `:`.
    private static func afterFirstField(_ id: String) -> String? {
        guard let colon = id.firstIndex(of: ":") else { return nil }
        return String(id[id.index(after: colon)...])
    }

    /// The payload of every item of version `id` in `document`.
    private static func files(of id: ProductVersionID, in document: JSONObject, at path: String)
        throws(ImageMirrorError) -> [MirrorPlan.File]
    {
        var files: [MirrorPlan.File] = []
        for item in try flattened(document, at: path)
        where BytewiseString(item.productName) == BytewiseString(id.product)
            && BytewiseString(item.versionName) == BytewiseString(id.version)
        {
            guard let itemPath = item.path else { continue }
            if let problem = StreamMirror.reservedPathProblem(itemPath) {
                throw ImageMirrorError(.invalidArgument, "\(item.pedigree): \(problem); nothing was changed")
            }
            let digest: ContentDigest
            switch StreamMirror.signedDigest(of: item) {
            case .success(let strongest): digest = strongest
            case .failure(let problem):
                throw ImageMirrorError(.metadata, "\(item.pedigree) \(problem.message); nothing was changed")
            }
            guard let size = item.size, size >= 0 else {
                throw ImageMirrorError(.metadata, "\(item.pedigree) has no valid size; nothing was changed")
            }
            files.append(MirrorPlan.File(path: itemPath, size: size, digest: digest, references: [item.pedigree]))
        }
        return files
    }

    /// The items of `document`, with their inherited attributes.
    private static func flattened(_ document: JSONObject, at path: String) throws(ImageMirrorError) -> [FlattenedItem] {
        do {
            return try StreamQuery().run(on: ProductsDocument(json: document))
        } catch {
            throw ImageMirrorError(.metadata, "\(path): \(error.message)", underlyingError: error)
        }
    }

    /// The size and strongest digest of every path `documents` name (items without a usable digest left out).
    private static func namedFiles(_ documents: [MetadataPublisher.SignedOutput]) throws(ImageMirrorError)
        -> [BytewiseString: (Int64, ContentDigest)]
    {
        var named: [BytewiseString: (Int64, ContentDigest)] = [:]
        for output in documents {
            for item in try flattened(output.document, at: output.path) {
                guard let path = item.path, let size = item.size,
                    case .success(let digest) = StreamMirror.signedDigest(of: item)
                else { continue }
                named[BytewiseString(path)] = (size, digest)
            }
        }
        return named
    }

    // MARK: - Files

    /// Whether `file` is in place: recorded as verified with its digest (and of its size), or hashing to it.
    private func isInPlace(_ file: MirrorPlan.File, store: MirrorDirectory, recorded: MirrorManifest.Entry?)
        throws(ImageMirrorError) -> Bool
    {
        guard store.regularFileSize(file.path) == file.size else { return false }
        if let recorded, recorded.verified, recorded.digest == file.digest, recorded.size == file.size { return true }
        return try Self.hasContent(file, in: store)
    }

    /// Whether the regular file at `file.path` has its size and digest.
    private static func hasContent(_ file: MirrorPlan.File, in store: MirrorDirectory) throws(ImageMirrorError) -> Bool
    {
        guard store.regularFileSize(file.path) == file.size else { return false }
        return try store.digest(of: file.path, file.digest.algorithm) == file.digest
    }
}
