internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
public import SimpleStreams
public import SystemPackage
internal import Verification

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// A mirror served over HTTP or HTTPS (`https://images.maas.io/ephemeral-v3/stable/`).
///
/// Paths are checked before they are appended to the root URL. Documents (``read(_:maximumSize:)``)
/// are fetched whole, refused past their size limit, retried as ``RetryPolicy`` says, and, with a metadata cache
/// directory, requested conditionally (`If-None-Match`, `If-Modified-Since`): a `304 Not Modified` answer
/// returns the cached bytes, which the reader then verifies like any others. Payloads are streamed with
/// ``streamPayload(_:from:expectedSize:start:receive:)``, resuming with `Range`. Both are bounded in time as
/// ``HTTPSettings`` describes: the rate rule, ``HTTPSettings/documentTimeout`` for documents,
/// ``HTTPSettings/payloadTimeout`` (none by default) for payloads.
///
/// A document that cannot be fetched throws `SimpleStreamsError` with the code `.transport` (an HTTP error status,
/// a connection failure, a timeout; the message names the URL and the status), `.notFound` (HTTP 404 or 410),
/// `.cancelled` or `.limitExceeded`: never a signature or verification failure.
public struct HTTPStreamSource: PayloadSource {
    /// The root URL, ending with `/`.
    public let root: String
    /// The clients requests go through.
    public let transport: HTTPTransport
    /// Where document responses are cached for conditional requests, if anywhere.
    package var cache: MetadataCache?

    /// The root URL.
    public var location: String { root }

    /// Creates a source for the mirror at `rootURL` (`http://` or `https://`; a `/` is added at the end).
    ///
    /// - Parameters:
    ///   - rootURL: the mirror's root (`https://images.maas.io/ephemeral-v3/stable/`).
    ///   - transport: the HTTP clients requests go through.
    ///   - metadataCacheDirectory: a directory (created when first written to) where document responses are kept
    ///     with their `ETag` and `Last-Modified`, so that later runs ask for them conditionally; `nil` for none.
    ///     Cached bytes are verified like any others.
    /// - Throws: ``ImageMirrorError/Code/invalidArgument`` for another scheme, no host, or a query or fragment.
    public init(_ rootURL: String, transport: HTTPTransport, metadataCacheDirectory: FilePath? = nil)
        throws(ImageMirrorError)
    {
        try self.init(
            rootURL, transport: transport, cache: metadataCacheDirectory.map { MetadataCache(directory: $0.string) })
    }

    /// Creates a source whose document responses are cached in `cache` (the command line's cache below the mirror).
    package init(_ rootURL: String, transport: HTTPTransport, cache: MetadataCache?) throws(ImageMirrorError) {
        guard let url = URL(string: rootURL), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else {
            throw ImageMirrorError(.invalidArgument, "\(rootURL) is not an http:// or https:// URL with a host")
        }
        guard url.query == nil, url.fragment == nil else {
            throw ImageMirrorError(.invalidArgument, "\(rootURL): a mirror URL cannot have a query or a fragment")
        }
        root = rootURL.hasSuffix("/") ? rootURL : rootURL + "/"
        self.transport = transport
        self.cache = cache
    }

    /// Whether `location` names an HTTP(S) mirror rather than a directory.
    package static func isHTTP(_ location: String) -> Bool {
        let lower = location.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// `ROOT/PATH`.
    public func url(of path: String) -> String { root + path }

    /// Fetches the document at `path` (relative to the root), retrying as ``HTTPSettings/retry`` says.
    ///
    /// - Throws: `SimpleStreamsError`: `.transport` for an HTTP error status, a connection failure or a timeout
    ///   (the underlying error is the ``ImageMirrorError``, whose ``ImageMirrorError/httpStatus`` gives the status),
    ///   `.notFound` for HTTP 404 or 410, `.limitExceeded` for a document larger than `maximumSize`, `.cancelled`,
    ///   `.unsafePath` for a path that leaves the root.
    public func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
        try StreamPath.validate(path, at: "read")
        let url = url(of: path)
        do {
            return try await transport.settings.retry.run { () throws(ImageMirrorError) in
                try await fetchDocument(url, maximumSize: maximumSize)
            }
        } catch {
            throw SimpleStreamsError(error)
        }
    }

