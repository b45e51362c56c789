public import ProgressReporting
public import SignedStreams
internal import SimpleStreams
internal import SystemLayer
public import SystemPackage
internal import Verification

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// Checks a mirror directory against its own published metadata, changing nothing: every payload the metadata
/// names and the mirror holds has its signed size and digest, and nothing else lies around.
///
/// ```swift
/// let audit = MirrorAudit(mirror: "/srv/mirror", policy: .verify(keyring: try Keyring(contentsOf: keyring)))
/// let report = try await audit.run()
/// for problem in report.problems { print(problem) }   // "corrupt noble/amd64/20250301/squashfs: ..."
/// print(report.ok ? "sound" : "damaged", report.filesChecked, "files,", report.bytesChecked, "bytes")
/// ```
///
/// The audit reads the mirror's metadata as a mirror run reads its source (the index, each products document, and
/// the `.json` and `.json.gpg` companions beside each `.sjson`), verified with ``policy``; a document that is absent
/// or does not verify is a problem naming it, and the audit goes on with the documents that do. The payloads it
/// expects are the paths the metadata names, with the strongest digest each item states, restricted to what the
/// mirror holds: when the mirror keeps its record (`.mirror/manifest.json`), the paths it records, and any other
/// named path found on disk (a filtered mirror publishes the upstream metadata byte for byte, naming files it does
/// not hold); without a record, every named path. It reports (``MirrorProblem/Kind``):
/// - `missing`: an expected payload is absent;
/// - `corrupt`: a payload has the wrong size or digest, or is not a regular file (a symbolic link is never followed);
/// - `extra`: a file or symbolic link no metadata names, outside `.mirror/` and the metadata documents;
/// - `partial`: a `.part` file or a temporary file of an interrupted run, anywhere;
/// - `orphaned`: a file the metadata no longer names, kept until its grace period ends (hashed too; not a failure).
///
/// Payloads are hashed ``jobs`` at a time on threads of their own, each read in 256 KiB chunks into one buffer, so
/// the memory used does not grow with the size of the files. The mirror is only read, through directory
/// descriptors (`O_NOFOLLOW`).
public struct MirrorAudit: Sendable {
    /// The mirror directory.
    public var mirror: FilePath
    /// Whether the published metadata must be signed, and by whom.
    public var policy: SignaturePolicy
    /// The document to start from (the policy's default index when `nil`).
    public var documentPath: String?
    /// How many files are hashed at once.
    public var jobs: Int
    /// The clock that tells whether an orphan's grace period has ended.
    public var clock: MirrorClock
    /// The pruning policy the mirror runs with, which says when an orphan is removed; ``PruningPolicy/default``
    /// when `nil` (the mirror's record does not say which policy its runs use).
    public var pruning: PruningPolicy?
    /// The largest metadata document read, in bytes.
    public var maximumDocumentSize: Int

    /// Creates an audit of the mirror at `mirror`.
    ///
    /// - Parameters:
    ///   - mirror: the mirror directory.
    ///   - policy: whether the published metadata must be signed, and by whom (the mirror's own key when it
    ///     re-signs its metadata, else the upstream keyring).
    ///   - documentPath: the document to start from (the policy's default index when `nil`).
    ///   - jobs: how many files are hashed at once (at least 1).
    ///   - clock: the clock that tells whether an orphan's grace period has ended.
    ///   - maximumDocumentSize: the largest metadata document read, in bytes.
    public init(
        mirror: FilePath, policy: SignaturePolicy, documentPath: String? = nil, jobs: Int = 2,
        clock: MirrorClock = .system, maximumDocumentSize: Int = StreamReader.defaultMaximumDocumentSize
    ) {
        self.mirror = mirror
        self.policy = policy
        self.documentPath = documentPath
        self.jobs = jobs
        self.clock = clock
        self.maximumDocumentSize = maximumDocumentSize
    }

    /// Creates an audit of the mirror whose path is given as a string (`"/srv/mirror"`).
    public init(
        mirror: String, policy: SignaturePolicy, documentPath: String? = nil, jobs: Int = 2,
        clock: MirrorClock = .system, maximumDocumentSize: Int = StreamReader.defaultMaximumDocumentSize
    ) {
        self.init(
            mirror: FilePath(mirror), policy: policy, documentPath: documentPath, jobs: jobs, clock: clock,
            maximumDocumentSize: maximumDocumentSize)
    }

