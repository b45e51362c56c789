/// The error every operation of the `BootAssets` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the input (the product id, the kernel
/// string, the resource and version, the file path and byte offset) and, where one exists, the ``underlyingError``
/// (a `SimpleStreamsError` from reading a catalogue, the system layer's error from reading a file, which names the
/// operation, the path and the `errno`).
///
/// ```swift
/// do {
///     let set = try catalogue.bootSet(for: BootSetRequest(os: "ubuntu", release: "jammy", arch: "amd64"))
/// } catch let error as BootAssetsError where error.code == .noSuchImage {
///     print(error.message)  // names the missing resource, version or file type
/// }
/// ```
public struct BootAssetsError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidName, unsupported, noSuchImage, incomplete, contentMismatch, io, invalidArgument
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A name does not follow its grammar: a product id, a kernel string, an `arch/subarch` architecture.
        public static let invalidName = Code(.invalidName)
        /// The name is well formed but MAAS does not support it (a bootloader combination it refuses, a firmware no
        /// downloaded bootloader serves).
        public static let unsupported = Code(.unsupported)
        /// No boot resource matches what a machine asked for (MAAS's `no-such-image`); the message names what is
        /// missing.
        public static let noSuchImage = Code(.noSuchImage)
        /// A resource exists but none of its versions has every file type a boot needs; the message lists them.
        public static let incomplete = Code(.incomplete)
        /// A file's content is not what its declared type says (a kernel that is an initrd, an EFI binary for
        /// another machine).
        public static let contentMismatch = Code(.contentMismatch)
        /// Reading a file failed (the system layer's error, with the `errno`, is the underlying error).
        public static let io = Code(.io)
        /// The caller passed an argument that cannot be used.
        public static let invalidArgument = Code(.invalidArgument)

        public var description: String {
            switch value {
            case .invalidName: "invalid-name"
            case .unsupported: "unsupported"
            case .noSuchImage: "no-such-image"
            case .incomplete: "incomplete"
            case .contentMismatch: "content-mismatch"
            case .io: "io"
            case .invalidArgument: "invalid-argument"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: product id, kernel string, resource, file path or offset.
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
