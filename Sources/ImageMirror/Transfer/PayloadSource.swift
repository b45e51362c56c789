public import SimpleStreams
internal import SystemLayer
internal import SystemPackage
internal import Verification

/// A mirror that also streams payloads: the files items point at, read from an offset in chunks.
///
/// ``HTTPStreamSource`` fetches them with `GET` and `Range`; `LocalStreamSource` reads them from its directory.
public protocol PayloadSource: StreamSource {
    /// The URL (or path) of `path` under the mirror root, for messages.
    func url(of path: String) -> String

    /// Streams the content at `path` (relative to the mirror root; a path that leaves it is refused), starting at
    /// byte `offset` if the source can.
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
    /// `ROOT/PATH`, the file's path.
    public func url(of path: String) -> String {
        let root = root.string
        return root == "/" ? "/" + path : root + "/" + path
    }

    /// Reads the regular file at `path` under the root from `offset`, in chunks of 1 MiB (see
    /// ``PayloadSource/streamPayload(_:from:expectedSize:start:receive:)``).
    public func streamPayload(
        _ path: String, from offset: Int64, expectedSize: Int64,
        start: (Int64) throws(ImageMirrorError) -> Void,
        receive: (UnsafeRawBufferPointer) throws(ImageMirrorError) -> Void
    ) async throws(ImageMirrorError) {
        guard StreamPath.isSafe(path) else {
            throw ImageMirrorError(.invalidArgument, "unsafe payload path '\(path)'")
        }
        let fullPath = url(of: path)
        let file: FileDescriptor
        do {
            // Without blocking on a FIFO, and refusing anything but a regular file.
            file = try FileIO.openRegularFile(atPath: fullPath)
        } catch {
            if error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory {
                throw ImageMirrorError(.notFound, "\(fullPath) does not exist", underlyingError: error)
            }
            throw ImageMirrorError(.io, error.description, underlyingError: error)
        }
        defer { try? file.close() }
        let size: Int64
        do {
            size = try file.stat().size
        } catch {
            throw ImageMirrorError(.io, "cannot inspect \(fullPath)", underlyingError: error)
        }
        guard size <= expectedSize else {
            throw ImageMirrorError(
                .contentMismatch, "\(fullPath) is \(size) bytes, more than the \(expectedSize) stated")
        }
        var position = offset > 0 && offset <= size ? offset : 0
        try start(position)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            try Task.checkCancellation(path: fullPath)
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try file.read(fromAbsoluteOffset: position, into: $0) }
            } catch {
                throw ImageMirrorError(.io, "cannot read \(fullPath)", underlyingError: error)
            }
            if count == 0 { return }
            position += Int64(count)
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