    /// Audits the mirror; see ``MirrorAudit``.
    ///
    /// - Parameter progress: where the audit reports, if anywhere: once the files to hash are known, their total
    ///   bytes and count; then the bytes as they are hashed, a file done per file hashed, a
    ///   ``MirrorAuditEvent/verified(path:size:)`` per sound file and a ``MirrorAuditEvent/problem(_:)`` per
    ///   problem. The channel is finished whenever the audit ends.
    /// - Returns: what was checked and every problem; problems are not errors.
    /// - Throws: ``ImageMirrorError/Code/notFound`` when the mirror does not exist,
    ///   ``ImageMirrorError/Code/unsafeDestination`` or ``ImageMirrorError/Code/io`` when it is not a directory or
    ///   cannot be opened, ``ImageMirrorError/Code/invalidArgument`` for a ``jobs`` below 1,
    ///   ``ImageMirrorError/Code/cancelled``.
    public func run(progress: ProgressChannel<MirrorAuditEvent>? = nil) async throws(ImageMirrorError)
        -> MirrorAuditReport
    {
        defer { progress?.finish() }
        let path = mirror.string
        guard jobs >= 1 else { throw ImageMirrorError(.invalidArgument, "jobs must be at least 1, not \(jobs)") }
        guard let store = try MirrorDirectory.open(path, create: false) else {
            throw ImageMirrorError(.notFound, "\(path) does not exist")
        }
        let metadata = try await AuditedMetadata.read(
            store, policy: policy, documentPath: documentPath, maximumDocumentSize: maximumDocumentSize)
        try Task.checkCancellation(path: path)
        for problem in metadata.problems { progress?.report(.problem(problem)) }

        let holdsRecord = store.regularFileSize(MirrorManifest.relativePath) != nil
        let record = MirrorManifest.read(store)
        let named = Self.namedPayloads(metadata)
        var checks: [AuditCheck] = []
        for (key, payload) in named.payloads {
            // A named file the mirror no longer holds (a filtered mirror publishing the upstream metadata) may be an
            // orphan kept for its grace period.
            let recorded = record.files[key]
            let since = recorded?.orphanedSince
            let required = !holdsRecord || (recorded != nil && since == nil)
            checks.append(AuditCheck(payload: payload, required: required, orphanedSince: since))
        }
        // Without all the metadata, the files the mirror records are checked against its record rather than called
        // extra: the documents that could not be read may name them.
        let complete = metadata.problems.isEmpty
        var recordChecked: Set<BytewiseString> = []
        for (key, entry) in record.files where named.payloads[key] == nil && !named.conflicting.contains(key) {
            let payload = NamedPayload(path: key.string, size: entry.size, digest: entry.digest, reference: nil)
            if let since = entry.orphanedSince {
                checks.append(AuditCheck(payload: payload, required: false, orphanedSince: since))
            } else if !complete {
                checks.append(AuditCheck(payload: payload, required: entry.verified, orphanedSince: nil))
                recordChecked.insert(key)
            }
        }

        let now = clock.now()
        let pruning = pruning ?? .default
        let context = AuditContext(
            store: store, named: Set(named.payloads.keys).union(named.conflicting).union(recordChecked),
            orphans: Set(checks.filter { $0.orphanedSince != nil }.map { BytewiseString($0.payload.path) }),
            recorded: Set(record.files.keys), documents: metadata.documentPaths,
            knowsDocuments: metadata.readTopDocument)
        let cancellation = AuditCancellation()
        let candidates = checks
        let found = await withTaskCancellationHandler {
            await onDedicatedThread { () -> (problems: [MirrorProblem], toHash: [AuditCheck]) in
                let walked = context.walk(isCancelled: { cancellation.isSet })
                let (problems, toHash) = context.inspect(candidates, isCancelled: { cancellation.isSet })
                return (walked + problems, toHash)
            }
        } onCancel: {
            cancellation.set()
        }
        try Task.checkCancellation(path: path)
        for problem in found.problems { progress?.report(.problem(problem)) }

        // The largest files first, so that the last file to finish is a small one.
        let toHash = found.toHash.sorted { a, b in
            a.payload.size != b.payload.size
                ? a.payload.size > b.payload.size : BytewiseString(a.payload.path) < BytewiseString(b.payload.path)
        }
        progress?.setTotals(
            bytes: toHash.reduce(Int64(0)) { $0.saturatingAdd($1.payload.size) }, items: toHash.count)
        let hashing = AuditHashing(context: context, checks: toHash, progress: progress, cancellation: cancellation)
        await withTaskCancellationHandler {
            await onDedicatedThreads(min(jobs, max(toHash.count, 1))) { _ in hashing.work() }
        } onCancel: {
            cancellation.set()
        }
        try Task.checkCancellation(path: path)
        let hashed = hashing.results()
        var problems = metadata.problems + found.problems
        for outcome in hashed.outcomes {
            switch outcome {
            case .sound(let check) where check.orphanedSince != nil:
                let problem = Self.orphanProblem(check, pruning: pruning, now: now)
                progress?.report(.problem(problem))
                problems.append(problem)
            case .sound:
                break
            case .problem(let problem):
                problems.append(problem)
            }
        }
        problems.sort { (BytewiseString($0.path), $0.kind.rawValue) < (BytewiseString($1.path), $1.kind.rawValue) }
        return MirrorAuditReport(filesChecked: hashed.files, bytesChecked: hashed.bytes, problems: problems)
    }

