internal import Glibc

/// An `errno` value, as the underlying error of an `io` failure (opening a keyring, reading a file to checksum).
struct ErrnoError: Error, Sendable, CustomStringConvertible {
    let value: Int32

    init(_ value: Int32) { self.value = value }

    var description: String { "errno \(value): \(String(cString: strerror(value)))" }
}
