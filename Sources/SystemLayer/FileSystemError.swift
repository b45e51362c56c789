internal import Glibc
package import SystemPackage

/// A failed system call of the system layer: the operation, the path it was about, and the `errno` it set.
///
/// Each module wraps it as the underlying error of its own error type, so users see one error type per module.
package struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the call failed.
    package enum Reason: Sendable, Hashable {
        /// The call set `errno`.
        case system(Errno)
        /// The path exists but is a symbolic link, a FIFO, a device or another kind than the operation needs.
        case wrongKind(String)
        /// The file holds more than the caller allows.
        case tooLarge(limit: Int64)
        /// A name is empty, `.`, `..`, holds a `/` or a NUL, or a path is absolute or has such a segment.
        case invalidName
    }

    /// The operation, in words: `open`, `rename`, `read`.
    package var operation: String
    /// The path the operation was about, for messages.
    package var path: String
    /// Why it failed.
    package var reason: Reason

    package init(_ operation: String, _ path: String, _ reason: Reason) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    /// The error of a call that set `errno` just now (read before `path` is built).
    static func last(_ operation: String, _ path: @autoclosure () -> String) -> FileSystemError {
        let code = Errno(rawValue: Glibc.errno)
        return FileSystemError(operation, path(), .system(code))
    }

    /// The `errno` of the failure, when a call set one.
    package var errno: Errno? {
        if case .system(let errno) = reason { return errno }
        return nil
    }

    /// `cannot open PATH: No such file or directory (errno 2)`.
    package var description: String {
        switch reason {
        case .system(let errno): "cannot \(operation) \(path): \(errno) (errno \(errno.rawValue))"
        case .wrongKind(let kind): "cannot \(operation) \(path): it is \(kind)"
        case .tooLarge(let limit): "cannot \(operation) \(path): it is larger than the limit of \(limit) bytes"
        case .invalidName: "cannot \(operation) \(path): not a plain relative path"
        }
    }
}