    private func fetchDocument(_ url: String, maximumSize: Int) async throws(ImageMirrorError) -> [UInt8] {
        let cached = cache?.entry(for: url)
        var headers: [(String, String)] = []
        if let cached {
            if let etag = cached.etag { headers.append(("If-None-Match", etag)) }
            if let modified = cached.lastModified { headers.append(("If-Modified-Since", modified)) }
        }
        let deadline = transport.settings.documentTimeout.map { (ContinuousClock.now + $0, $0) }
        let response = try await transport.get(url, headers: headers, deadline: deadline)
        if response.status == 304, let cached {
            return cached.body
        }
        guard response.status == 200 else {
            throw ImageMirrorError.httpStatusError(response.status, url: url)
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maximumSize {
            throw ImageMirrorError(
                .contentMismatch, "\(url) is \(length) bytes, more than the \(maximumSize) accepted")
        }
        var body: [UInt8] = []
        try await transport.readBody(response, url: url, deadline: deadline) { buffer throws(ImageMirrorError) in
            guard buffer.readableBytes <= maximumSize - body.count else {
                throw ImageMirrorError(.contentMismatch, "\(url) is more than the \(maximumSize) bytes accepted")
            }
            buffer.withUnsafeReadableBytes { body.append(contentsOf: $0) }
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length != body.count {
            throw ImageMirrorError(.transport, "\(url): the body ended after \(body.count) of \(length) bytes")
        }
        cache?.store(
            MetadataCache.Entry(
                etag: response.headers.first(name: "ETag"),
                lastModified: response.headers.first(name: "Last-Modified"), body: body),
            for: url)
        return body
    }

    /// Streams the payload at `path` from `offset` with a `Range` request (see
    /// ``PayloadSource/streamPayload(_:from:expectedSize:start:receive:)``).
    public func streamPayload(
        _ path: String, from offset: Int64, expectedSize: Int64,
        start: (Int64) throws(ImageMirrorError) -> Void,
        receive: (UnsafeRawBufferPointer) throws(ImageMirrorError) -> Void
    ) async throws(ImageMirrorError) {
        guard StreamPath.isSafe(path) else {
            throw ImageMirrorError(.invalidArgument, "unsafe payload path '\(path)'")
        }
        let url = url(of: path)
        let resuming = offset > 0 && offset < expectedSize
        let deadline = transport.settings.payloadTimeout.map { (ContinuousClock.now + $0, $0) }
        let response = try await transport.get(
            url, headers: resuming ? [("Range", "bytes=\(offset)-")] : [], deadline: deadline)
        let begin: Int64
        switch response.status {
        case 200:
            begin = 0
        case 206 where resuming:
            guard let range = response.headers.first(name: "Content-Range").flatMap(ContentRange.init),
                range.first == offset, range.total == nil || range.total == expectedSize
            else {
                throw ImageMirrorError(
                    .transport,
                    "\(url): the partial answer's Content-Range "
                        + "'\(response.headers.first(name: "Content-Range") ?? "")' does not continue at \(offset)")
            }
            begin = offset
        default:
            throw ImageMirrorError.httpStatusError(response.status, url: url)
        }
        let remaining = expectedSize - begin
        if let length = response.headers.first(name: "Content-Length").flatMap(Int64.init), length > remaining {
            throw ImageMirrorError(
                .contentMismatch,
                "\(url): the server announces \(length) bytes from offset \(begin); the signed size is \(expectedSize)")
        }
        try start(begin)
        let attempt = AttemptProgress.current
        try await transport.readBody(
            response, url: url, deadline: deadline,
            receive: { buffer throws(ImageMirrorError) in
                try buffer.withUnsafeReadableBytes { bytes throws(ImageMirrorError) in try receive(bytes) }
            },
            progress: { total, monitor in
                // A window's worth at the minimum rate: the retry of this attempt resumes, it deserves more time.
                if let attempt, !attempt.made, total >= max(monitor.minimumBytes, 1) { attempt.markProgress() }
            })
    }
}

/// A `Content-Range: bytes FIRST-LAST/TOTAL` header (`TOTAL` may be `*`).
struct ContentRange: Hashable {
    var first: Int64
    var last: Int64
    var total: Int64?

    init?(_ header: String) {
        let text = header.trimmingWhitespace
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst("bytes ".count)
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]), first >= 0, last >= first
        else { return nil }
        self.first = first
        self.last = last
        if parts[1] == "*" {
            total = nil
        } else {
            guard let total = Int64(parts[1]), total > last else { return nil }
            self.total = total
        }
    }
}

extension SimpleStreamsError {
    /// The error a stream reader sees for a failed document request: the transport's failures keep their own codes
    /// (`.transport`, `.notFound`, `.cancelled`), so that an HTTP 503 is never taken for a document that did not
    /// verify.
    init(_ error: ImageMirrorError) {
        let code: SimpleStreamsError.Code =
            switch error.code {
            case .notFound: .notFound
            case .contentMismatch: .limitExceeded
            case .transport: .transport
            case .cancelled: .cancelled
            case .invalidArgument: .invalidArgument
            default: .io
            }
        self.init(code, error.message, underlyingError: error)
    }
}
