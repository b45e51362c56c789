internal import SignedStreams
internal import SimpleStreams
internal import SystemLayer
internal import SystemPackage
internal import Verification

/// A directory of document responses with their validators (`ETag`, `Last-Modified`), for conditional requests.
///
/// Each URL has two files named by the SHA-256 of the URL: the body and a small JSON object of validators. Files are
/// written to a random temporary name (`O_EXCL`) and renamed, so a reader sees a whole entry or none, and read and
/// written through the directory's descriptor with `O_NOFOLLOW`, so a symbolic link planted in it is never followed.
/// Cached bytes are not trusted: a `304` answer hands them to the reader, which verifies their signature like those
/// of any response.
package struct MetadataCache: Sendable {
    /// The cache directory (created when first written to).
    package let directory: String
    /// Where the directory is opened from, and the components below it opened one by one with `O_NOFOLLOW`.
    private let base: String
    private let components: [[UInt8]]

    /// One cached response.
    package struct Entry: Sendable, Hashable {
        /// The `ETag` header, if the server sent one.
        package var etag: String?
        /// The `Last-Modified` header, if the server sent one.
        package var lastModified: String?
        /// The body.
        package var body: [UInt8]

        /// Creates a value.
        package init(etag: String?, lastModified: String?, body: [UInt8]) {
            self.etag = etag
            self.lastModified = lastModified
            self.body = body
        }
    }

    /// Creates a cache in `directory` (its last component must not be a symbolic link).
    package init(directory: String) {
        self.directory = directory
        base = directory
        components = []
    }

    /// Creates the cache of the mirror at `destination`: `DESTINATION/.mirror/http-cache`, every directory below the
    /// destination opened without following symbolic links.
    package init(mirror destination: String) {
        directory = destination + "/.mirror/http-cache"
        base = destination
        components = [Array(".mirror".utf8), Array("http-cache".utf8)]
    }

    private func open(create: Bool) -> DirectoryDescriptor? {
        try? DirectoryDescriptor.open(base, create: create, followsSymbolicLink: !components.isEmpty)
            .openDirectory(components: components, create: create)
    }

    private static func name(for url: String) -> String {
        ContentDigest.compute(.sha256, of: Array(url.utf8)).hex
    }

    private static func read(_ name: String, in directory: DirectoryDescriptor, maximumSize: Int) -> [UInt8]? {
        guard let file = try? directory.openFile(Array(name.utf8)) else { return nil }
        defer { try? file.close() }
        return try? FileIO.readAll(file, directory.child(Array(name.utf8)), maximumSize: maximumSize)
    }

    /// The cached response for `url`, if there is a readable one with at least one validator.
    package func entry(for url: String) -> Entry? {
        let name = Self.name(for: url)
        guard let directory = open(create: false),
            let validatorBytes = Self.read(name + ".validators", in: directory, maximumSize: 1 << 16),
            case .object(let validators)? = try? JSONValue(parsing: validatorBytes),
            validators["url"]?.stringValue.map({ $0.utf8.elementsEqual(url.utf8) }) == true,
            let body = Self.read(name, in: directory, maximumSize: StreamReader.defaultMaximumDocumentSize)
        else { return nil }
        let entry = Entry(
            etag: validators["etag"]?.stringValue, lastModified: validators["last_modified"]?.stringValue, body: body)
        return entry.etag == nil && entry.lastModified == nil ? nil : entry
    }

    /// Stores `entry` for `url` if it has a validator; failures are ignored (the cache is only an optimisation).
    package func store(_ entry: Entry, for url: String) {
        guard entry.etag != nil || entry.lastModified != nil, let directory = open(create: true) else { return }
        let name = Self.name(for: url)
        var validators: JSONObject = ["url": .string(url)]
        if let etag = entry.etag { validators["etag"] = .string(etag) }
        if let modified = entry.lastModified { validators["last_modified"] = .string(modified) }
        guard (try? directory.writeAtomically(entry.body, to: Array(name.utf8))) != nil else { return }
        _ = try? directory.writeAtomically(
            JSONValue.object(validators).serialized(), to: Array((name + ".validators").utf8))
    }
}
