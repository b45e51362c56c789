/// The error every operation of the `SimpleStreams` and `SignedStreams` modules throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the input (the document path, the
/// product, version and item, the byte offset in the JSON, the filter expression) and, where one exists, the
/// ``underlyingError`` (a `VerificationError` from signature checking in `SignedStreams`, a `FileSystemError` or
/// `Errno` from the file system, the transport's error).
///
/// ```swift
/// do {
///     let result = try await reader.query(StreamQuery(filters: ["arch=amd64"]))
/// } catch let error as SimpleStreamsError where error.code == .unsafePath {
///     print("the stream tried to escape the mirror:", error.message)
/// }
/// ```
public struct SimpleStreamsError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case malformedJSON, invalidDocument, unsafePath, unknownAlias, invalidFilter, invalidRegex
            case signature, unsigned, rollback, notFound, io, limitExceeded, invalidArgument
            case transport, cancelled
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The bytes are not well-formed JSON (or not UTF-8); the message gives the byte offset.
        public static let malformedJSON = Code(.malformedJSON)
        /// The JSON is not a simplestreams document of the expected shape (a `products` that is not an object, an
        /// index entry without a path, a missing `format`).
        public static let invalidDocument = Code(.invalidDocument)
        /// A path in the document could escape the mirror root: a `..` segment, an absolute path, a URL scheme, `//`,
        /// a backslash, a percent-encoded dot or slash, or a NUL.
        public static let unsafePath = Code(.unsafePath)
        /// A value refers to an `_aliases` entry that does not exist.
        public static let unknownAlias = Code(.unknownAlias)
        /// A filter expression does not follow the grammar `KEY=VALUE`, `KEY!=VALUE`, `KEY~REGEX` or `KEY!~REGEX`.
        public static let invalidFilter = Code(.invalidFilter)
        /// The regular expression of a `~` or `!~` filter does not compile.
        public static let invalidRegex = Code(.invalidRegex)
        /// The signature of a document did not verify (thrown by `SignedStreams`); the underlying error is the
        /// `VerificationError`.
        public static let signature = Code(.signature)
        /// A document carries no signature (no clearsigned `.sjson`, no detached `.gpg`) and unsigned reading was
        /// not allowed.
        public static let unsigned = Code(.unsigned)
        /// A document's `updated` is older than the last one accepted (rollback protection), or missing while
        /// rollback protection is on.
        public static let rollback = Code(.rollback)
        /// The source has nothing at the path.
        public static let notFound = Code(.notFound)
        /// Reading from a local source failed (a `FileSystemError` is the underlying error).
        public static let io = Code(.io)
        /// A configured limit (document size, nesting depth) was reached.
        public static let limitExceeded = Code(.limitExceeded)
        /// The caller passed an argument that cannot be used.
        public static let invalidArgument = Code(.invalidArgument)
        /// The source could not be reached, answered with an HTTP error status, or timed out; the underlying error
        /// is the transport's. Never reported as ``signature`` or ``unsigned``: nothing was verified.
        public static let transport = Code(.transport)
        /// The task reading from the source was cancelled.
        public static let cancelled = Code(.cancelled)

        public var description: String {
            switch value {
            case .malformedJSON: "malformed-json"
            case .invalidDocument: "invalid-document"
            case .unsafePath: "unsafe-path"
            case .unknownAlias: "unknown-alias"
            case .invalidFilter: "invalid-filter"
            case .invalidRegex: "invalid-regex"
            case .signature: "signature"
            case .unsigned: "unsigned"
            case .rollback: "rollback"
            case .notFound: "not-found"
            case .io: "io"
            case .limitExceeded: "limit-exceeded"
            case .invalidArgument: "invalid-argument"
            case .transport: "transport"
            case .cancelled: "cancelled"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: document path, product/version/item, offset or filter.
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

    /// Prefixes the message with the document it came from, once.
    package func inDocument(_ name: String) -> SimpleStreamsError {
        if message.hasPrefix(name) { return self }
        var copy = self
        copy.message = "\(name): \(message)"
        return copy
    }
}
