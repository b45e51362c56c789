import Synchronization

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// How HTTP(S) requests are made: the user agent, timeouts, redirects, proxies and retries.
///
/// Nothing waits forever, and a server that keeps a transfer alive with a trickle of bytes is cut off. With the
/// defaults, a stalled or dripping server ends an attempt within about a minute, and the retries of one file
/// within about five (see ``RetryPolicy/maximumRetryTime``):
///
/// - a connection must open within ``connectTimeout`` (10 s);
/// - a response may not go ``readTimeout`` (60 s) without a byte;
/// - the response head must arrive within ``speedTime`` (30 s) of the connection, and from then on every window
///   of ``speedTime`` must bring at least ``speedLimit`` (1 KiB/s) bytes per second on average, as curl's
///   `--speed-limit 1024 --speed-time 30`: one byte every 20 s fails at the end of its first window;
/// - a document (``HTTPStreamSource/read(_:maximumSize:)``) must be complete within ``documentTimeout`` (3 min);
/// - a payload has no fixed deadline (``payloadTimeout`` is `nil`): a 1.5 GB image on a slow but healthy link may
///   take hours, and the rate rule is what ends a drip there.
///
/// A transfer cut off by these limits fails with a retryable ``ImageMirrorError/Code/transport`` error whose
/// underlying error is a ``TransferTimeLimit``.
public struct HTTPSettings: Sendable, Hashable {
    /// The `User-Agent` header, naming this project.
    public var userAgent: String = HTTPSettings.defaultUserAgent
    /// The longest a connection may take to open (default 10 s).
    public var connectTimeout: Duration = .seconds(10)
    /// The longest a response may go without sending a byte (default 60 s).
    public var readTimeout: Duration = .seconds(60)
    /// The lowest average rate, in bytes per second, a response may have over any window of ``speedTime``
    /// (default 1024, curl's `--speed-limit`); 0 turns the rate rule off.
    public var speedLimit: Int = 1024
    /// The window of the rate rule, and the longest the response head may take once connected (default 30 s,
    /// curl's `--speed-time`).
    public var speedTime: Duration = .seconds(30)
    /// The longest a document request may take, response body included, each attempt (default 3 min: the largest
    /// products documents of images.maas.io are a few MB); `nil` for no deadline.
    public var documentTimeout: Duration? = .seconds(180)
    /// The longest a payload request may take, each attempt; `nil` (the default) for no deadline, since payloads
    /// are up to gigabytes and the rate rule already ends a drip.
    public var payloadTimeout: Duration?
    /// How many redirects are followed (cycles never are).
    public var maximumRedirects = 10
    /// The proxies (from the environment by default).
    public var proxies: ProxySettings
    /// How failed requests are retried.
    public var retry: RetryPolicy = RetryPolicy()

    /// The user agent of this project: `swift-maas-images/0.2.0 (ImageMirror)`.
    public static let defaultUserAgent = "swift-maas-images/0.2.0 (ImageMirror)"

    /// Creates settings with the proxies of the process environment (see ``ProxySettings/init(environment:)``).
    public init() {
        proxies = ProxySettings(environment: ProcessInfo.processInfo.environment)
    }

    /// Creates settings with explicit proxies.
    public init(proxies: ProxySettings) {
        self.proxies = proxies
    }
}

/// When and how long to wait before repeating a failed request.
///
/// Connection errors, timeouts, a body cut short, HTTP 5xx, 408 and 429 are retried, up to ``maximumAttempts``
/// attempts in all, after a delay that doubles from ``initialDelay`` up to ``maximumDelay``, each delay drawn at
/// random between half and all of its value (jitter), so parallel downloads do not retry in step. Other 4xx
/// statuses and content that does not match its digest fail at once. No retry starts once ``maximumRetryTime`` has
/// passed since the first failure (or since the last attempt that made progress), so the retries of one file end
/// within a bounded time.
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts for one request, the first included (at least 1).
    public var maximumAttempts: Int
    /// The delay before the first retry.
    public var initialDelay: Duration
    /// The longest delay between two attempts.
    public var maximumDelay: Duration
    /// How long retries may go on (default 5 min, as curl's `--retry-max-time`): no retry starts, and the last
    /// error is thrown, once the retry would begin more than this after the first failure. An attempt that made
    /// progress (a payload attempt that received at least one window of the rate rule at the minimum rate: its
    /// retry resumes where it stopped) starts the count again. `nil`: only ``maximumAttempts`` bounds retries.
    public var maximumRetryTime: Duration?

    /// Creates a policy: 5 attempts, delays from 0.5 s up to 30 s, retries for at most 5 min by default.
    public init(
        maximumAttempts: Int = 5, initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30),
        maximumRetryTime: Duration? = .seconds(300)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryTime = maximumRetryTime
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failed ones (1 or more), jittered with `generator`.
    func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, min(attempt, 32)) where delay < maximumDelay { delay *= 2 }
        delay = min(delay, maximumDelay)
        let fraction = Double.random(in: 0.5...1.0, using: &generator)
        return delay * fraction
    }

    /// Runs `body` until it succeeds, throws an error that is not retryable, ``maximumAttempts`` is reached or
    /// ``maximumRetryTime`` has passed; `beforeRetry` is told of each retried failure.
    func run<Value>(
        _ body: () async throws(ImageMirrorError) -> Value,
        beforeRetry: (ImageMirrorError, _ attempt: Int) -> Void = { _, _ in }
    ) async throws(ImageMirrorError) -> Value {
        var generator = SystemRandomNumberGenerator()
        let clock = ContinuousClock()
        var retriesSince: ContinuousClock.Instant?
        var attempt = 1
        while true {
            let progress = AttemptProgress()
            let outcome = await AttemptProgress.$current.withValue(progress) {
                () async -> Result<Value, ImageMirrorError> in
                do throws(ImageMirrorError) { return .success(try await body()) } catch { return .failure(error) }
            }
            let error: ImageMirrorError
            switch outcome {
            case .success(let value): return value
            case .failure(let failure): error = failure
            }
            guard error.isRetryable && attempt < maximumAttempts else { throw error }
            let now = clock.now
            if retriesSince == nil || progress.made { retriesSince = now }
            let delay = delay(afterAttempt: attempt, using: &generator)
            if let maximumRetryTime, let retriesSince, retriesSince.duration(to: now) + delay > maximumRetryTime {
                throw error
            }
            beforeRetry(error, attempt)
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw ImageMirrorError(.cancelled, "cancelled while waiting to retry")
            }
            attempt += 1
        }
    }
}

/// Whether the current attempt of ``RetryPolicy/run(_:beforeRetry:)`` made progress worth more retries: set by the
/// transfer when a payload has received one window of the rate rule.
final class AttemptProgress: Sendable {
    /// The attempt the current task runs, if any.
    @TaskLocal static var current: AttemptProgress?

    private let flag = Atomic<Bool>(false)

    /// Whether ``markProgress()`` was called.
    var made: Bool { flag.load(ordering: .relaxed) }

    /// Records that the attempt made progress.
    func markProgress() { flag.store(true, ordering: .relaxed) }
}
