/// The error every operation of the `ImageMirror` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the input (the URL, the path in the
/// destination, the expected and actual digest) and, where one exists, the ``underlyingError`` (a
/// `SimpleStreamsError` from reading metadata, a `VerificationError` from a signature, an `errno` value, an
/// AsyncHTTPClient error).
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
            case metadata, http, notFound, transport, contentMismatch, io, insufficientSpace, signing
            case invalidArgument, cancelled, unsafeDestination, rollback
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The stream's metadata could not be read or verified (the underlying error is the `SimpleStreamsError`);
        /// nothing was downloaded.
        public static let metadata = Code(.metadata)
        /// The server answered with an HTTP status that is not a success; the message names the URL and status.
        public static let http = Code(.http)
        /// Nothing is at the URL or path (HTTP 404 or 410, or no such file).
        public static let notFound = Code(.notFound)
        /// The connection failed, timed out, or the body ended before its size.
        public static let transport = Code(.transport)
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

        public var description: String {
            switch value {
            case .metadata: "metadata"
            case .http: "http"
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

    public var description: String {
        if let underlyingError {
            return "\(message) (\(underlyingError))"
        }
        return message
    }
}

extension ImageMirrorError {
    /// Whether repeating the request may succeed: connection failures, timeouts, short bodies, HTTP 5xx, 408, 429.
    var isRetryable: Bool {
        code == .transport || (code == .http && httpStatus.map(Self.isRetryableStatus) == true)
    }

    /// The HTTP status of an ``Code/http`` error, when the message came from ``httpStatusError(_:url:)``.
    var httpStatus: Int? {
        (underlyingError as? HTTPStatus)?.code
    }

    /// An error for an HTTP status that is not a success, naming the URL.
    static func httpStatusError(_ status: Int, url: String) -> ImageMirrorError {
        if status == 404 || status == 410 {
            return ImageMirrorError(.notFound, "\(url): HTTP \(status)", underlyingError: HTTPStatus(code: status))
        }
        return ImageMirrorError(.http, "\(url): HTTP \(status)", underlyingError: HTTPStatus(code: status))
    }

    static func isRetryableStatus(_ status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }
}

/// An HTTP status code, the underlying error of an ``ImageMirrorError/Code/http`` error.
public struct HTTPStatus: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status code.
    public var code: Int

    /// Creates a value.
    public init(code: Int) { self.code = code }

    /// `HTTP 503`.
    public var description: String { "HTTP \(code)" }
}
