public import SignedStreams
public import SimpleStreams
public import Verification

/// A MAAS boot source selection: which images of a stream to mirror, as MAAS's boot source selections state them.
///
/// An absent value (or `*`) selects everything; lists select any of their values. A selection becomes filters over
/// the items' inherited attributes `os`, `release`, `arch`, `subarch` and `label`.
///
/// ```swift
/// let noble = BootSelection(os: "ubuntu", release: "noble", arches: ["amd64", "arm64"])
/// ```
public struct BootSelection: Sendable, Hashable {
    /// The operating system (`ubuntu`, `centos`), or `nil` for any.
    public var os: String?
    /// The release (`noble`, `centos70`), or `nil` for any.
    public var release: String?
    /// The architectures (`amd64`), empty for any.
    public var arches: [String]
    /// The subarchitectures (`ga-24.04`, `hwe-24.04`), empty for any.
    public var subarches: [String]
    /// The labels (`stable`, `candidate`), empty for any.
    public var labels: [String]

    /// Creates a selection.
    public init(
        os: String? = nil, release: String? = nil, arches: [String] = [], subarches: [String] = [],
        labels: [String] = []
    ) {
        self.os = os
        self.release = release
        self.arches = arches
        self.subarches = subarches
        self.labels = labels
    }

    /// The filters an item must pass to be selected.
    ///
    /// - Throws: `SimpleStreamsError` if a value makes an invalid filter.
    public func filters() throws(SimpleStreamsError) -> [ItemFilter] {
        var filters: [ItemFilter] = []
        func add(_ key: String, _ values: [String]) throws(SimpleStreamsError) {
            let values = values.filter { $0 != "*" && !$0.isEmpty }
            guard !values.isEmpty else { return }
            let alternatives = values.map(Self.escapedRegex).joined(separator: "|")
            filters.append(try ItemFilter("\(key)~^(\(alternatives))$"))
        }
        try add("os", os.map { [$0] } ?? [])
        try add("release", release.map { [$0] } ?? [])
        try add("arch", arches)
        try add("subarch", subarches)
        try add("label", labels)
        return filters
    }

    /// `value` with the regular-expression metacharacters escaped, so it matches only itself.
    static func escapedRegex(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if "\\^$.|?*+()[]{}".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// What to mirror and how: filters, selections, versions kept, parallelism, checks and the metadata written.
public struct MirrorOptions: Sendable {
    /// Filters every mirrored item passes (SimpleStreams grammar: `arch=amd64`, `release~^(jammy|noble)$`).
    public var filters: [ItemFilter]
    /// MAAS selections; an item is mirrored when it passes ``filters`` and at least one selection (any item when
    /// there are none).
    public var selections: [BootSelection]
    /// How many versions of each product are kept, newest first; `nil` keeps all. Older versions are pruned.
    public var maximumVersions: Int?
    /// How many files are downloaded at once (at least 1).
    public var jobs: Int
    /// Whether files already in the mirror are hashed again, even when the mirror recorded them as verified with the
    /// signed digest (their size is always checked).
    public var verifyExisting: Bool
    /// Whether the free space of the destination is checked before downloading.
    public var checksFreeSpace: Bool
    /// With a signer, filtered metadata listing only what the mirror holds is written and signed; without one, the
    /// upstream signed documents are kept byte for byte.
    public var signer: DocumentSigner?
    /// Whether the source's metadata may replace published metadata with a newer `updated` date (a deliberate
    /// rollback). Off by default: a replayed older stream is refused with ``ImageMirrorError/Code/rollback``.
    public var allowsOlderMetadata: Bool
    /// The largest metadata document read, in bytes (`StreamReader.defaultMaximumDocumentSize` by default).
    public var maximumDocumentSize: Int
    /// When files the published metadata no longer names are removed (``PruningPolicy/default``: after 72 hours).
    public var pruning: PruningPolicy
    /// Versions to hold: each product publishes only its held version (from the source, or from the mirror's record
    /// when the source no longer has it) and newer versions are not taken until the hold is lifted. Holds are
    /// recorded in the mirror (`.mirror/curation.json`) and last across runs; they need a ``signer``.
    public var holds: [ProductVersionID] = []
    /// Products whose holds, removed versions (``MirrorCuration/remove(_:)``) and copied versions are lifted from the
    /// mirror's record before the run: the source's versions of them are mirrored again.
    public var releasedHolds: [String] = []

    /// Creates options: everything, all versions, 4 jobs, no re-hashing, upstream metadata, orphans kept 72 hours.
    public init(
        filters: [ItemFilter] = [], selections: [BootSelection] = [], maximumVersions: Int? = nil, jobs: Int = 4,
        verifyExisting: Bool = false, checksFreeSpace: Bool = true, signer: DocumentSigner? = nil,
        allowsOlderMetadata: Bool = false, maximumDocumentSize: Int = StreamReader.defaultMaximumDocumentSize,
        pruning: PruningPolicy = .default
    ) {
        self.filters = filters
        self.selections = selections
        self.maximumVersions = maximumVersions
        self.jobs = max(1, jobs)
        self.verifyExisting = verifyExisting
        self.checksFreeSpace = checksFreeSpace
        self.signer = signer
        self.allowsOlderMetadata = allowsOlderMetadata
        self.maximumDocumentSize = max(0, maximumDocumentSize)
        self.pruning = pruning
    }

    /// The queries whose union is mirrored: one per selection (or one), each with the filters and version limit.
    func queries() throws(SimpleStreamsError) -> [StreamQuery] {
        if selections.isEmpty { return [StreamQuery(filters: filters, maximumVersions: maximumVersions)] }
        var queries: [StreamQuery] = []
        for selection in selections {
            queries.append(
                StreamQuery(filters: filters + (try selection.filters()), maximumVersions: maximumVersions))
        }
        return queries
    }
}
