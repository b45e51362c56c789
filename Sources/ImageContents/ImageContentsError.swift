import SquashFS

/// The error every throwing function of the `ImageContents` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the image and the file inside it (and
/// the line, where one is at fault) and, where one exists, the ``underlyingError`` that caused it: the
/// `SquashFSError` of a read that failed, or the YAML reader's error for a seed.yaml.
///
/// ```swift
/// do {
///     let manifest = try PackageManifest(of: image)
///     print(manifest.text, terminator: "")
/// } catch {
///     guard error.code == .notFound else { throw error }
///     print("not a Debian or Ubuntu root image")
/// }
/// ```
public struct ImageContentsError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, corrupt, invalidManifest, limitExceeded, image, cancelled
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The image has no dpkg database (`var/lib/dpkg/status`): it is not a Debian or Ubuntu root image.
        public static let notFound = Code(.notFound)
        /// A file inside the image is not in its format: a dpkg database file, or a seed.yaml outside what snapd
        /// and livecd-rootfs write. The message names the image, the file and the line.
        public static let corrupt = Code(.corrupt)
        /// Text given to ``PackageManifest/init(parsing:)`` is not a manifest; the message names the line.
        public static let invalidManifest = Code(.invalidManifest)
        /// A limit was reached: one of ``PackageManifest/Options`` or ``SnapSeed/maximumSize``.
        public static let limitExceeded = Code(.limitExceeded)
        /// Reading the image failed (an I/O error, a corrupt squashfs, a decompression failure); the underlying
        /// error is the `SquashFSError`.
        public static let image = Code(.image)
        /// The operation was cancelled (Swift task cancellation).
        public static let cancelled = Code(.cancelled)

        public var description: String {
            switch value {
            case .notFound: "not-found"
            case .corrupt: "corrupt"
            case .invalidManifest: "invalid-manifest"
            case .limitExceeded: "limit-exceeded"
            case .image: "image"
            case .cancelled: "cancelled"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: the image, the file inside it, the line.
    public var message: String
    /// The error that caused this one, if any.
    public var underlyingError: (any Error & Sendable)?

    /// Creates an error.
    ///
    /// Messages quote image-controlled text (package names, seed.yaml values), so the message is made safe to
    /// print here: control characters become `\xNN`, and a message longer than 4096 bytes keeps its start and its
    /// end around a note of how much was cut.
    public init(_ code: Code, _ message: String, underlyingError: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = SquashFSError.printableMessage(message)
        self.underlyingError = underlyingError
    }

    public var description: String {
        if let underlyingError {
            return "\(message) (\(underlyingError))"
        }
        return message
    }
}
