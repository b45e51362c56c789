import Synchronization

/// Carries the progress of one operation (an extraction, a mirror run) from the library to one reader, without
/// ever losing an event or the final totals.
///
/// Create a channel, pass it to the operation, and iterate it while the operation runs:
///
/// ```swift
/// let progress = ProgressChannel<MirrorEvent>()
/// async let summary = mirror.run(progress: progress)
/// for await update in progress {
///     print(update.completedBytes, "of", update.totalBytes ?? 0, update.events)
/// }
/// print(try await summary)
/// ```
///
/// The operation never waits for the reader. When the reader is slower than the operation, updates coalesce: the
/// next update carries the newest counts and every event reported since the reader's previous update. The last
/// update has ``ProgressUpdate/isFinal`` set, and iteration ends after it. Events wait in the channel until they are
/// read, so an operation reports only a bounded number of them (one or a few per item, never one per byte).
///
/// Counts alone change very often (every block written, every chunk received), so an update that carries only new
/// counts is handed over at most every ``countInterval``; events, and the end, are handed over at once. Waking the
/// reader for every block would cost an extraction a third of its time on two cores.
///
/// A channel has one reader: a second iteration running at the same time ends at once.
public final class ProgressChannel<Event: Sendable>: AsyncSequence, Sendable {
    /// What the channel yields.
    public typealias Element = ProgressUpdate<Event>
    /// Iteration cannot fail.
    public typealias Failure = Never

    private typealias Continuation = CheckedContinuation<ProgressUpdate<Event>?, Never>

    /// The reader waiting in `next()`.
    private struct Waiter {
        let id: Int
        let continuation: Continuation
    }

    /// The shortest time between two updates that carry only new counts: 50 ms.
    public static var countInterval: Duration { .milliseconds(50) }

    private struct State: ~Copyable {
        var current = ProgressUpdate<Event>()
        /// When the reader last took an update.
        var lastDelivery: ContinuousClock.Instant?
        /// Whether anything changed since the last update taken.
        var changed = false
        var finished = false
        var deliveredFinal = false
        var waiter: Waiter?
        /// Numbers the calls to `next()`, so that a cancellation resumes only its own call.
        var readers = 0

        /// The update to hand over now, if any; clears the events it carries.
        mutating func take() -> ProgressUpdate<Event>?? {
            if deliveredFinal { return .some(nil) }
            if finished {
                deliveredFinal = true
                return .some(drain(isFinal: true))
            }
            guard changed else { return nil }
            if current.events.isEmpty, let lastDelivery {
                // Only counts changed: hand them over when the interval has passed (a later change does it).
                let now = ContinuousClock.now
                guard now - lastDelivery >= ProgressChannel.countInterval else { return nil }
                self.lastDelivery = now
            } else {
                lastDelivery = .now
            }
            return .some(drain(isFinal: false))
        }

        private mutating func drain(isFinal: Bool) -> ProgressUpdate<Event> {
            var update = current
            update.isFinal = isFinal
            current.events = []
            changed = false
            return update
        }
    }

    private let state = Mutex(State())

    /// Creates a channel with no totals known and nothing done.
    public init() {}

    // MARK: - Reporting (the operation's side)

    /// Sets the totals; `nil` leaves a total unknown.
    package func setTotals(bytes: Int64?, items: Int?) {
        change {
            $0.totalBytes = bytes
            $0.totalItems = items
        }
    }

    /// Adds to the totals (work discovered as the operation goes); an unknown total becomes the amount added.
    package func addToTotals(bytes: Int64, items: Int) {
        change {
            $0.totalBytes = Self.sum($0.totalBytes ?? 0, bytes)
            $0.totalItems = Self.sum($0.totalItems ?? 0, items)
        }
    }

    /// Counts work done. `bytes` may be negative: a transfer that starts again takes back the bytes it had counted.
    package func advance(bytes: Int64 = 0, items: Int = 0) {
        change {
            $0.completedBytes = Self.sum($0.completedBytes, bytes)
            $0.completedItems = Self.sum($0.completedItems, items)
        }
    }

    /// Reports an event; the reader receives it in the next update.
    package func report(_ event: Event) {
        change { $0.events.append(event) }
    }

    /// Ends the operation's reporting: the reader gets one last update with ``ProgressUpdate/isFinal`` set, then the
    /// end of iteration. Calls after the first do nothing, and so do reports after it.
    package func finish() {
        let handover = state.withLock { state -> (Continuation, ProgressUpdate<Event>?)? in
            guard !state.finished else { return nil }
            state.finished = true
            return Self.handover(&state)
        }
        handover?.0.resume(returning: handover?.1)
    }

    private func change(_ body: (inout ProgressUpdate<Event>) -> Void) {
        let handover = state.withLock { state -> (Continuation, ProgressUpdate<Event>?)? in
            guard !state.finished else { return nil }
            body(&state.current)
            state.changed = true
            return Self.handover(&state)
        }
        handover?.0.resume(returning: handover?.1)
    }

    /// The waiting reader and the update to resume it with, if a reader waits.
    private static func handover(_ state: inout State) -> (Continuation, ProgressUpdate<Event>?)? {
        guard let waiter = state.waiter, let update = state.take() else { return nil }
        state.waiter = nil
        return (waiter.continuation, update)
    }

    private static func sum<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        let (result, overflow) = a.addingReportingOverflow(b)
        if overflow { return b < 0 ? T.min : T.max }
        return result
    }

    // MARK: - Reading (the reader's side)

    /// The next update: at once when something changed since the previous one, otherwise when something does.
    /// `nil` after the final update, when the reading task is cancelled, or for a second reader.
    fileprivate func next() async -> ProgressUpdate<Event>? {
        if let ready = state.withLock({ $0.take() }) { return ready }
        let id = state.withLock { state -> Int in
            state.readers &+= 1
            return state.readers
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Continuation) in
                let immediate: ProgressUpdate<Event>?? = state.withLock { state in
                    if Task.isCancelled || state.waiter != nil { return .some(nil) }
                    if let ready = state.take() { return ready }
                    state.waiter = Waiter(id: id, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Continuation? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Returns the channel's iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(channel: self) }

    /// Iterates a channel's updates.
    public struct Iterator: AsyncIteratorProtocol {
        let channel: ProgressChannel<Event>

        /// The next update, or `nil` after the final one.
        public mutating func next() async -> ProgressUpdate<Event>? { await channel.next() }
    }
}
