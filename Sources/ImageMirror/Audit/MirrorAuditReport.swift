#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// What ``MirrorAudit/run(progress:)`` found: how much it checked, and every problem, sorted by path (as bytes).
public struct MirrorAuditReport: Sendable, Hashable {
    /// Whether the mirror is sound: no problem other than ``MirrorProblem/Kind/orphaned`` (orphans waiting for
    /// their grace period to end are part of a healthy mirror).
    public var ok: Bool
    /// How many files were read and hashed (payloads, and the orphans the mirror still keeps).
    public var filesChecked: Int
    /// How many bytes were read and hashed.
    public var bytesChecked: Int64
    /// Every problem found, sorted by path (compared as bytes), then by kind.
    public var problems: [MirrorProblem]

    /// Creates a report; ``ok`` is worked out from `problems`.
    public init(filesChecked: Int, bytesChecked: Int64, problems: [MirrorProblem]) {
        self.filesChecked = filesChecked
        self.bytesChecked = bytesChecked
        self.problems = problems
        ok = problems.allSatisfy { $0.kind == .orphaned }
    }
}

/// One thing wrong (or worth knowing) about a file of a mirror.
public struct MirrorProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; the raw value is the word the command line prints (`missing`, `corrupt`, ...).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The published metadata names the file and the mirror holds it (or keeps no record), but it is absent;
        /// or a metadata document itself is absent.
        case missing
        /// The file is not what the published metadata signs: the wrong size, the wrong digest, or not a regular
        /// file (a symbolic link, a directory); or a metadata document does not verify or parse.
        case corrupt
        /// A file or symbolic link that no published metadata names, outside `.mirror/` and the metadata documents.
        case extra
        /// A `.part` file of an unfinished download, or a temporary file of an interrupted write.
        case partial
        /// A file the published metadata no longer names, kept by the mirror until its grace period ends
        /// (informational: it does not make a report fail).
        case orphaned
    }

    /// The mirror-relative path of the file.
    public var path: String
    /// What kind of problem it is.
    public var kind: Kind
    /// What is wrong, in a sentence: the expected and actual sizes or digests, who names the file, since when.
    public var detail: String
    /// For an ``Kind/orphaned`` file, when its grace period ends and the next mirror run removes it (`nil` when
    /// the pruning policy never removes it, and for the other kinds).
    public var expires: Date?

    /// Creates a value.
    public init(path: String, kind: Kind, detail: String, expires: Date? = nil) {
        self.path = path
        self.kind = kind
        self.detail = detail
        self.expires = expires
    }

    /// `KIND PATH: DETAIL`, as `maas-images streams verify` prints it.
    public var description: String { "\(kind.rawValue) \(path): \(detail)" }
}

/// What a ``MirrorAudit`` reports as it goes, through a `ProgressChannel<MirrorAuditEvent>` whose counts are the
/// bytes and files hashed of those to hash.
public enum MirrorAuditEvent: Sendable, Hashable {
    /// A file was found sound: its size and digest are those signed.
    case verified(path: String, size: Int64)
    /// A problem was found (reported again, sorted, in the ``MirrorAuditReport``).
    case problem(MirrorProblem)
}
