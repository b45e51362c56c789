public import Logging
public import SimpleStreams
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
/// A run reads and verifies every document first; nothing is downloaded when one fails. Then:
/// 1. payloads missing (or of the wrong size, or with ``MirrorOptions/verifyExisting`` the wrong SHA-256) are
///    downloaded, `jobs` at a time, each to a `.part` file renamed into place once verified; identical files are
///    downloaded once and hard-linked;
/// 2. the products documents are written, then the index, each to a temporary name and renamed;
/// 3. files no kept version references any more are removed, with the directories they leave empty.
///
/// If a payload fails, the run goes on with the others but stops before step 2, so the published metadata never
/// names a file the mirror lacks; rerunning finishes the job.
public struct StreamMirror: Sendable {
    /// Where the stream comes from.
    public var source: any PayloadSource
    /// The mirror directory.
    public var destination: String
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
    /// Where the run logs.
    public var logger: Logger

    /// Creates a mirror job.
    public init(
        source: any PayloadSource, destination: String, policy: SignaturePolicy, documentPath: String? = nil,
        options: MirrorOptions = MirrorOptions(), retry: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "maas-images.mirror")
    ) {
        self.source = source
        var destination = destination
        while destination.count > 1 && destination.hasSuffix("/") { destination.removeLast() }
        self.destination = destination
        self.policy = policy
        self.documentPath = documentPath
        self.options = options
        self.retry = retry
        self.logger = logger
    }

    /// Reads and verifies the metadata and works out what a run would download and remove, changing nothing
    /// (`--dry-run`).
    ///
    /// - Throws: ``ImageMirrorError/Code/metadata`` when a document does not verify.
    public func plan() async throws(ImageMirrorError) -> MirrorPlan {
        try await prepare().plan
    }

    /// Mirrors the stream; see ``StreamMirror``. Events go to `progress`, which is finished when the run ends.
    ///
    /// - Returns: what was done; ``MirrorSummary/failures`` lists the payloads that could not be mirrored.
    /// - Throws: ``ImageMirrorError``: ``ImageMirrorError/Code/metadata`` before any download,
    ///   ``ImageMirrorError/Code/insufficientSpace``, ``ImageMirrorError/Code/io`` for the destination,
    ///   ``ImageMirrorError/Code/signing``, ``ImageMirrorError/Code/cancelled``.
    public func run(progress: MirrorProgress? = nil) async throws(ImageMirrorError) -> MirrorSummary {
        defer { progress?.finish() }
        let prepared = try await prepare()
        let plan = prepared.plan
        progress?.yield(.planned(files: plan.downloads.count, bytes: plan.bytesToDownload))
        for problem in plan.problems { progress?.yield(.failed(problem)) }
        if options.checksFreeSpace { try checkFreeSpace(plan) }

        // Everything about to be created is recorded first, so pruning can find it after any interruption.
        var tracking = prepared.previous
        for file in plan.files { tracking.files[file.path] = (file.size, file.sha256.hex) }
        if tracking != prepared.previous { try tracking.write(root: destination) }

        let transfer = try await transferPayloads(plan, progress: progress)
        var summary = MirrorSummary(
            plan: plan, downloaded: transfer.downloaded, linked: transfer.linked,
            failures: plan.problems + transfer.failures, pruned: [], published: false)
        guard summary.failures.isEmpty else {
            logger.error("\(summary.failures.count) files failed; the metadata was not published")
            return summary
        }
        try Task.checkCancellation(path: destination)

        let published = try MetadataPublisher(root: destination, signer: options.signer).publish(
            prepared.snapshot, selected: prepared.selected)
        summary.published = true
        progress?.yield(.published(paths: published))

        var kept = MirrorManifest()
        for file in plan.files { kept.files[file.path] = (file.size, file.sha256.hex) }
        try kept.write(root: destination)
        for removal in plan.removals {
            let full = destination + "/" + removal.path
            try FileSystem.remove(full)
            try FileSystem.remove(full + ".part")
            FileSystem.removeEmptyDirectories(from: FileSystem.parent(of: full), upTo: destination)
            summary.pruned.append(removal.path)
            progress?.yield(.pruned(path: removal.path, size: removal.size))
        }
        return summary
    }

    // MARK: - Planning

    private struct Prepared {
        var snapshot: MetadataSnapshot
        var plan: MirrorPlan
        var previous: MirrorManifest
        /// The selected items, as `product\u{0}version\u{0}item`.
        var selected: Set<String>
    }

    private func prepare() async throws(ImageMirrorError) -> Prepared {
        let snapshot = try await MetadataSnapshot.read(
            source: source, policy: policy, path: documentPath, notOlderThan: notOlderThan)
        let queries: [StreamQuery]
        do {
            queries = try options.queries()
        } catch {
            throw ImageMirrorError(.invalidArgument, error.message, underlyingError: error)
        }
        var files: [String: MirrorPlan.File] = [:]
        var order: [String] = []
        var problems: [MirrorFailure] = []
        var selected: Set<String> = []
        for products in snapshot.result.products {
            for query in queries {
                let items: [FlattenedItem]
                do {
                    items = try query.run(on: products.document)
                } catch {
                    throw ImageMirrorError(.metadata, "\(products.path): \(error.message)", underlyingError: error)
                }
                for item in items {
                    guard selected.insert(Self.key(item)).inserted, let path = item.path else { continue }
                    if let reason = Self.reservedPathProblem(path) {
                        problems.append(
                            MirrorFailure(
                                path: path, url: source.url(of: path), expectedSHA256: item.sha256 ?? "-",
                                actualSHA256: nil, reason: "\(item.pedigree): \(reason)"))
                        continue
                    }
                    guard let size = item.size, size >= 0, let hex = item.sha256,
                        let digest = try? Digest(.sha256, hex: hex)
                    else {
                        problems.append(
                            MirrorFailure(
                                path: path, url: source.url(of: path), expectedSHA256: item.sha256 ?? "-",
                                actualSHA256: nil,
                                reason: "\(item.pedigree) has no valid size and SHA-256 to verify it against"))
                        continue
                    }
                    if var existing = files[path] {
                        guard existing.size == size, existing.sha256 == digest else {
                            problems.append(
                                MirrorFailure(
                                    path: path, url: source.url(of: path), expectedSHA256: hex, actualSHA256: nil,
                                    reason: "\(item.pedigree) describes \(path) unlike another item does"))
                            continue
                        }
                        existing.references.append(item.pedigree)
                        files[path] = existing
                    } else {
                        files[path] = MirrorPlan.File(
                            path: path, size: size, sha256: digest, references: [item.pedigree])
                        order.append(path)
                    }
                }
            }
        }
        let conflicting = Set(problems.map(\.path))
        let kept = order.filter { !conflicting.contains($0) }.compactMap { files[$0] }
        var downloads: [MirrorPlan.File] = []
        for file in kept where try !isPresent(file) { downloads.append(file) }
        let previous = MirrorManifest.read(root: destination)
        let keptPaths = Set(kept.map(\.path))
        let removals = previous.files.keys.filter { !keptPaths.contains($0) }.sorted().map { path in
            MirrorPlan.Removal(path: path, size: FileSystem.regularFileSize(destination + "/" + path) ?? 0)
        }
        let metadata = (snapshot.productsDocuments + snapshot.indexDocuments).map(\.path)
        let plan = MirrorPlan(
            files: kept, downloads: downloads, removals: removals, problems: problems, metadataPaths: metadata)
        return Prepared(snapshot: snapshot, plan: plan, previous: previous, selected: selected)
    }

    /// Why a payload path may not be used, though `StreamPath` accepts it: it would overwrite the mirror's own
    /// files (`.mirror/`), its metadata (`streams/`), or a name the mirror uses for partial files.
    static func reservedPathProblem(_ path: String) -> String? {
        if path.hasPrefix(".mirror/") || path == ".mirror" { return "\(path) is inside the mirror's own .mirror/" }
        if path.hasPrefix("streams/") { return "\(path) is a payload under streams/, where the metadata lives" }
        if path.hasSuffix(".part") || path.contains(".tmp-") || path.contains(".link-") {
            return "\(path) has a name the mirror uses for partial files"
        }
        return nil
    }

    static func key(_ item: FlattenedItem) -> String {
        "\(item.productName)\u{0}\(item.versionName)\u{0}\(item.itemName)"
    }

    /// Whether `file` is in place: always the right size, and with ``MirrorOptions/verifyExisting`` the right
    /// SHA-256.
    private func isPresent(_ file: MirrorPlan.File) throws(ImageMirrorError) -> Bool {
        let full = destination + "/" + file.path
        guard FileSystem.regularFileSize(full) == file.size else { return false }
        guard options.verifyExisting else { return true }
        let (hasher, _) = try FileSystem.sha256(of: full)
        let good = hasher.finalize() == file.sha256
        if !good { logger.warning("\(full) does not have its signed SHA-256; downloading it again") }
        return good
    }

    private func checkFreeSpace(_ plan: MirrorPlan) throws(ImageMirrorError) {
        var needed: Int64 = 0
        var seen: Set<Digest> = []
        for file in plan.downloads where seen.insert(file.sha256).inserted {
            let partial = FileSystem.regularFileSize(destination + "/" + file.path + ".part") ?? 0
            needed =
                needed.addingReportingOverflow(max(0, file.size - partial)).overflow
                ? .max : needed + max(0, file.size - partial)
        }
        guard needed > 0 else { return }
        try FileSystem.makeDirectories(destination)
        let available = try FileSystem.availableSpace(at: destination)
        guard needed <= available else {
            throw ImageMirrorError(
                .insufficientSpace,
                "\(destination): \(needed) bytes to download, but only \(available) bytes are free")
        }
    }

    // MARK: - Transfer

    private struct TransferResult {
        var downloaded: [String] = []
        var linked: [String] = []
        var failures: [MirrorFailure] = []
    }

    /// Downloads one file per distinct SHA-256 (`jobs` at a time) and hard-links the others to it.
    private func transferPayloads(_ plan: MirrorPlan, progress: MirrorProgress?) async throws(ImageMirrorError)
        -> TransferResult
    {
        let present = plan.files.filter { file in !plan.downloads.contains { $0.path == file.path } }
        var sourceOfDigest: [Digest: String] = [:]
        for file in present where sourceOfDigest[file.sha256] == nil { sourceOfDigest[file.sha256] = file.path }
        var groups: [[MirrorPlan.File]] = []
        var groupOfDigest: [Digest: Int] = [:]
        for file in plan.downloads {
            if let index = groupOfDigest[file.sha256] {
                groups[index].append(file)
            } else {
                groupOfDigest[file.sha256] = groups.count
                groups.append([file])
            }
        }
        let downloader = Downloader(
            source: source, root: destination, retry: retry, progress: progress, logger: logger)
        let root = destination
        let results = await withTaskGroup(of: TransferResult.self, returning: TransferResult.self) { group in
            var next = 0
            func addNext() {
                guard next < groups.count else { return }
                let members = groups[next]
                let linkSource = members.first.flatMap { sourceOfDigest[$0.sha256] }
                next += 1
                group.addTask {
                    await Self.transfer(members, linkingFrom: linkSource, downloader: downloader, root: root)
                }
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
        if Task.isCancelled { throw ImageMirrorError(.cancelled, "\(destination): the run was cancelled") }
        return results
    }

    /// Puts every file of `members` (same SHA-256) in place: linked from `linkSource` when the mirror already has
    /// the content, else the first downloaded and the others linked to it.
    private static func transfer(
        _ members: [MirrorPlan.File], linkingFrom linkSource: String?, downloader: Downloader, root: String
    ) async -> TransferResult {
        var result = TransferResult()
        var remaining = members[...]
        var origin = linkSource
        if origin == nil, let first = remaining.popFirst() {
            if let failure = await downloader.download(first) {
                result.failures.append(failure)
                result.failures += remaining.map { file in
                    MirrorFailure(
                        path: file.path, url: downloader.source.url(of: file.path),
                        expectedSHA256: file.sha256.hex, actualSHA256: failure.actualSHA256,
                        reason: "its identical file \(first.path) failed: \(failure.reason)")
                }
                return result
            }
            result.downloaded.append(first.path)
            origin = first.path
        }
        guard let origin else { return result }
        for file in remaining {
            do {
                try FileSystem.link(root + "/" + origin, to: root + "/" + file.path)
                result.linked.append(file.path)
                downloader.progress?.yield(.verified(path: file.path, size: file.size, linked: true))
            } catch {
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
