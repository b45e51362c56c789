public import Verification

/// Something that happened during a mirror run, in the order it happened for each file.
public enum MirrorEvent: Sendable, Hashable {
    /// The metadata verified and the plan is made: how many payloads will be downloaded (or linked) and their
    /// bytes. The first event of a run.
    case planned(files: Int, bytes: Int64)
    /// A payload started downloading: its destination path, its signed size and the bytes already there (a
    /// resumed `.part`).
    case started(path: String, size: Int64, resumedAt: Int64)
    /// Bytes of a payload arrived.
    case bytes(path: String, count: Int)
    /// A payload was verified (size and SHA-256) and put in place; `linked` when it is a hard link to an identical
    /// file rather than a download.
    case verified(path: String, size: Int64, linked: Bool)
    /// A payload could not be mirrored; the run goes on.
    case failed(MirrorFailure)
    /// A file no longer referenced by any kept version was removed.
    case pruned(path: String, size: Int64)
    /// A file was retried after a failure (a dropped connection, a timeout, a 5xx answer).
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
    public var expected: Digest?
    /// The digest of what arrived, when the whole file arrived with the wrong content.
    public var actual: Digest?
    /// Why it failed.
    public var reason: String

    /// Creates a value.
    public init(path: String, url: String, expected: Digest?, actual: Digest?, reason: String) {
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

/// Where a run reports its ``MirrorEvent``s: an `AsyncStream` to iterate while the run goes on.
///
/// ```swift
/// let progress = MirrorProgress()
/// async let summary = mirror.run(progress: progress)
/// for await event in progress.events { print(event) }
/// print(try await summary)
/// ```
///
/// The stream keeps the newest 65,536 events when its reader falls behind, and finishes when the run ends.
public struct MirrorProgress: Sendable {
    /// The events of the run.
    public let events: AsyncStream<MirrorEvent>
    private let continuation: AsyncStream<MirrorEvent>.Continuation

    /// Creates a stream.
    public init() {
        (events, continuation) = AsyncStream.makeStream(
            of: MirrorEvent.self, bufferingPolicy: .bufferingNewest(1 << 16))
    }

    func yield(_ event: MirrorEvent) { continuation.yield(event) }
    func finish() { continuation.finish() }
}
