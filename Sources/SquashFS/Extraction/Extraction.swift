internal import SystemLayer

/// Settings for ``SquashFSImage/extract(to:paths:options:progress:)-(FilePath,_,_,_)``.
///
/// The defaults reproduce `unsquashfs -d` run by the same user: as root, owners, all mode bits and device nodes are
/// restored; otherwise files belong to the extracting user, set-user-id and set-group-id bits are dropped and device
/// nodes are skipped.
public struct ExtractionOptions: Sendable {
    /// Whether owners and groups are restored.
    public enum Ownership: Sendable, Hashable {
        /// Restore them when running as root (as `unsquashfs`).
        case automatic
        /// Always restore them; fails unless the process may `chown` to the image's ids.
        case preserve
        /// Never restore them: everything belongs to the extracting user.
        case ignore
    }

    /// Extract into a destination that already holds entries (as `unsquashfs -f`). Existing files, links and nodes
    /// at the image's paths are replaced; existing directories are reused. Symbolic links already in the
    /// destination are never followed.
    public var allowsNonEmptyDestination = false
    /// Whether owners and groups are restored.
    public var ownership = Ownership.automatic
    /// Whether extended attributes (file capabilities, security labels, user attributes) are restored. When owners
    /// are not restored, only `user.` attributes are, as `unsquashfs` does.
    public var restoresExtendedAttributes = true
    /// The most bytes of regular-file contents (each inode once, sparse regions included) the extraction may
    /// produce. Checked before anything is written; stops sparse-file and duplicate-block amplification.
    public var maximumTotalBytes: UInt64 = 1 << 40
    /// The most entries (files, directories, links and nodes) the extraction may create.
    public var maximumEntries = 10_000_000
    /// How many threads decode and write file data; the number of online processors by default.
    public var jobs = Processes.onlineProcessorCount
    /// Safe mode, for images that are not trusted, even when running as root: device nodes are not created,
    /// set-user-id and set-group-id bits are cleared, and `trusted.` and `security.` extended attributes (file
    /// capabilities, security labels) are not restored. Each is reported in ``ExtractionSummary/skipped``.
    public var safe = false
    /// Patterns selecting what to extract (see ``PathPattern`` for their syntax), matched against every entry's
    /// path: an entry matched by one is extracted with everything below it, its parent directories with their own
    /// metadata (a directory searched without a match below it is not created, where unsquashfs creates it empty).
    /// When `paths` are given to the extraction too, their subtrees are extracted as well. Empty: the
    /// whole image, or just the `paths`. An include pattern that selects nothing (outside the excluded entries) is
    /// a `notFound` error, raised before anything is written.
    public var include: [PathPattern] = []
    /// Patterns of entries not to extract: an entry matched by one is left out with everything below it, even when
    /// an include pattern or a path selects it (excludes win). The root is the destination itself: a pattern that
    /// matches it (`/`) leaves out everything below it.
    public var exclude: [PathPattern] = []

    /// The default options.
    public init() {}
}

/// Something an extraction reports about one entry, as it happens, in a `ProgressChannel`'s updates.
///
/// The counts are in the updates themselves: `completedBytes` and `totalBytes` are bytes of file contents (holes in
/// sparse files count as written), `completedItems` and `totalItems` the entries created; both totals are known
/// before the first file is written. Every event is also in the ``ExtractionSummary``'s ``ExtractionSummary/skipped``
/// list at the end.
public enum ExtractionEvent: Sendable, Hashable {
    /// The entry at `path` was not created, on purpose: a device node when not running as root or in safe mode, or
    /// a hard link to such a node.
    case skipped(path: ImagePath, reason: String)
    /// The entry at `path` was created but part of its metadata was left out in safe mode (set-user-id and
    /// set-group-id bits, a `trusted.` or `security.` extended attribute).
    case metadataLeftOut(path: ImagePath, reason: String)
}

/// What an extraction created.
public struct ExtractionSummary: Sendable, Hashable {
    /// Regular files written (hard links not counted).
    public var files = 0
    /// Directories created or reused, the destination included.
    public var directories = 0
    /// Symbolic links created.
    public var symbolicLinks = 0
    /// Extra names created for hard-linked inodes.
    public var hardLinks = 0
    /// Fifos, sockets and device nodes created.
    public var specialFiles = 0
    /// Bytes of file contents written (holes included).
    public var bytes: UInt64 = 0
    /// Entries that were not created, or created without something the image asked for, and why: device nodes
    /// when not root or in safe mode; in safe mode, also set-id bits cleared and extended attributes not restored
    /// (an entry may appear once per reason). In plan order, by image path.
    public var skipped: [SkippedEntry] = []

    /// The number of entries created.
    public var entries: Int { files + directories + symbolicLinks + hardLinks + specialFiles }
}

/// An entry an extraction left out on purpose, or created without part of its metadata (safe mode).
public struct SkippedEntry: Sendable, Hashable {
    /// Its path inside the image.
    public var path: ImagePath
    /// Why it was not created, or what was left out.
    public var reason: String
    /// Whether the entry was created nonetheless, without what ``reason`` names (safe mode's set-id bits and
    /// extended attributes).
    public var created = false
}
