internal import Glibc
import Synchronization

// The package's one mechanism for blocking work (decompression, file system calls, gpgme): threads of its own,
// so that Swift's cooperative pool stays free for progress reporting and cancellation. Nothing else in the package
// starts threads or Dispatch queues.

/// The body of a thread made by `createThread(_:)`.
private final class ThreadStart: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Counts finished threads.
private final class Countdown: Sendable {
    let remaining: Atomic<Int>
    init(_ count: Int) { remaining = Atomic(count) }
}

/// Creates a thread running `body`, or returns `nil` if the system refused to create one.
private func createThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    let context = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread, nil,
        { context in
            guard let context else { return nil }
            Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
    guard result == 0 else {
        Unmanaged<ThreadStart>.fromOpaque(context).release()
        return nil
    }
    return thread
}

/// Starts a detached thread running `body`; returns `false` if the system refused to create one.
private func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    guard let thread = createThread(body) else { return false }
    pthread_detach(thread)
    return true
}

/// Runs `body(0)` ... `body(count - 1)` on `count` threads of their own and returns when all have finished.
///
/// Blocking work (decompression, file system calls) runs there rather than on Swift's cooperative pool, which stays
/// free for progress reporting and cancellation. If a thread cannot be created, its share runs on the caller.
package func onDedicatedThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
    guard count > 0 else { return }
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let countdown = Countdown(count)
        for worker in 0..<count {
            let run: @Sendable () -> Void = {
                body(worker)
                if countdown.remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    continuation.resume()
                }
            }
            if !startThread(run) { run() }
        }
    }
}

/// Runs `body` on a thread of its own and returns its result (or throws its error).
///
/// For one blocking call (reading and hashing a file, a gpgme operation) that should not hold a thread of Swift's
/// cooperative pool. If a thread cannot be created, `body` runs on the caller.
package func onDedicatedThread<T: Sendable, E: Error>(
    _ body: @escaping @Sendable () throws(E) -> T
) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        let run: @Sendable () -> Void = {
            do throws(E) {
                continuation.resume(returning: .success(try body()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        if !startThread(run) { run() }
    }
    return try result.get()
}

/// Runs `body(0)` on the caller and `body(1)` ... `body(count - 1)` on threads of their own, and returns when all
/// have finished: the synchronous counterpart of ``onDedicatedThreads(_:_:)``, for work a synchronous API does in
/// parallel (decoding a table's metadata blocks before a walk). If a thread cannot be created, its share runs on the
/// caller.
package func onDedicatedThreadsWaiting(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard count > 0 else { return }
    var threads: [pthread_t] = []
    for worker in 1..<count {
        if let thread = createThread({ body(worker) }) {
            threads.append(thread)
        } else {
            body(worker)
        }
    }
    body(0)
    for thread in threads { pthread_join(thread, nil) }
}
