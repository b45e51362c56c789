/// The error every operation of the `SquashFS` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names what was being read (a path, an inode
/// reference, a byte offset in the image) and, where one exists, the ``underlyingError`` that caused it (a system
/// call's `Errno`, a decompressor's return code).
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
    ///
    /// Messages quote image-controlled strings (names, link targets, seed.yaml values), so the message is made safe
    /// to print here, whatever its parts: control characters (C0, DEL and C1, which a terminal may read as escape
    /// sequences) become `\xNN`, and a message longer than ``maximumMessageBytes`` keeps its start and its end
    /// around a note of how much was cut.
    public init(_ code: Code, _ message: String, underlyingError: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = Self.printableMessage(message)
        self.underlyingError = underlyingError
    }

    /// The longest message kept whole, in UTF-8 bytes.
    public static let maximumMessageBytes = 4096

    /// `message` with control characters (C0, DEL and C1) escaped as `\xNN` and, when longer than
    /// ``maximumMessageBytes``, its middle cut; also used by the other modules of this package that quote image
    /// content in their errors (ImageContents).
    package static func printableMessage(_ message: String) -> String {
        let utf8 = message.utf8
        let isPlain = utf8.count <= maximumMessageBytes && utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F && $0 < 0xC2 }
        if isPlain { return message }
        var result = ""
        let scalars = message.unicodeScalars
        func append(_ scalars: Substring.UnicodeScalarView) {
            for scalar in scalars {
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        guard utf8.count > maximumMessageBytes else {
            append(Substring(message).unicodeScalars)
            return result
        }
        // Cut on scalar boundaries: the first half and the last quarter of the allowance are kept.
        var headEnd = scalars.startIndex
        var headBytes = 0
        while headEnd < scalars.endIndex, headBytes + UTF8.width(scalars[headEnd]) <= maximumMessageBytes / 2 {
            headBytes += UTF8.width(scalars[headEnd])
            headEnd = scalars.index(after: headEnd)
        }
        var tailStart = scalars.endIndex
        var tailBytes = 0
        while tailStart > headEnd {
            let previous = scalars.index(before: tailStart)
            guard tailBytes + UTF8.width(scalars[previous]) <= maximumMessageBytes / 4 else { break }
            tailBytes += UTF8.width(scalars[previous])
            tailStart = previous
        }
        append(Substring(message)[..<headEnd].unicodeScalars)
        result += " … (\(utf8.count - headBytes - tailBytes) bytes cut) … "
        append(Substring(message)[tailStart...].unicodeScalars)
        return result
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

/// A decompressor's own return code, as the underlying error of a decompression failure.
public struct DecompressorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The decoder that failed (`zlib`, `libdeflate`, `liblzma (xz)`, `liblzma (lzma)`, `native xz`, `native lzma`,
    /// `liblz4`, `libzstd`).
    public var library: String
    /// Its return code.
    public var code: Int
    /// Its explanation, when the library gives one.
    public var detail: String

    public var description: String { "\(library) code \(code)\(detail.isEmpty ? "" : ": \(detail)")" }
}
