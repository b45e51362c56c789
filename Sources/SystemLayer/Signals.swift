internal import Dispatch
internal import Glibc
internal import Synchronization

/// A signal that asks a process to stop.
package struct Signal: Hashable, Sendable, CustomStringConvertible {
    /// The signal number.
    package let rawValue: Int32

    /// `SIGINT`: the terminal's interrupt key (Control-C).
    package static let interrupt = Signal(rawValue: SIGINT)
    /// `SIGTERM`: a polite request to terminate.
    package static let terminate = Signal(rawValue: SIGTERM)

    /// The exit status a shell reports for a process that this signal ended: 128 + the signal number.
    package var exitStatus: Int32 { 128 + rawValue }

    /// `SIGINT`, `SIGTERM`, or `signal N`.
    package var description: String {
        switch rawValue {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(rawValue)"
        }
    }
}

/// How an operation run by ``cancellingOnSignals(_:_:)`` ended.
package struct SignalCancellationOutcome<Success: Sendable>: Sendable {
    /// What the operation returned or threw.
    package var result: Result<Success, any Error>
    /// The first signal received while it ran, if any: the operation was then cancelled.
    package var signal: Signal?
}

/// Runs `operation` in a task that the first of `signals` cancels, and waits for it to finish unwinding.
///
/// While `operation` runs, `signals` no longer end the process: the first one cancels the task and is reported in the
/// outcome. A second one, while the cancelled work cleans up, ends the process at once with the signal's
/// ``Signal/exitStatus``. Afterwards the signals' default dispositions are restored.
///
/// The corresponding C functions are `signal` and `_exit`; the signals are received through a dispatch source.
package func cancellingOnSignals<Success: Sendable>(
    _ signals: [Signal] = [.interrupt, .terminate],
    _ operation: @escaping @Sendable () async throws -> Success
) async -> SignalCancellationOutcome<Success> {
    let received = ReceivedSignal()
    let task = Task { try await operation() }
    let sources = signals.map { signal in
        Glibc.signal(signal.rawValue, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signal.rawValue, queue: .global())
        source.setEventHandler {
            if !received.record(signal) { _exit(signal.exitStatus) }
            task.cancel()
        }
        source.resume()
        return source
    }
    let result = await task.result
    for source in sources { source.cancel() }
    for signal in signals { Glibc.signal(signal.rawValue, SIG_DFL) }
    return SignalCancellationOutcome(result: result, signal: received.first)
}

/// The first signal received, shared between the signal sources' handlers and the waiting caller.
private final class ReceivedSignal: Sendable {
    private let signal = Mutex<Signal?>(nil)

    /// Records `signal`; returns false when a signal had already been received.
    func record(_ new: Signal) -> Bool {
        signal.withLock { signal in
            guard signal == nil else { return false }
            signal = new
            return true
        }
    }

    /// The first signal received, if any.
    var first: Signal? { signal.withLock { $0 } }
}
