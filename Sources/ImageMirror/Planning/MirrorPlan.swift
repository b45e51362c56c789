public import Verification

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// What a run does: the files the mirror keeps, those still to download, and those to remove.
public struct MirrorPlan: Sendable {
    /// A payload the mirror keeps.
    public struct File: Sendable, Hashable {
        /// The path under the mirror root.
        public var path: String
        /// The signed size.
        public var size: Int64
        /// The signed digest: the strongest the item states (SHA-512, then SHA-256, then MD5), which the content is
        /// verified against.
        public var digest: ContentDigest
        /// The items that reference the file (`product version item`); products share files.
        public var references: [String]

        /// Creates a value.
        public init(path: String, size: Int64, digest: ContentDigest, references: [String]) {
            self.path = path
            self.size = size
            self.digest = digest
            self.references = references
        }
    }

    /// A file to remove: no kept version references it any more, and its grace period (``PruningPolicy``) is over.
    public struct Removal: Sendable, Hashable {
        /// The path under the mirror root.
        public var path: String
        /// Its size on disk (0 if it is already gone).
        public var size: Int64
    }

    /// A file the published metadata no longer names, kept until its grace period is over.
    public struct Orphan: Sendable, Hashable {
        /// The path under the mirror root.
        public var path: String
        /// Its size on disk (0 if it is already gone).
        public var size: Int64
        /// When the mirror stopped naming it.
        public var since: Date
        /// When a run may remove it; `nil` when the policy is ``PruningPolicy/never``.
        public var expires: Date?
    }

    /// Every payload the mirror keeps, by path.
    public var files: [File]
    /// The payloads not yet in the mirror, or there with content the mirror has not verified against the signed
    /// digest (a file is in place only when the mirror recorded it with that digest, or hashing it gives it).
    public var downloads: [File]
    /// The files to remove after publication: orphans whose grace period is over.
    public var removals: [Removal]
    /// The files kept as orphans after publication: not named any more, still in their grace period.
    public var orphans: [Orphan]
    /// Items that cannot be mirrored (no size or usable digest, a reserved path, or a path two items describe
    /// differently).
    public var problems: [MirrorFailure]
    /// The metadata documents that will be published, products documents first, the index last.
    public var metadataPaths: [String]

    /// The bytes still to fetch (what `.part` files already hold not counted).
    public var bytesToDownload: Int64 {
        downloads.reduce(0) { $0.saturatingAdd($1.size) }
    }

    /// The bytes removals free.
    public var bytesToRemove: Int64 {
        removals.reduce(0) { $0.saturatingAdd($1.size) }
    }
}

extension Int64 {
    /// `self + other`, or `Int64.max` when that overflows (sizes come from untrusted metadata).
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

/// What a run did.
public struct MirrorSummary: Sendable {
    /// The plan the run followed.
    public var plan: MirrorPlan
    /// The payloads downloaded and verified.
    public var downloaded: [String]
    /// The payloads made as hard links to identical files.
    public var linked: [String]
    /// The payloads that could not be mirrored; when there are any, the metadata was not published and nothing was
    /// pruned, so the mirror is still in its previous state, and a rerun picks up where this one stopped.
    public var failures: [MirrorFailure]
    /// The files removed.
    public var pruned: [String]
    /// The files kept as orphans (see ``PruningPolicy``); empty when the metadata was not published.
    public var orphans: [MirrorPlan.Orphan]
    /// Whether the metadata was written.
    public var published: Bool

    /// Whether everything was mirrored.
    public var succeeded: Bool { failures.isEmpty }
}
