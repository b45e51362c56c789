import Glibc

/// The error every operation of the `SquashFS` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names what was being read (a path, an inode
/// reference, a byte offset in the image) and, where one exists, the ``underlyingError`` that caused it (an `errno`
/// value, a decompressor's return code).
///
/// ```swift
/// do {
///     let bytes = try image.contentsOfFile(at: "/etc/hostname")
/// } catch let error as SquashFSError where error.code == .notFound {
///     print("no hostname in this image")
/// }
/// ```
public struct SquashFSError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case io, notSquashFS, unsupported, corrupt, decompression, notFound, notADirectory, notAFile
            case notASymlink, tooManySymlinks, invalidArgument, limitExceeded, unsafeDestination, output, cancelled
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Reading the image file failed (an `errno` is the underlying error).
        public static let io = Code(.io)
        /// The input is not a squashfs image (bad magic, too short).
        public static let notSquashFS = Code(.notSquashFS)
        /// A valid squashfs image that this reader does not handle: big-endian, version 1 to 3, streamed, or the
        /// lzo compressor.
        public static let unsupported = Code(.unsupported)
        /// The image contradicts the format: an offset out of range, a bad count, an unsorted directory, a loop.
        public static let corrupt = Code(.corrupt)
        /// A block failed to decompress, or decompressed to the wrong size.
        public static let decompression = Code(.decompression)
        /// No entry exists at the given path.
        public static let notFound = Code(.notFound)
        /// A directory was expected.
        public static let notADirectory = Code(.notADirectory)
        /// A regular file was expected.
        public static let notAFile = Code(.notAFile)
        /// A symbolic link was expected.
        public static let notASymlink = Code(.notASymlink)
        /// Path resolution crossed more than 40 symbolic links.
        public static let tooManySymlinks = Code(.tooManySymlinks)
        /// The caller passed an argument that cannot be used (an empty path component, a negative count).
        public static let invalidArgument = Code(.invalidArgument)
        /// A configured limit (depth, entry count, byte budget) was reached.
        public static let limitExceeded = Code(.limitExceeded)
        /// An extraction destination cannot be used safely: it is a symbolic link or not a directory, it is not
        /// empty and replacing was not allowed, or something already in it stands where a directory must go.
        public static let unsafeDestination = Code(.unsafeDestination)
        /// Creating or writing an extracted entry failed (an `errno` is the underlying error).
        public static let output = Code(.output)
        /// The operation was cancelled (Swift task cancellation).
        public static let cancelled = Code(.cancelled)

        public var description: String {
            switch value {
            case .io: "io"
            case .notSquashFS: "not-squashfs"
            case .unsupported: "unsupported"
            case .corrupt: "corrupt"
            case .decompression: "decompression"
            case .notFound: "not-found"
            case .notADirectory: "not-a-directory"
            case .notAFile: "not-a-file"
            case .notASymlink: "not-a-symlink"
            case .tooManySymlinks: "too-many-symlinks"
            case .invalidArgument: "invalid-argument"
            case .limitExceeded: "limit-exceeded"
            case .unsafeDestination: "unsafe-destination"
            case .output: "output"
            case .cancelled: "cancelled"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: image path, inode, offset or entry path.
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

    static func corrupt(_ message: String) -> SquashFSError {
        SquashFSError(.corrupt, message)
    }

    /// Prefixes the message with the image it came from, once.
    func inImage(_ name: String) -> SquashFSError {
        if message.hasPrefix(name) { return self }
        var copy = self
        copy.message = "\(name): \(message)"
        return copy
    }
}

/// An `errno` value, as the underlying error of an I/O failure.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The raw `errno` value.
    public var errno: Int32

    /// Creates a value from an `errno` code.
    public init(errno: Int32) { self.errno = errno }

    public var description: String {
        "errno \(errno): \(String(cString: strerror(errno)))"
    }
}

/// A decompressor's own return code, as the underlying error of a decompression failure.
public struct DecompressorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The library that failed (`zlib`, `libdeflate`, `liblzma`, `liblz4`, `libzstd`).
    public var library: String
    /// Its return code.
    public var code: Int
    /// Its explanation, when the library gives one.
    public var detail: String

    public var description: String { "\(library) code \(code)\(detail.isEmpty ? "" : ": \(detail)")" }
}