    // MARK: - What the metadata names

    /// The payloads the metadata names, by path, and the paths two items describe differently (which a mirror run
    /// refuses, and the audit does not check).
    struct NamedPayloads {
        var payloads: [BytewiseString: NamedPayload] = [:]
        var conflicting: Set<BytewiseString> = []
    }

    /// Every payload the metadata names that a mirror run would mirror: a safe path outside the mirror's reserved
    /// names, a valid size and a digest (the strongest the item states).
    static func namedPayloads(_ metadata: AuditedMetadata) -> NamedPayloads {
        var named = NamedPayloads()
        for document in metadata.products {
            let items = (try? StreamQuery().run(on: document)) ?? []
            for item in items {
                guard let path = item.path, StreamPath.isSafe(path), StreamMirror.reservedPathProblem(path) == nil,
                    case .success(let digest) = StreamMirror.signedDigest(of: item), let size = item.size, size >= 0
                else { continue }
                let key = BytewiseString(path)
                guard !named.conflicting.contains(key) else { continue }
                if let existing = named.payloads[key] {
                    if existing.size != size || existing.digest != digest {
                        named.payloads[key] = nil
                        named.conflicting.insert(key)
                    }
                    continue
                }
                named.payloads[key] = NamedPayload(path: path, size: size, digest: digest, reference: item.pedigree)
            }
        }
        return named
    }

    /// The problem of a sound orphan: since when no metadata names it, and when the mirror removes it.
    static func orphanProblem(_ check: AuditCheck, pruning: PruningPolicy, now: Date) -> MirrorProblem {
        let since = check.orphanedSince ?? now
        let expires = pruning.expiry(since: since)
        var detail = "no published metadata names it since \(StreamDates.formatRFC3339(since)); "
        if let expires {
            detail +=
                expires <= now
                ? "its grace period ended \(StreamDates.formatRFC3339(expires)): the next mirror run removes it"
                : "kept until \(StreamDates.formatRFC3339(expires))"
        } else {
            detail += "kept (pruning is off)"
        }
        return MirrorProblem(path: check.payload.path, kind: .orphaned, detail: detail, expires: expires)
    }
}

/// A payload the metadata names: its path, signed size and digest, and the item naming it (`nil` for an orphan).
struct NamedPayload: Sendable {
    var path: String
    var size: Int64
    var digest: ContentDigest
    var reference: String?
}

/// A payload to check: `required` when its absence is a problem; `orphanedSince` for an orphan the mirror keeps.
struct AuditCheck: Sendable {
    var payload: NamedPayload
    var required: Bool
    var orphanedSince: Date?
}
