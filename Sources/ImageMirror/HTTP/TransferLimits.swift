internal import AsyncHTTPClient
internal import NIOCore
import Synchronization

/// Why a transfer was cut off by a time limit of ``HTTPSettings``: the underlying error of the retryable
/// ``ImageMirrorError/Code/transport`` error it fails with.
public struct TransferTimeLimit: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which limit was reached.
    public enum Reason: Sendable, Hashable {
        /// A window of the rate rule (``HTTPSettings/speedTime``) brought `received` bytes, fewer than the
        /// `minimum` that ``HTTPSettings/speedLimit`` asks for.
        case belowMinimumRate(received: Int64, minimum: Int64, window: Duration)
        /// The response head did not arrive within this time.
        case noResponseHead(Duration)
        /// The request was not complete within this time (``HTTPSettings/documentTimeout`` or
        /// ``HTTPSettings/payloadTimeout``).
        case deadline(Duration)
    }

    /// Which limit was reached.
    public var reason: Reason

    /// Creates a value.
    package init(_ reason: Reason) { self.reason = reason }

    /// What happened, in words.
    public var description: String {
        switch reason {
        case .belowMinimumRate(let received, let minimum, let window):
            "too slow: \(received) bytes in \(window.secondsText), fewer than the \(minimum) the minimum rate asks for"
        case .noResponseHead(let limit): "no response within \(limit.secondsText)"
        case .deadline(let limit): "not complete within \(limit.secondsText)"
        }
    }
}

extension Duration {
    /// `30 s`, `0.25 s`.
    var secondsText: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }

    /// The duration in seconds, as a `Double`.
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The rate rule and the deadline of one response body, checked both by the loop that reads the body, as each
/// buffer arrives, and by a watchdog task, for a body that sends nothing.
///
/// Windows follow each other from the arrival of the response head; a window fails when, once it is over, it holds
/// fewer than the minimum bytes. Only the server's time counts: bytes are counted in the oldest window not yet judged,
/// so a reader that was not scheduled for a while is not blamed for the bytes waiting in the socket; the time the
/// reader waits for the consumer (``pause(at:)``, ``resume(at:)``) does not count; and when the watchdog itself runs
/// late (the process was starved, or the machine suspended), the current window starts again rather than blaming the
/// server (``check(scheduled:at:)``). A drip stays below the minimum whatever the scheduling.
final class TransferMonitor: Sendable {
    /// The fewest bytes one window must bring (0: no rate rule).
    let minimumBytes: Int64
    /// The window of the rate rule.
    let window: Duration
    /// When the request must be over, and the limit that set it.
    let deadline: (instant: ContinuousClock.Instant, limit: Duration)?
    private let state: Mutex<State>

    private struct State {
        var windowStart: ContinuousClock.Instant
        var bytes: Int64 = 0
        var total: Int64 = 0
        /// When the reader started waiting for the consumer, while it waits.
        var pausedSince: ContinuousClock.Instant? = nil
    }

    /// A monitor whose first window starts `start`.
    init(
        speedLimit: Int, window: Duration, deadline: (instant: ContinuousClock.Instant, limit: Duration)?,
        start: ContinuousClock.Instant
    ) {
        let valid = speedLimit > 0 && window > .zero
        minimumBytes = valid ? Int64(min((Double(speedLimit) * window.secondsValue).rounded(.up), 1e18)) : 0
        self.window = window
        self.deadline = deadline
        state = Mutex(State(windowStart: start))
    }

    /// The bytes received so far.
    var total: Int64 { state.withLock { $0.total } }

    /// Counts `count` bytes received at `now`, and returns the limit they break, if any.
    func record(_ count: Int, at now: ContinuousClock.Instant) -> TransferTimeLimit? {
        state.withLock { state in
            state.bytes += Int64(count)
            state.total += Int64(count)
            return judge(&state, at: now)
        }
    }

    /// The reader starts waiting for the consumer to take a buffer: the server is not being waited for.
    func pause(at now: ContinuousClock.Instant) {
        state.withLock { $0.pausedSince = $0.pausedSince ?? now }
    }

    /// The consumer took the buffer: the window resumes, shifted by the time paused.
    func resume(at now: ContinuousClock.Instant) {
        state.withLock { state in
            guard let since = state.pausedSince else { return }
            state.windowStart += now - since
            state.pausedSince = nil
        }
    }

    /// The watchdog's look at `now`, planned for `scheduled`: the limit broken, if any. A watchdog that runs more
    /// than a quarter of a window late starts the current window again instead of judging it.
    func check(scheduled: ContinuousClock.Instant, at now: ContinuousClock.Instant) -> TransferTimeLimit? {
        state.withLock { state in
            if minimumBytes > 0, now - scheduled > window / 4, state.pausedSince == nil {
                if let deadline, now >= deadline.instant { return TransferTimeLimit(.deadline(deadline.limit)) }
                state.windowStart = now
                state.bytes = 0
                return nil
            }
            return judge(&state, at: now)
        }
    }

    private func judge(_ state: inout State, at now: ContinuousClock.Instant) -> TransferTimeLimit? {
        if let deadline, now >= deadline.instant { return TransferTimeLimit(.deadline(deadline.limit)) }
        guard minimumBytes > 0, state.pausedSince == nil else { return nil }
        while now - state.windowStart >= window {
            if state.bytes < minimumBytes {
                return TransferTimeLimit(
                    .belowMinimumRate(received: state.bytes, minimum: minimumBytes, window: window))
            }
            state.windowStart += window
            state.bytes = 0
        }
        return nil
    }

