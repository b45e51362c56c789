/// What a long-running operation has done so far: counts of bytes and items, and the events since the previous
/// update.
///
/// Counts are totals so far, never deltas, so an update can stand in for every update before it: a reader that
/// falls behind gets one update with the newest counts and all the events it has not seen yet.
public struct ProgressUpdate<Event: Sendable>: Sendable {
    /// Bytes done so far (written, downloaded, verified).
    public var completedBytes: Int64
    /// Bytes the operation will do in all, or `nil` while that is not known yet.
    public var totalBytes: Int64?
    /// Items (files, payloads) finished so far.
    public var completedItems: Int
    /// Items the operation will finish in all, or `nil` while that is not known yet.
    public var totalItems: Int?
    /// Every event reported since the previous update, in the order reported; none is ever dropped.
    public var events: [Event]
    /// Whether this is the operation's last update: its counts are the final totals.
    public var isFinal: Bool

    /// Creates an update.
    public init(
        completedBytes: Int64 = 0, totalBytes: Int64? = nil, completedItems: Int = 0, totalItems: Int? = nil,
        events: [Event] = [], isFinal: Bool = false
    ) {
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
        self.completedItems = completedItems
        self.totalItems = totalItems
        self.events = events
        self.isFinal = isFinal
    }

    /// The share of the bytes done, from 0 to 1, or `nil` while the total is unknown (or zero).
    public var fractionCompleted: Double? {
        guard let totalBytes, totalBytes > 0 else { return nil }
        return min(1, max(0, Double(completedBytes) / Double(totalBytes)))
    }
}

extension ProgressUpdate: Equatable where Event: Equatable {}
