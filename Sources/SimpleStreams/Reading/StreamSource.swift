/// Where simplestreams documents come from: a mirror root that returns the bytes at a mirror-relative path.
///
/// This module provides ``LocalStreamSource`` (a directory or a `file://` URL); `ImageMirror` adds HTTP(S). A source
/// receives only safe paths: relative, canonical, with no `..`, `.`, URL scheme, `//`, backslash, percent sign or NUL.
public protocol StreamSource: Sendable {
    /// The mirror root, for messages and for the URLs of items (a directory path or a URL).
    var location: String { get }

    /// Returns the whole content at `path`, relative to the mirror root.
    ///
    /// - Parameters:
    ///   - path: The path, relative to the mirror root, already checked to be safe.
    ///   - maximumSize: The most bytes to accept; more is an error, never a truncated result.
    /// - Throws: ``SimpleStreamsError`` with code ``SimpleStreamsError/Code/notFound`` when nothing is at `path`,
    ///   ``SimpleStreamsError/Code/limitExceeded`` when the content is larger than `maximumSize`,
    ///   ``SimpleStreamsError/Code/transport`` when a remote source cannot be reached, answers with an HTTP error
    ///   status or times out, ``SimpleStreamsError/Code/cancelled`` when the reading task is cancelled, or
    ///   ``SimpleStreamsError/Code/io`` when a local read fails. Readers pass these codes through unchanged: a
    ///   transport failure or a cancellation is never reported as a signature failure.
    func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8]
}
