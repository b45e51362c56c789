public import Verification

/// Something that happened to one file during a mirror run, in the order it happened for that file.
///
/// A run reports its events through a `ProgressChannel<MirrorEvent>` (module `ProgressReporting`), whose updates
/// also carry the counts: bytes downloaded of the bytes to download, files put in place of the files to download.
/// No event is ever dropped, however slowly the updates are read.
///
/// ```swift
/// let progress = ProgressChannel<MirrorEvent>()
/// async let summary = mirror.run(progress: progress)
/// for await update in progress {
///     for case .failed(let failure) in update.events { print("failed:", failure) }
/// }
/// print(try await summary.succeeded)
/// ```
public enum MirrorEvent: Sendable, Hashable {
    /// A payload started downloading: its destination path, its signed size and the bytes already there (a
    /// resumed `.part`). It is reported again when the file starts over (a retry, a server that ignored `Range`).
    case started(path: String, size: Int64, resumedAt: Int64)
    /// A payload was verified (size and digest) and put in place; `linked` when it is a hard link to an identical
    /// file rather than a download.
    case verified(path: String, size: Int64, linked: Bool)
    /// A payload could not be mirrored; the run goes on.
    case failed(MirrorFailure)
    /// A file no longer referenced by any kept version was removed, its grace period over (``PruningPolicy``).
    case pruned(path: String, size: Int64)
    /// A file was retried after a failure (a dropped connection, a timeout, a 5xx answer), or the next fallback
    /// server (``StreamMirror/fallbackSources``) is tried; `reason` says which.
    case retrying(path: String, attempt: Int, reason: String)
    /// The metadata was published: products documents, then the index.
    case published(paths: [String])
}

/// A payload that could not be mirrored.
public struct MirrorFailure: Sendable, Hashable, CustomStringConvertible {
    /// The path in the mirror.
    public var path: String
    /// Where it was fetched from.
    public var url: String
    /// The digest the signed metadata states (the strongest of the item's), or `nil` when it states none that can
    /// be used.
    public var expected: ContentDigest?
    /// The digest of what arrived, when the whole file arrived with the wrong content.
    public var actual: ContentDigest?
    /// Why it failed.
    public var reason: String

    /// Creates a value.
    public init(path: String, url: String, expected: ContentDigest?, actual: ContentDigest?, reason: String) {
        self.path = path
        self.url = url
        self.expected = expected
        self.actual = actual
        self.reason = reason
    }

    /// `URL: reason (expected SHA-256 X, got Y)`, the URL given once.
    public var description: String {
        var text = reason.contains(url) ? reason : "\(url): \(reason)"
        guard let expected else { return text }
        text += " (expected \(expected)"
        if let actual { text += ", got \(actual.hex)" }
        return text + ")"
    }
}
