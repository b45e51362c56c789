import ArgumentParser
import SystemLayer

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
    let outcome = await cancellingOnSignals([.interrupt, .terminate], operation)
    if let signal = outcome.signal {
        writeStandardError("error: interrupted by \(signal)\n")
        throw ExitCode(signal.exitStatus)
    }
    return try outcome.result.get()
}

/// Runs `body` as ``runAsyncReportingErrors(_:)`` does (`error: ...` and exit status 1), in a task that SIGINT and
/// SIGTERM cancel (``whileHandlingInterrupts(_:)``: exit status 130 or 143 once the cancelled work has cleaned up).
func runInterruptibleReportingErrors(_ body: @escaping @Sendable () async throws -> Void) async throws {
    try await runAsyncReportingErrors { try await whileHandlingInterrupts(body) }
}
