/// What a curation operation (``MirrorCuration/remove(_:)``, ``MirrorCuration/copy(_:from:policy:documentPath:retry:progress:)``)
/// did to the mirror.
public struct CurationSummary: Sendable {
    /// The versions removed from the published metadata.
    public var removed: [ProductVersionID] = []
    /// The versions copied into the published metadata, named as the mirror publishes them (a promoted version under
    /// the mirror's product id).
    public var copied: [ProductVersionID] = []
    /// The payloads downloaded (and verified) for the copied versions.
    public var downloaded: [String] = []
    /// The payloads made as hard links to identical files the mirror already held.
    public var linked: [String] = []
    /// The metadata files written, products documents first, the index last.
    public var published: [String] = []
    /// The files removed: orphans whose grace period (``PruningPolicy``) was over.
    public var pruned: [String] = []
    /// The files the published metadata no longer names, kept for their grace period.
    public var orphans: [MirrorPlan.Orphan] = []

    /// Creates an empty summary.
    public init() {}
}
