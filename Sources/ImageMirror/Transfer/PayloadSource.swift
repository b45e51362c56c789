internal import Glibc
public import SimpleStreams
internal import Verification

/// A mirror that also streams payloads: the files items point at, read from an offset in chunks.
///
/// ``HTTPStreamSource`` fetches them with `GET` and `Range`; `LocalStreamSource` reads them from its directory.
public protocol PayloadSource: StreamSource {
    /// The URL (or path) of `path` under the mirror root, for messages.
    func url(of path: String) -> String

    /// Streams the content at `path` (relative to the mirror root, checked with `StreamPath`), starting at byte
    /// `offset` if the source can.
    ///
    /// - Parameters:
    ///   - path: the payload's path under the mirror root, as the item states it.
    ///   - offset: where to start; the source may start at 0 instead (an HTTP server that ignores `Range`).
    ///   - expectedSize: the size the signed metadata states; a source that announces more fails at once.
    ///   - start: called once, before any byte, with the offset the bytes start at (`offset` or 0).
    ///   - receive: called with each chunk, in order.
    /// - Throws: ``ImageMirrorError``: ``ImageMirrorError/Code/notFound``, ``ImageMirrorError/Code/http``,
    ///   ``ImageMirrorError/Code/transport`` (retryable), ``ImageMirrorError/Code/contentMismatch``, or what `start`
    ///   and `receive` throw.
    func streamPayload(
        _ path: String, from offset: Int64, expectedSize: Int64,
        start: (Int64) throws(ImageMirrorError) -> Void,
        receive: (UnsafeRawBufferPointer) throws(ImageMirrorError) -> Void
    ) async throws(ImageMirrorError)
}

extension LocalStreamSource: PayloadSource {
    public func url(of path: String) -> String {
        root == "/" ? "/" + path : root + "/" + path
    }

    public func streamPayload(
        _ path: String, from offset: Int64, expectedSize: Int64,
        start: (Int64) throws(ImageMirrorError) -> Void,
        receive: (UnsafeRawBufferPointer) throws(ImageMirrorError) -> Void
    ) async throws(ImageMirrorError) {
        guard StreamPath.isSafe(path) else {
            throw ImageMirrorError(.invalidArgument, "unsafe payload path '\(path)'")
        }
        let fullPath = url(of: path)
        let descriptor = open(fullPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw ImageMirrorError(.notFound, "\(fullPath) does not exist")
            }
            throw ImageMirrorError(.io, "cannot open \(fullPath)", underlyingError: ErrnoError(errno: code))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw ImageMirrorError(.io, "\(fullPath) is not a readable regular file")
        }
        guard Int64(status.st_size) <= expectedSize else {
            throw ImageMirrorError(
                .contentMismatch, "\(fullPath) is \(status.st_size) bytes, more than the \(expectedSize) stated")
        }
        let begin =
            offset > 0 && offset <= Int64(status.st_size) && lseek(descriptor, off_t(offset), SEEK_SET) == offset
            ? offset : 0
        if begin == 0 && lseek(descriptor, 0, SEEK_SET) != 0 {
            throw ImageMirrorError(.io, "cannot seek in \(fullPath)", underlyingError: ErrnoError(errno: errno))
        }
        try start(begin)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            try Task.checkCancellation(path: fullPath)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw ImageMirrorError(.io, "cannot read \(fullPath)", underlyingError: ErrnoError(errno: errno))
            }
            if count == 0 { return }
            let result = chunk.withUnsafeBytes { bytes in
                Result { () throws(ImageMirrorError) in try receive(UnsafeRawBufferPointer(rebasing: bytes[..<count])) }
            }
            try result.get()
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Throws ``ImageMirrorError/Code/cancelled`` naming `path` if the current task was cancelled.
    static func checkCancellation(path: String) throws(ImageMirrorError) {
        if Task.isCancelled { throw ImageMirrorError(.cancelled, "\(path): cancelled") }
    }
}
