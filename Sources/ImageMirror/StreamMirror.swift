public import Logging
public import ProgressReporting
public import SignedStreams
internal import SimpleStreams
internal import SystemLayer
public import SystemPackage
internal import Verification

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A local mirror of a signed simplestreams stream: verified, resumable, parallel, pruned, safe to interrupt.
///
/// ```swift
/// try await HTTPTransport.withTransport(HTTPSettings()) { transport in
///     let source = try HTTPStreamSource("https://images.maas.io/ephemeral-v3/stable/", transport: transport)
///     let mirror = StreamMirror(
///         source: source, destination: "/srv/mirror",
///         policy: .verify(keyring: try Keyring(contentsOf: Keyring.maasDefaultPath)),
///         options: MirrorOptions(selections: [BootSelection(os: "ubuntu", release: "noble", arches: ["amd64"])],
///                                maximumVersions: 1))
///     let summary = try await mirror.run()
///     print(summary.downloaded.count, "downloaded,", summary.failures.count, "failed")
/// }
/// ```
///
/// To follow a run, pass a `ProgressChannel<MirrorEvent>` and read it while the run goes on:
///
/// ```swift
/// let progress = ProgressChannel<MirrorEvent>()
/// async let summary = mirror.run(progress: progress)
/// for await update in progress { print(update.completedBytes, "of", update.totalBytes ?? 0, "bytes") }
/// print(try await summary.succeeded)
/// ```
///
/// A run reads and verifies every document first, and refuses metadata older than what the mirror already published
/// (unless ``MirrorOptions/allowsOlderMetadata``); nothing is downloaded when a check fails. Then:
/// 1. payloads not in place are downloaded, `jobs` at a time, each to a `.part` file renamed into place once its
///    size and digest (the strongest the item states) match; identical files are downloaded once and hard-linked. A
///    file is in place only when the mirror recorded it (`.mirror/manifest.json`) as verified with the digest the new
///    metadata signs, or hashing it gives that digest: a same-size change upstream is fetched again;
/// 2. the products documents are written, then the index, each to a random temporary name and renamed;
/// 3. files no kept version references any more become orphans, recorded with the time; orphans whose grace period
///    (``MirrorOptions/pruning``, 72 hours by default) is over are removed, with the directories they leave empty, so
///    a client that read the previous index a moment ago still finds its files.
///
/// If a payload fails, the run goes on with the others but stops before step 2, so the published metadata never
/// names a file the mirror lacks; rerunning finishes the job. The destination is written only through directory
/// descriptors (`O_NOFOLLOW`), so a symbolic link planted in it is refused or replaced, never followed.
public struct StreamMirror: Sendable {
    /// Where the stream comes from.
    public var source: any PayloadSource
    /// The mirror directory.
    public var destination: FilePath
    /// Whether documents must be signed, and by whom.
    public var policy: SignaturePolicy
    /// The document to start from (the policy's default index when `nil`).
    public var documentPath: String?
    /// Rollback protection (see `StreamReader/notOlderThan`).
    public var notOlderThan: Date?
    /// What to mirror and how.
    public var options: MirrorOptions
    /// How failed downloads are retried.
    public var retry: RetryPolicy
    /// Other servers (or directories) holding the same payloads, tried in order for a file `source` cannot give
    /// (not found, an HTTP or transport failure once its retries are spent, content that does not match), each with
    /// the whole ``retry`` policy again. The metadata is only ever read from `source`, and every byte is verified
    /// against its signed size and digest, whichever server sent it. Empty by default.
    public var fallbackSources: [any PayloadSource] = []
    /// Where the run logs.
    public var logger: Logger
    /// Where the run reads the time, for the grace period of orphans (``MirrorOptions/pruning``).
    public var clock: MirrorClock = .system

