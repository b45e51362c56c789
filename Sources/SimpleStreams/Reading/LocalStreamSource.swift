internal import SystemLayer
public import SystemPackage

/// A mirror in a local directory, given as a path or a `file://` URL.
///
/// Paths are checked against the path rules of simplestreams documents before they are joined to the root, so nothing outside the root is read
/// through `..`. Symbolic links inside the mirror are followed (mirrors link identical files). Only regular files are
/// read: a FIFO, a device or a directory at a document's path is refused at once, without blocking, and no more than
/// the maximum size asked for is ever read.
public struct LocalStreamSource: StreamSource {
    /// The root directory.
    public let root: FilePath

    /// The root directory's path.
    public var location: String { root.string }

    /// Creates a source for the directory at `root`.
    ///
    /// - Throws: ``SimpleStreamsError/Code/invalidArgument`` for an empty root.
    public init(root: FilePath) throws(SimpleStreamsError) {
        guard !root.isEmpty else { throw SimpleStreamsError(.invalidArgument, "the mirror root is empty") }
        self.root = root
    }

    /// Creates a source for the directory at `root`, or at the path of a `file://` URL (`file:///srv/mirror`);
    /// percent-escapes in a URL are decoded.
    ///
    /// - Throws: ``SimpleStreamsError/Code/invalidArgument`` for an empty root, a URL with another scheme or host,
    ///   or a malformed percent-escape.
    public init(_ rootOrFileURL: String) throws(SimpleStreamsError) {
        var root = rootOrFileURL
        if root.lowercased().hasPrefix("file://") {
            let rest = root.dropFirst("file://".count)
            let path: Substring
            if rest.hasPrefix("/") {
                path = rest
            } else if rest.lowercased().hasPrefix("localhost/") {
                path = rest.dropFirst("localhost".count)
            } else {
                throw SimpleStreamsError(
                    .invalidArgument, "\(rootOrFileURL): only file:///PATH or file://localhost/PATH URLs are local")
            }
            guard let decoded = Self.percentDecoded(path) else {
                throw SimpleStreamsError(.invalidArgument, "\(rootOrFileURL): malformed percent-escape")
            }
            root = decoded
        } else if let colon = root.firstIndex(of: ":"), root[..<colon].allSatisfy(\.isLetter),
            root[colon...].hasPrefix("://")
        {
            throw SimpleStreamsError(
                .invalidArgument, "\(rootOrFileURL): this source reads local directories; HTTP comes with ImageMirror")
        }
        guard !root.isEmpty else { throw SimpleStreamsError(.invalidArgument, "the mirror root is empty") }
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        try self.init(root: FilePath(root))
    }

    /// Reads the regular file at `path` under the root; see ``StreamSource/read(_:maximumSize:)``.
    public func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
        try StreamPath.validate(path, at: "read")
        let fullPath = location == "/" ? "/" + path : location + "/" + path
        do {
            return try FileIO.readRegularFile(atPath: fullPath, maximumSize: maximumSize)
        } catch {
            switch error.reason {
            case .system(let errno) where errno == .noSuchFileOrDirectory || errno == .notDirectory:
                throw SimpleStreamsError(.notFound, "\(fullPath) does not exist", underlyingError: error)
            case .tooLarge(let limit):
                throw SimpleStreamsError(
                    .limitExceeded, "\(fullPath) is larger than the \(limit) bytes accepted", underlyingError: error)
            case .wrongKind(let kind):
                throw SimpleStreamsError(.io, "\(fullPath) is \(kind), not a regular file", underlyingError: error)
            case .system, .invalidName:
                throw SimpleStreamsError(.io, "cannot \(error.operation) \(fullPath)", underlyingError: error)
            }
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard iterator.count >= 2, let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            else { return nil }
            iterator = iterator.dropFirst(2)
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
