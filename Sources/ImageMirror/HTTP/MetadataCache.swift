internal import Glibc
internal import SimpleStreams
internal import Verification

/// A directory of document responses with their validators (`ETag`, `Last-Modified`), for conditional requests.
///
/// Each URL has two files named by the SHA-256 of the URL: the body and a small JSON object of validators. Files are
/// written to a temporary name and renamed, so a reader sees a whole entry or none. Cached bytes are not trusted:
/// a `304` answer hands them to the reader, which verifies their signature like those of any response.
public struct MetadataCache: Sendable {
    /// The cache directory (created when first written to).
    public let directory: String

    /// One cached response.
    public struct Entry: Sendable, Hashable {
        /// The `ETag` header, if the server sent one.
        public var etag: String?
        /// The `Last-Modified` header, if the server sent one.
        public var lastModified: String?
        /// The body.
        public var body: [UInt8]

        /// Creates a value.
        public init(etag: String?, lastModified: String?, body: [UInt8]) {
            self.etag = etag
            self.lastModified = lastModified
            self.body = body
        }
    }

    /// Creates a cache in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    private func name(for url: String) -> String {
        directory + "/" + Digest.compute(.sha256, of: Array(url.utf8)).hex
    }

    /// The cached response for `url`, if there is a readable one with at least one validator.
    public func entry(for url: String) -> Entry? {
        let base = name(for: url)
        guard let validatorBytes = FileSystem.readFile(base + ".validators", maximumSize: 1 << 16),
            case .object(let validators)? = try? JSONValue(parsing: validatorBytes),
            validators["url"]?.stringValue == url,
            let body = FileSystem.readFile(base, maximumSize: 256 << 20)
        else { return nil }
        let entry = Entry(
            etag: validators["etag"]?.stringValue, lastModified: validators["last_modified"]?.stringValue, body: body)
        return entry.etag == nil && entry.lastModified == nil ? nil : entry
    }

    /// Stores `entry` for `url` if it has a validator; failures are ignored (the cache is only an optimisation).
    public func store(_ entry: Entry, for url: String) {
        guard entry.etag != nil || entry.lastModified != nil else { return }
        guard (try? FileSystem.makeDirectories(directory)) != nil else { return }
        let base = name(for: url)
        var validators: JSONObject = ["url": .string(url)]
        if let etag = entry.etag { validators["etag"] = .string(etag) }
        if let modified = entry.lastModified { validators["last_modified"] = .string(modified) }
        guard (try? FileSystem.writeAtomically(entry.body, to: base)) != nil else { return }
        _ = try? FileSystem.writeAtomically(JSONValue.object(validators).serialized(), to: base + ".validators")
    }
}
