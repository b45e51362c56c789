import ArgumentParser
import Dispatch
import Glibc
import Synchronization

/// Runs `operation` in a task that SIGINT and SIGTERM cancel, so that an interrupted command cleans up after itself:
/// its private GnuPG homes, partial files and temporary names are removed as the cancelled work unwinds.
///
/// While `operation` runs, SIGINT and SIGTERM no longer end the process: the first one cancels the task, and the
/// command waits for it to finish unwinding. Then, whatever the operation returned or threw, an interrupted command
/// prints `error: interrupted by SIGINT` (or `SIGTERM`) on standard error and exits with status 128 + the signal
/// number, 130 or 143, as a shell reports a process ended by that signal. A second signal while the cleanup runs ends
/// the process at once with the same status (what is left is removed by the next run: see `GPGHome`).
///
/// Commands call it inside ``runAsyncReportingErrors(_:)``, which passes the exit status through.
func whileHandlingInterrupts<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result)
    async throws -> Result
{
    let received = ReceivedSignal()
    let task = Task { try await operation() }
    let sources = [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            if !received.record(number) { _exit(128 + number) }
            task.cancel()
        }
        source.resume()
        return source
    }
    let outcome = await task.result
    for source in sources { source.cancel() }
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
    if let number = received.first {
        writeStandardError("error: interrupted by \(number == SIGINT ? "SIGINT" : "SIGTERM")\n")
        throw ExitCode(128 + number)
    }
    return try outcome.get()
}

/// The first signal received, shared between the signal sources' handlers and the waiting command.
private final class ReceivedSignal: Sendable {
    private let number = Mutex<Int32?>(nil)

    /// Records `signal`; returns false when a signal had already been received.
    func record(_ signal: Int32) -> Bool {
        number.withLock { number in
            guard number == nil else { return false }
            number = signal
            return true
        }
    }

    /// The first signal received, if any.
    var first: Int32? { number.withLock { $0 } }
}

/// Runs `body` as ``runAsyncReportingErrors(_:)`` does (`error: ...` and exit status 1), in a task that SIGINT and
/// SIGTERM cancel (``whileHandlingInterrupts(_:)``: exit status 130 or 143 once the cancelled work has cleaned up).
func runInterruptibleReportingErrors(_ body: @escaping @Sendable () async throws -> Void) async throws {
    try await runAsyncReportingErrors { try await whileHandlingInterrupts(body) }
}