    /// Creates a mirror job.
    ///
    /// - Parameters:
    ///   - source: where the stream comes from (``HTTPStreamSource``, or `LocalStreamSource` for a directory).
    ///   - destination: the mirror directory, created when missing.
    ///   - policy: whether documents must be signed, and by whom.
    ///   - documentPath: the document to start from (the policy's default index when `nil`).
    ///   - options: what to mirror and how.
    ///   - retry: how failed downloads are retried.
    ///   - logger: where the run logs.
    public init(
        source: any PayloadSource, destination: FilePath, policy: SignaturePolicy, documentPath: String? = nil,
        options: MirrorOptions = MirrorOptions(), retry: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "maas-images.mirror")
    ) {
        self.source = source
        self.destination = destination
        self.policy = policy
        self.documentPath = documentPath
        self.options = options
        self.retry = retry
        self.logger = logger
    }

    /// Creates a mirror job whose destination is given as a string (`"/srv/mirror"`).
    public init(
        source: any PayloadSource, destination: String, policy: SignaturePolicy, documentPath: String? = nil,
        options: MirrorOptions = MirrorOptions(), retry: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "maas-images.mirror")
    ) {
        self.init(
            source: source, destination: FilePath(destination), policy: policy, documentPath: documentPath,
            options: options, retry: retry, logger: logger)
    }

    /// The destination, for messages and the system layer.
    private var destinationPath: String { destination.string }

    /// Reads and verifies the metadata and works out what a run would download and remove, changing nothing
    /// (`--dry-run`).
    ///
    /// - Throws: ``ImageMirrorError/Code/metadata`` when a document is invalid or does not verify,
    ///   ``ImageMirrorError/Code/transport`` or ``ImageMirrorError/Code/notFound`` when the server fails to give one,
    ///   ``ImageMirrorError/Code/rollback``, ``ImageMirrorError/Code/cancelled``.
    public func plan() async throws(ImageMirrorError) -> MirrorPlan {
        try await prepare(try MirrorDirectory.open(destinationPath, create: false)).plan
    }

    /// Mirrors the stream; see ``StreamMirror``.
    ///
    /// - Parameter progress: where the run reports, if anywhere: once the plan is made, the totals (the bytes and
    ///   files to download, ``MirrorPlan/bytesToDownload`` and ``MirrorPlan/downloads``), then the bytes as they
    ///   arrive (a file that starts over takes its bytes back; a linked file counts as done with its size), a file
    ///   done per file put in place, and a ``MirrorEvent`` per file. The channel is finished whenever the run ends,
    ///   thrown errors included; its final counts are those of the summary (the files downloaded and linked, and
    ///   their bytes).
    /// - Returns: what was done; ``MirrorSummary/failures`` lists the payloads that could not be mirrored.
    /// - Throws: ``ImageMirrorError``: ``ImageMirrorError/Code/metadata``, ``ImageMirrorError/Code/notFound``,
    ///   ``ImageMirrorError/Code/transport`` (the server, for the metadata) and ``ImageMirrorError/Code/rollback``
    ///   before any download, ``ImageMirrorError/Code/insufficientSpace``, ``ImageMirrorError/Code/io`` and
    ///   ``ImageMirrorError/Code/unsafeDestination`` for the destination, ``ImageMirrorError/Code/signing``,
    ///   ``ImageMirrorError/Code/cancelled``.
    public func run(progress: ProgressChannel<MirrorEvent>? = nil) async throws(ImageMirrorError) -> MirrorSummary {
        defer { progress?.finish() }
        guard let store = try MirrorDirectory.open(destinationPath, create: true) else {
            throw ImageMirrorError(.io, "\(destinationPath): cannot create the destination")
        }
        let prepared = try await prepare(store)
        let plan = prepared.plan
        progress?.setTotals(bytes: plan.bytesToDownload, items: plan.downloads.count)
        for problem in plan.problems { progress?.report(.failed(problem)) }
        if options.checksFreeSpace { try checkFreeSpace(plan, store) }
        // Temporaries an interrupted run left where only the mirror writes (its record and its metadata).
        for path in [MirrorManifest.relativePath] + plan.metadataPaths { store.removeTemporaries(besides: path) }

        // Everything about to be created is recorded first, so pruning can find it after any interruption; files
        // found in place by hashing are recorded as verified.
        var tracking = prepared.previous
        let downloading = Set(plan.downloads.map { BytewiseString($0.path) })
        for file in plan.files {
            let key = BytewiseString(file.path)
            tracking.files[key] = MirrorManifest.Entry(
                size: file.size, digest: file.digest, verified: !downloading.contains(key),
                orphanedSince: tracking.files[key]?.orphanedSince)
        }
        if tracking != prepared.previous { try tracking.write(store) }

        let transfer = try await transferPayloads(plan, store: store, progress: progress)
        var summary = MirrorSummary(
            plan: plan, downloaded: transfer.downloaded, linked: transfer.linked,
            failures: plan.problems + transfer.failures, pruned: [], orphans: [], published: false)
        guard summary.failures.isEmpty else {
            // What did arrive is recorded as verified, so the rerun does not hash it again.
            let arrived = Set((transfer.downloaded + transfer.linked).map(BytewiseString.init))
            for file in plan.files where arrived.contains(BytewiseString(file.path)) {
                tracking.files[BytewiseString(file.path)]?.verified = true
            }
            try tracking.write(store)
            logger.error("\(summary.failures.count) files failed; the metadata was not published")
            return summary
        }
        try Task.checkCancellation(path: destinationPath)

        try prepared.curation?.write(store)
        let published = try MetadataPublisher(store: store, signer: options.signer).publish(
            prepared.snapshot, selected: prepared.selected)
        summary.published = true
        progress?.report(.published(paths: published))

        for file in plan.files {
            tracking.files[BytewiseString(file.path)] = MirrorManifest.Entry(
                size: file.size, digest: file.digest, verified: true)
        }
        let pruned = try pruner(store).prune(
            tracking, named: Set(plan.files.map { BytewiseString($0.path) }), in: store
        ) { removal in
            progress?.report(.pruned(path: removal.path, size: removal.size))
        }
        summary.pruned = pruned.removals.map(\.path)
        summary.orphans = pruned.orphans
        return summary
    }

    /// The pruner of this run: its policy, now by its clock.
    private func pruner(_ store: MirrorDirectory?) -> Pruner {
        Pruner(store: store, policy: options.pruning, now: clock.now(), logger: logger)
    }

    // MARK: - Planning

    private struct Prepared {
        var snapshot: MetadataSnapshot
        var plan: MirrorPlan
        var previous: MirrorManifest
        /// The selected items.
        var selected: Set<StreamMirror.ItemKey>
        /// The curation record to write before publishing, when the run changes it.
        var curation: CurationRecord? = nil
    }

    /// An item: its product, version and item names, compared as bytes.
    struct ItemKey: Hashable, Sendable {
        var product: BytewiseString
        var version: BytewiseString
        var item: BytewiseString

        init(_ product: String, _ version: String, _ item: String) {
            self.product = BytewiseString(product)
            self.version = BytewiseString(version)
            self.item = BytewiseString(item)
        }

        init(_ item: FlattenedItem) { self.init(item.productName, item.versionName, item.itemName) }
    }

    private func prepare(_ store: MirrorDirectory?) async throws(ImageMirrorError) -> Prepared {
        let upstream = try await MetadataSnapshot.read(
            source: source, policy: policy, path: documentPath, notOlderThan: notOlderThan,
            maximumDocumentSize: options.maximumDocumentSize)
        if !options.allowsOlderMetadata, let store { try upstream.checkNotOlder(than: store) }
        // Held, removed and copied versions (`.mirror/curation.json`) applied to the source's products documents.
        let (snapshot, curation) = try curate(upstream, store: store)
        let queries: [StreamQuery]
        do {
            queries = try options.queries()
        } catch {
            throw ImageMirrorError(.invalidArgument, error.message, underlyingError: error)
        }
        var files: [BytewiseString: MirrorPlan.File] = [:]
        var order: [BytewiseString] = []
        var problems: [MirrorFailure] = []
        var conflicting: Set<BytewiseString> = []
        var selected: Set<ItemKey> = []
        for products in snapshot.result.products {
            for query in queries {
                let items: [FlattenedItem]
                do {
                    items = try query.run(on: products.document)
                } catch {
                    throw ImageMirrorError(.metadata, "\(products.path): \(error.message)", underlyingError: error)
                }
                for item in items {
                    guard selected.insert(ItemKey(item)).inserted, let path = item.path else { continue }
                    let key = BytewiseString(path)
                    func refuse(_ reason: String, _ digest: ContentDigest? = nil) {
                        problems.append(
                            MirrorFailure(
                                path: path, url: source.url(of: path), expected: digest, actual: nil,
                                reason: "\(item.pedigree) \(reason)"))
                    }
                    if let reason = Self.reservedPathProblem(path) {
                        refuse(": \(reason)")
                        continue
                    }
                    let digest: ContentDigest
                    switch Self.signedDigest(of: item) {
                    case .success(let strongest): digest = strongest
                    case .failure(let problem):
                        refuse(problem.message)
                        continue
                    }
                    guard let size = item.size, size >= 0 else {
                        refuse("has no valid size to verify \(path) against", digest)
                        continue
                    }
                    if var existing = files[key] {
                        guard existing.size == size, existing.digest == digest else {
                            refuse("describes \(path) unlike another item does", digest)
                            conflicting.insert(key)
                            continue
                        }
                        existing.references.append(item.pedigree)
                        files[key] = existing
                    } else {
                        files[key] = MirrorPlan.File(
                            path: path, size: size, digest: digest, references: [item.pedigree])
                        order.append(key)
                    }
                }
            }
        }
        let kept = order.filter { !conflicting.contains($0) }.compactMap { files[$0] }
        let previous = MirrorManifest.read(store)
        var downloads: [MirrorPlan.File] = []
        for file in kept where try !isPresent(file, in: store, recorded: previous.files[BytewiseString(file.path)]) {
            downloads.append(file)
        }
        let pruning = pruner(store).decide(previous, named: Set(kept.map { BytewiseString($0.path) }))
        let metadata = (snapshot.productsDocuments + snapshot.indexDocuments).map(\.path)
        let plan = MirrorPlan(
            files: kept, downloads: downloads, removals: pruning.removals, orphans: pruning.orphans,
            problems: problems, metadataPaths: metadata)
        return Prepared(
            snapshot: snapshot, plan: plan, previous: previous, selected: selected, curation: curation)
    }

    /// Why a payload path may not be used, though `StreamPath` accepts it: it would overwrite the mirror's own
    /// files (`.mirror/`), its metadata (`streams/`), or a name the mirror uses for partial or temporary files.
    static func reservedPathProblem(_ path: String) -> String? {
        if path.hasPrefix(".mirror/") || path == ".mirror" { return "\(path) is inside the mirror's own .mirror/" }
        if path.hasPrefix("streams/") || path == "streams" {
            return "\(path) is a payload under streams/, where the metadata lives"
        }
        let name = Array(path.utf8.split(separator: UInt8(ascii: "/")).last ?? [])
        if path.hasSuffix(".part") || path.contains(".tmp-") || path.contains(".link-")
            || DirectoryDescriptor.isTemporaryName(name)
        {
            return "\(path) has a name the mirror uses for partial files"
        }
        return nil
    }

    /// The digest an item's content is verified against: the strongest it states (SHA-512, SHA-256, MD5), as
    /// python-simplestreams chooses. An item with a malformed digest, or none, cannot be mirrored.
    static func signedDigest(of item: FlattenedItem) -> Result<ContentDigest, ImageMirrorError> {
        for algorithm in DigestAlgorithm.allCases.sorted(by: >) {
            guard let hex = item.pythonString(algorithm.rawValue) else { continue }
            do {
                return .success(try ContentDigest(algorithm, hex: hex))
            } catch {
                return .failure(
                    ImageMirrorError(
                        .metadata, "has a malformed \(algorithm.rawValue) '\(hex)'", underlyingError: error))
            }
        }
        return .failure(
            ImageMirrorError(
                .metadata, "has no digest (sha512, sha256 or md5) to verify \(item.path ?? "its file") against"))
    }

    /// Whether `file` is in place: a regular file of the signed size that the mirror recorded as verified with the
    /// signed digest (hashed again with ``MirrorOptions/verifyExisting``), or, when the record says otherwise (a
    /// same-size change upstream, a record of version 0.1.0), whose content hashes to the signed digest.
    private func isPresent(_ file: MirrorPlan.File, in store: MirrorDirectory?, recorded: MirrorManifest.Entry?)
        throws(ImageMirrorError) -> Bool
    {
        guard let store, store.regularFileSize(file.path) == file.size else { return false }
        if let recorded, recorded.verified, recorded.digest == file.digest, recorded.size == file.size,
            !options.verifyExisting
        {
            return true
        }
        guard let actual = try store.digest(of: file.path, file.digest.algorithm), actual == file.digest else {
            logger.info("\(store.path)/\(file.path) does not have its signed \(file.digest.algorithm); downloading it")
            return false
        }
        return true
    }

    private func checkFreeSpace(_ plan: MirrorPlan, _ store: MirrorDirectory) throws(ImageMirrorError) {
        var needed: Int64 = 0
        var seen: Set<ContentDigest> = []
        for file in plan.downloads where seen.insert(file.digest).inserted {
            let partial = store.regularFileSize(file.path + ".part") ?? 0
            needed = needed.saturatingAdd(max(0, file.size - partial))
        }
        guard needed > 0 else { return }
        let available = try store.availableSpace()
        guard needed <= available else {
            throw ImageMirrorError(
                .insufficientSpace,
                "\(destinationPath): \(needed) bytes to download, but only \(available) bytes are free")
        }
    }

    // MARK: - Transfer

    private struct TransferResult {
        var downloaded: [String] = []
        var linked: [String] = []
        var failures: [MirrorFailure] = []
    }

    /// Downloads one file per distinct digest (`jobs` at a time) and hard-links the others to it, or to a file
    /// already in place (verified) with that digest.
    private func transferPayloads(
        _ plan: MirrorPlan, store: MirrorDirectory, progress: ProgressChannel<MirrorEvent>?
    )
        async throws(ImageMirrorError) -> TransferResult
    {
        let downloading = Set(plan.downloads.map { BytewiseString($0.path) })
        var sourceOfDigest: [ContentDigest: String] = [:]
        for file in plan.files
        where !downloading.contains(BytewiseString(file.path)) && sourceOfDigest[file.digest] == nil {
            sourceOfDigest[file.digest] = file.path
        }
        var groups: [[MirrorPlan.File]] = []
        var groupOfDigest: [ContentDigest: Int] = [:]
        for file in plan.downloads {
            if let index = groupOfDigest[file.digest] {
                groups[index].append(file)
            } else {
                groupOfDigest[file.digest] = groups.count
                groups.append([file])
            }
        }
        let downloader = Downloader(
            source: source, fallbacks: fallbackSources, store: store, retry: retry, progress: progress, logger: logger)
        let results = await withTaskGroup(of: TransferResult.self, returning: TransferResult.self) { group in
            var next = 0
            func addNext() {
                guard next < groups.count else { return }
                let members = groups[next]
                let linkSource = members.first.flatMap { sourceOfDigest[$0.digest] }
                next += 1
                group.addTask { await Self.transfer(members, linkingFrom: linkSource, downloader: downloader) }
            }
            for _ in 0..<options.jobs { addNext() }
            var total = TransferResult()
            for await result in group {
                total.downloaded += result.downloaded
                total.linked += result.linked
                total.failures += result.failures
                addNext()
            }
            return total
        }
        if Task.isCancelled { throw ImageMirrorError(.cancelled, "\(destinationPath): the run was cancelled") }
        return results
    }

    /// Puts every file of `members` (same digest) in place: linked from `linkSource` when the mirror already has
    /// the content, else the first downloaded and the others linked to it.
    private static func transfer(
        _ members: [MirrorPlan.File], linkingFrom linkSource: String?, downloader: Downloader
    ) async -> TransferResult {
        var result = TransferResult()
        var remaining = members[...]
        var origin = linkSource
        if origin == nil, let first = remaining.popFirst() {
            if let failure = await downloader.download(first) {
                result.failures.append(failure)
                result.failures += remaining.map { file in
                    MirrorFailure(
                        path: file.path, url: downloader.source.url(of: file.path), expected: file.digest,
                        actual: failure.actual, reason: "its identical file \(first.path) failed: \(failure.reason)")
                }
                return result
            }
            result.downloaded.append(first.path)
            origin = first.path
        }
        guard let origin else { return result }
        for file in remaining {
            do {
                try downloader.store.link(origin, to: file.path)
                result.linked.append(file.path)
                downloader.progress?.advance(bytes: file.size, items: 1)
                downloader.progress?.report(.verified(path: file.path, size: file.size, linked: true))
            } catch {
                downloader.logger.info("cannot link \(file.path) to \(origin) (\(error)); downloading it")
                if let failure = await downloader.download(file) {
                    result.failures.append(failure)
                } else {
                    result.downloaded.append(file.path)
                }
            }
        }
        return result
    }
}
