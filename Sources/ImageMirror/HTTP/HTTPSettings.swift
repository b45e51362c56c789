#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// How HTTP(S) requests are made: the user agent, timeouts, redirects, proxies and retries.
///
/// A request that cannot connect within ``connectTimeout``, or whose response stops for ``readTimeout`` without a
/// byte, fails; nothing waits forever.
public struct HTTPSettings: Sendable, Hashable {
    /// The `User-Agent` header, naming this project.
    public var userAgent: String = HTTPSettings.defaultUserAgent
    /// The longest a connection may take to open.
    public var connectTimeout: Duration = .seconds(10)
    /// The longest a response may go without sending a byte.
    public var readTimeout: Duration = .seconds(60)
    /// How many redirects are followed (cycles never are).
    public var maximumRedirects = 10
    /// The proxies (from the environment by default).
    public var proxies: ProxySettings
    /// How failed requests are retried.
    public var retry: RetryPolicy = RetryPolicy()

    /// The user agent of this project: `swift-maas-images/0.1.0 (ImageMirror)`.
    public static let defaultUserAgent = "swift-maas-images/0.1.0 (ImageMirror)"

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
/// statuses and content that does not match its digest fail at once.
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts for one request, the first included (at least 1).
    public var maximumAttempts: Int
    /// The delay before the first retry.
    public var initialDelay: Duration
    /// The longest delay between two attempts.
    public var maximumDelay: Duration

    /// Creates a policy: 5 attempts, delays from 0.5 s up to 30 s by default.
    public init(
        maximumAttempts: Int = 5, initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failed ones (1 or more), jittered with `generator`.
    func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, min(attempt, 32)) where delay < maximumDelay { delay *= 2 }
        delay = min(delay, maximumDelay)
        let fraction = Double.random(in: 0.5...1.0, using: &generator)
        return delay * fraction
    }

    /// Runs `body` until it succeeds, throws an error that is not retryable, or ``maximumAttempts`` is reached;
    /// `beforeRetry` is told of each retried failure.
    func run<Result>(
        _ body: () async throws(ImageMirrorError) -> Result,
        beforeRetry: (ImageMirrorError, _ attempt: Int) -> Void = { _, _ in }
    ) async throws(ImageMirrorError) -> Result {
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch  where error.isRetryable && attempt < maximumAttempts {
                beforeRetry(error, attempt)
                do {
                    try await Task.sleep(for: delay(afterAttempt: attempt, using: &generator))
                } catch {
                    throw ImageMirrorError(.cancelled, "cancelled while waiting to retry")
                }
                attempt += 1
            }
        }
    }
}
