internal import AsyncHTTPClient
public import Logging
internal import NIOCore
internal import NIOHTTP1
import Synchronization

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// The HTTP clients of a run: one AsyncHTTPClient per proxy (or none), made on first use and shut down by
/// ``shutdown()``, which ``withTransport(_:logger:_:)`` always calls.
///
/// ```swift
/// try await HTTPTransport.withTransport(HTTPSettings()) { transport in
///     let source = try HTTPStreamSource("https://images.maas.io/ephemeral-v3/stable/", transport: transport)
///     let index = try await StreamReader(source: source, policy: policy).readIndex()
/// }
/// ```
public final class HTTPTransport: Sendable {
    /// The settings every request uses.
    public let settings: HTTPSettings
    private let clients = Mutex<[ProxySettings.Server?: HTTPClient]>([:])
    private let logger: Logger

    /// Creates a transport; call ``shutdown()`` when done, or use ``withTransport(_:logger:_:)``.
    public init(settings: HTTPSettings, logger: Logger = Logger(label: "maas-images.http")) {
        self.settings = settings
        self.logger = logger
    }

    /// Runs `body` with a new transport, and shuts it down afterwards, whether `body` throws or not.
    public static func withTransport<Result: Sendable>(
        _ settings: HTTPSettings, logger: Logger = Logger(label: "maas-images.http"),
        _ body: (HTTPTransport) async throws -> Result
    ) async throws -> Result {
        let transport = HTTPTransport(settings: settings, logger: logger)
        do {
            let result = try await body(transport)
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// Shuts every client down; requests made afterwards fail.
    public func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    /// The client for a URL of `scheme` on `host`, with the proxy the settings choose for it.
    private func client(scheme: String, host: String) -> HTTPClient {
        let proxy = settings.proxies.server(scheme: scheme, host: host)
        return clients.withLock { clients in
            if let existing = clients[proxy] { return existing }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .follow(max: settings.maximumRedirects, allowCycles: false)
            configuration.timeout = HTTPClient.Configuration.Timeout(
                connect: .nanoseconds(Int64(settings.connectTimeout.nanoseconds)),
                read: .nanoseconds(Int64(settings.readTimeout.nanoseconds)))
            configuration.proxy = proxy.map { proxy in
                HTTPClient.Configuration.Proxy.server(
                    host: proxy.host, port: proxy.port,
                    authorization: proxy.credentials.map { .basic(username: $0.user, password: $0.password) })
            }
            configuration.decompression = .disabled
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[proxy] = client
            return client
        }
    }

    /// A response whose body is still to be read.
    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: HTTPClientResponse.Body
    }

    /// Sends a GET for `url` with `headers` (plus the user agent) and returns the response once its head arrived.
    ///
    /// The head must arrive before `deadline` and, unless the rate rule is off (``HTTPSettings/speedLimit`` 0),
    /// within ``HTTPSettings/speedTime`` of the connection (``HTTPSettings/connectTimeout`` plus
    /// ``HTTPSettings/speedTime`` from now): a server that drips its headers cannot hold a request open.
    ///
    /// - Throws: ``ImageMirrorError/Code/invalidArgument`` for a URL that is not `http` or `https`,
    ///   ``ImageMirrorError/Code/transport`` for a connection failure or a timeout (a ``TransferTimeLimit`` for the
    ///   limits above), ``ImageMirrorError/Code/cancelled``.
    func get(
        _ url: String, headers: [(String, String)] = [],
        deadline: (instant: ContinuousClock.Instant, limit: Duration)? = nil
    ) async throws(ImageMirrorError) -> Response {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw ImageMirrorError(.invalidArgument, "\(url) is not an http:// or https:// URL")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: settings.userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let now = ContinuousClock.now
        var headLimit: (instant: ContinuousClock.Instant, reason: TransferTimeLimit)?
        if settings.speedLimit > 0 {
            let wait = settings.connectTimeout + settings.speedTime
            headLimit = (now + wait, TransferTimeLimit(.noResponseHead(wait)))
        }
        if let deadline, headLimit.map({ deadline.instant < $0.instant }) ?? true {
            headLimit = (deadline.instant, TransferTimeLimit(.deadline(deadline.limit)))
        }
        let nioDeadline = headLimit.map { NIODeadline.now() + .nanoseconds(now.duration(to: $0.instant).nanoseconds) }
        do {
            let response = try await client(scheme: scheme, host: host).execute(
                request, deadline: nioDeadline ?? .distantFuture, logger: logger)
            return Response(status: Int(response.status.code), headers: response.headers, body: response.body)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            guard let headLimit else { throw Self.transportError(error, url: url) }
            throw Self.limitError(headLimit.reason, url: url)
        } catch {
            throw Self.transportError(error, url: url)
        }
    }

    /// Maps an error thrown while sending a request or reading a body to an ``ImageMirrorError``.
    static func transportError(_ error: any Error, url: String) -> ImageMirrorError {
        if let error = error as? ImageMirrorError { return error }
        if error is CancellationError || Task.isCancelled {
            return ImageMirrorError(.cancelled, "\(url): cancelled")
        }
        if let client = error as? HTTPClientError, client == .readTimeout || client == .connectTimeout {
            return ImageMirrorError(.transport, "\(url): timed out", underlyingError: client)
        }
        return ImageMirrorError(.transport, "\(url): the request failed", underlyingError: SendableDescription(error))
    }
}

/// The text of an error that may not be `Sendable`, kept as the underlying error.
struct SendableDescription: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = String(describing: error) }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : total
    }
}
