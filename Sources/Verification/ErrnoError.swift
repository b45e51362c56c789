internal import Glibc

/// An `errno` value: the underlying error of an `io` failure (opening a keyring, reading a file to checksum, reading
/// a stream document, identifying a boot file). `Verification`, `SimpleStreams` and `BootAssets` all report it.
public struct ErrnoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The raw `errno` value.
    public var errno: Int32

    /// Creates a value from an `errno` code.
    public init(errno: Int32) { self.errno = errno }

    /// `errno N: message`, with the C library's text.
    public var description: String { "errno \(errno): \(String(cString: strerror(errno)))" }
}
