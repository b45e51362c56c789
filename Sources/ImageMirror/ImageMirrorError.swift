/// The error every operation of the `ImageMirror` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the input (the URL, the path in the
/// destination, the expected and actual digest) and, where one exists, the ``underlyingError`` (a
/// `SimpleStreamsError` from reading metadata, a `VerificationError` from a signature, a system error, an
/// AsyncHTTPClient error).
///
/// A server that cannot be reached or answers with an error status is a ``Code/transport`` failure (``httpStatus``
/// gives the status), a cancelled run is ``Code/cancelled``: neither is ever reported as ``Code/metadata`` (a
/// document that does not verify).
///
/// ```swift
/// do {
///     let summary = try await mirror.run()
/// } catch let error as ImageMirrorError where error.code == .metadata {
///     print("nothing was downloaded:", error.message)
/// }
/// ```
public struct ImageMirrorError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case metadata, notFound, transport, contentMismatch, io, insufficientSpace, signing
            case invalidArgument, cancelled, unsafeDestination, rollback
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The stream's metadata is invalid or did not verify (the underlying error is the `SimpleStreamsError`);
        /// nothing was downloaded.
        public static let metadata = Code(.metadata)
        /// Nothing is at the URL or path (HTTP 404 or 410, or no such file); the message names it.
        public static let notFound = Code(.notFound)
        /// The server answered with an HTTP status that is not a success (``ImageMirrorError/httpStatus``), the
        /// connection failed or timed out, or the body ended before its size; the message names the URL (and the
        /// status). Retried when repeating may help (``RetryPolicy``).
        public static let transport = Code(.transport)
        /// An HTTP status that is not a success: now reported as ``transport``, with ``ImageMirrorError/httpStatus``.
        @available(*, deprecated, renamed: "transport", message: "HTTP statuses are transport failures")
        public static let http = Code(.transport)
        /// A payload does not have the size or SHA-256 the signed metadata states; the message gives both.
        public static let contentMismatch = Code(.contentMismatch)
        /// A file of the destination could not be read, written, renamed, linked or removed.
        public static let io = Code(.io)
        /// The destination's file system has less free space than the files still to download.
        public static let insufficientSpace = Code(.insufficientSpace)
        /// Signing the filtered metadata failed (the underlying error is the `VerificationError`).
        public static let signing = Code(.signing)
        /// The caller passed an argument that cannot be used (a malformed URL, a negative count).
        public static let invalidArgument = Code(.invalidArgument)
        /// The run was cancelled.
        public static let cancelled = Code(.cancelled)
        /// A symbolic link, or another kind of file than expected, stands in the destination where the mirror
        /// writes; it is refused, never followed.
        public static let unsafeDestination = Code(.unsafeDestination)
        /// The source's signed metadata is older than what the mirror already published (a replay, or a rollback
        /// not allowed with ``MirrorOptions/allowsOlderMetadata``).
        public static let rollback = Code(.rollback)

        /// The code in kebab case: `transport`, `content-mismatch`.
        public var description: String {
            switch value {
            case .metadata: "metadata"
            case .notFound: "not-found"
            case .transport: "transport"
            case .contentMismatch: "content-mismatch"
            case .io: "io"
            case .insufficientSpace: "insufficient-space"
            case .signing: "signing"
            case .invalidArgument: "invalid-argument"
            case .cancelled: "cancelled"
            case .unsafeDestination: "unsafe-destination"
            case .rollback: "rollback"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: the URL, the destination path, the digests.
    public var message: String
    /// The error that caused this one, if any.
    public var underlyingError: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlyingError: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlyingError = underlyingError
    }

    /// The message, followed by the underlying error in parentheses.
    public var description: String {
        if let underlyingError {
            return "\(message) (\(underlyingError))"
        }
        return message
    }
}

extension ImageMirrorError {
    /// The HTTP status the server answered with, for a ``Code/transport`` or ``Code/notFound`` error that an HTTP
    /// status caused (`503`, `404`); `nil` for a connection failure, a timeout, or another code.
    public var httpStatus: Int? {
        switch underlyingError {
        case let status as HTTPStatus: status.code
        case let error as ImageMirrorError: error.httpStatus
        default: nil
        }
    }

    /// Whether repeating the request may succeed: connection failures, timeouts, short bodies, HTTP 5xx, 408, 429.
    var isRetryable: Bool {
        code == .transport && (httpStatus.map(Self.isRetryableStatus) ?? true)
    }

    /// An error for an HTTP status that is not a success, naming the URL.
    static func httpStatusError(_ status: Int, url: String) -> ImageMirrorError {
        if status == 404 || status == 410 {
            return ImageMirrorError(.notFound, "\(url): HTTP \(status)", underlyingError: HTTPStatus(code: status))
        }
        return ImageMirrorError(.transport, "\(url): HTTP \(status)", underlyingError: HTTPStatus(code: status))
    }

    static func isRetryableStatus(_ status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }
}

/// An HTTP status code, the underlying error of an error an HTTP status caused (read it with
/// ``ImageMirrorError/httpStatus``).
package struct HTTPStatus: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status code.
    package var code: Int

    /// Creates a value.
    package init(code: Int) { self.code = code }

    /// `HTTP 503`.
    package var description: String { "HTTP \(code)" }
}