    /// When the watchdog next needs to look: the end of the current window, or the deadline.
    func nextCheck() -> ContinuousClock.Instant? {
        let windowEnd: ContinuousClock.Instant? =
            minimumBytes > 0
            ? state.withLock { state in
                // While the reader waits for the consumer, the window does not run: look again a window later.
                state.pausedSince == nil ? state.windowStart + window : ContinuousClock.now + window
            } : nil
        switch (windowEnd, deadline?.instant) {
        case (let end?, let deadline?): return min(end, deadline)
        case (let end?, nil): return end
        case (nil, let deadline?): return deadline
        case (nil, nil): return nil
        }
    }
}

/// Buffers passed one at a time from the task reading a response body to the task consuming it, so that a
/// watchdog can end the consumer's wait (``fail(_:)``) while the reader is blocked in the HTTP client.
final class BodyHandoff: Sendable {
    private struct State {
        var buffer: ByteBuffer?
        var finished = false
        var failure: ImageMirrorError?
        var closed = false
        var consumer: CheckedContinuation<Result<ByteBuffer?, ImageMirrorError>, Never>?
        var producer: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    /// Hands `buffer` over and waits until the consumer takes it; `false` when the consumer is gone or the transfer
    /// failed (stop reading).
    func send(_ buffer: ByteBuffer) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            state.withLock { state in
                if state.closed || state.failure != nil {
                    continuation.resume(returning: false)
                } else if let consumer = state.consumer {
                    state.consumer = nil
                    consumer.resume(returning: .success(buffer))
                    continuation.resume(returning: true)
                } else {
                    state.buffer = buffer
                    state.producer = continuation
                }
            }
        }
    }

    /// The next buffer, `nil` at the end of the body, or the failure.
    func next() async -> Result<ByteBuffer?, ImageMirrorError> {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if let failure = state.failure {
                    continuation.resume(returning: .failure(failure))
                } else if let buffer = state.buffer {
                    state.buffer = nil
                    state.producer?.resume(returning: true)
                    state.producer = nil
                    continuation.resume(returning: .success(buffer))
                } else if state.finished {
                    continuation.resume(returning: .success(nil))
                } else {
                    state.consumer = continuation
                }
            }
        }
    }

    /// The body ended.
    func finish() {
        state.withLock { state in
            state.finished = true
            state.consumer?.resume(returning: .success(nil))
            state.consumer = nil
        }
    }

    /// The transfer failed: the consumer's wait ends with `error` (unless a failure came first).
    func fail(_ error: ImageMirrorError) {
        state.withLock { state in
            guard state.failure == nil else { return }
            state.failure = error
            state.consumer?.resume(returning: .failure(error))
            state.consumer = nil
            state.producer?.resume(returning: false)
            state.producer = nil
        }
    }

    /// The consumer is gone: a waiting reader stops.
    func close() {
        state.withLock { state in
            state.closed = true
            state.buffer = nil
            state.producer?.resume(returning: false)
            state.producer = nil
        }
    }
}

extension HTTPTransport {
    /// Reads the body of `response` to its end, giving each buffer to `receive`, under the rate rule of the
    /// settings and `deadline`.
    ///
    /// A child task reads the body and measures the rate as buffers arrive (``TransferMonitor``); a watchdog child
    /// task checks the same monitor at the end of each window and at the deadline, for a body that sends nothing.
    /// Either ends the transfer with a ``TransferTimeLimit``; the body's request is then cancelled.
    ///
    /// - Parameter progress: called with the bytes received so far after each buffer, in the calling task.
    /// - Throws: ``ImageMirrorError/Code/transport`` (a time limit, a connection error), ``ImageMirrorError/Code/cancelled``,
    ///   or what `receive` throws.
    func readBody(
        _ response: Response, url: String, deadline: (instant: ContinuousClock.Instant, limit: Duration)?,
        receive: (ByteBuffer) throws(ImageMirrorError) -> Void,
        progress: (_ total: Int64, _ monitor: TransferMonitor) -> Void = { _, _ in }
    ) async throws(ImageMirrorError) {
        let monitor = TransferMonitor(
            speedLimit: settings.speedLimit, window: settings.speedTime, deadline: deadline,
            start: ContinuousClock.now)
        let handoff = BodyHandoff()
        let body = response.body
        let outcome = await withTaskGroup(of: Void.self) { group -> ImageMirrorError? in
            group.addTask {
                do {
                    for try await buffer in body {
                        if let limit = monitor.record(buffer.readableBytes, at: .now) {
                            handoff.fail(Self.limitError(limit, url: url))
                            return
                        }
                        // Waiting for the consumer is this process's time, not the server's.
                        monitor.pause(at: .now)
                        let delivered = await handoff.send(buffer)
                        monitor.resume(at: .now)
                        guard delivered else { return }
                    }
                    handoff.finish()
                } catch {
                    handoff.fail(Self.transportError(error, url: url))
                }
            }
            group.addTask {
                while let instant = monitor.nextCheck() {
                    do { try await Task.sleep(until: instant) } catch { return }
                    if let limit = monitor.check(scheduled: instant, at: .now) {
                        handoff.fail(Self.limitError(limit, url: url))
                        return
                    }
                }
            }
            defer {
                handoff.close()
                group.cancelAll()
            }
            while true {
                switch await handoff.next() {
                case .failure(let error): return error
                case .success(nil): return nil
                case .success(let buffer?):
                    do throws(ImageMirrorError) {
                        try receive(buffer)
                    } catch {
                        handoff.fail(error)
                        return error
                    }
                    progress(monitor.total, monitor)
                }
            }
        }
        if let outcome { throw outcome }
    }

    /// The error of a transfer cut off by `limit`.
    static func limitError(_ limit: TransferTimeLimit, url: String) -> ImageMirrorError {
        ImageMirrorError(.transport, "\(url): \(limit)", underlyingError: limit)
    }
}
