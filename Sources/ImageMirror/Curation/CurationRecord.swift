internal import SimpleStreams

/// The mirror's record of its curation (`.mirror/curation.json`): the versions held, the versions removed, and the
/// versions it publishes on its own (held or copied), each with what is needed to publish it again when the source no
/// longer has it.
///
/// Mirror runs apply it to the source's products documents before selecting items (``apply(to:at:)``), so a removed
/// version is not taken back, a held product publishes only its held version, and a copied version stays. It is
/// written atomically through the mirror's directory; read back, every path is checked (`StreamPath`, and payload paths
/// with ``StreamMirror/reservedPathProblem(_:)``) and anything malformed makes the whole record refused, never
/// partly applied.
struct CurationRecord: Sendable, Equatable {
    /// A version the mirror publishes on its own: held, or copied from another stream.
    struct LocalVersion: Sendable, Equatable {
        /// The product id and version name.
        var id: ProductVersionID
        /// The products document that holds it, as the index names it (`streams/v1/X.sjson`).
        var documentPath: String
        /// The content id of that document.
        var contentID: String
        /// The product's own attributes (everything but `versions`), for a product the source no longer has.
        var productAttributes: JSONObject
        /// The version object as published (its `items` and attributes).
        var version: JSONObject
    }

    /// The version each held product is held at, by product id.
    var holds: [BytewiseString: String] = [:]
    /// The versions removed, by product id (in the order removed).
    var removed: [BytewiseString: [String]] = [:]
    /// The versions published from the record: held ones and copied ones.
    var versions: [LocalVersion] = []

    static let relativePath = ".mirror/curation.json"
    static let format = "maas-images-curation:1"
    /// The largest record read back.
    static let maximumSize = 64 << 20

    /// Whether the record holds, removes and adds nothing.
    var isEmpty: Bool { holds.isEmpty && removed.isEmpty && versions.isEmpty }

    // MARK: - Changes

    /// Lifts every hold, removal and local version of `product`.
    mutating func release(_ product: String) {
        let key = BytewiseString(product)
        holds[key] = nil
        removed[key] = nil
        versions.removeAll { BytewiseString($0.id.product) == key }
    }

    /// Records that `id` was removed: it is no longer published from the record, nor held.
    mutating func recordRemoval(_ id: ProductVersionID) {
        let key = BytewiseString(id.product)
        versions.removeAll { $0.id == id }
        if let held = holds[key], BytewiseString(held) == BytewiseString(id.version) { holds[key] = nil }
        var list = removed[key] ?? []
        if !list.contains(where: { BytewiseString($0) == BytewiseString(id.version) }) { list.append(id.version) }
        removed[key] = list
    }

    /// Records `local` as published from the record (replacing an earlier record of the same version), and no longer
    /// removed.
    mutating func recordLocal(_ local: LocalVersion) {
        let key = BytewiseString(local.id.product)
        if let index = versions.firstIndex(where: { $0.id == local.id }) {
            versions[index] = local
        } else {
            versions.append(local)
        }
        if var list = removed[key] {
            list.removeAll { BytewiseString($0) == BytewiseString(local.id.version) }
            removed[key] = list.isEmpty ? nil : list
        }
    }

    /// Whether `version` of `product` was removed.
    func isRemoved(_ product: String, _ version: String) -> Bool {
        removed[BytewiseString(product)]?.contains { BytewiseString($0) == BytewiseString(version) } ?? false
    }

    // MARK: - Applying

    /// The products document `document` (read at `path`) as the curated mirror publishes it: the local versions of
    /// this document added where it lacks them (and their products, when it has none), removed versions dropped,
    /// held products reduced to their held version, products left without versions dropped.
    func apply(to document: JSONObject, at path: String) -> JSONObject {
        guard !isEmpty else { return document }
        let base = BytewiseString(MetadataPublisher.base(path))
        var products = document["products"]?.objectValue ?? JSONObject()
        for local in versions where BytewiseString(MetadataPublisher.base(local.documentPath)) == base {
            var product = products[local.id.product]?.objectValue ?? local.productAttributes
            var versions = product["versions"]?.objectValue ?? JSONObject()
            if versions[local.id.version] == nil { versions[local.id.version] = .object(local.version) }
            product["versions"] = .object(versions)
            products[local.id.product] = .object(product)
        }
        var result = JSONObject()
        for (name, value) in products {
            guard var product = value.objectValue else {
                result[name] = value
                continue
            }
            let held = holds[BytewiseString(name)].map(BytewiseString.init)
            var versions = JSONObject()
            for (version, object) in product["versions"]?.objectValue ?? JSONObject() {
                if isRemoved(name, version) { continue }
                if let held, held != BytewiseString(version) { continue }
                versions[version] = object
            }
            guard !versions.isEmpty else { continue }
            product["versions"] = .object(versions)
            result[name] = .object(product)
        }
        var curated = document
        curated["products"] = .object(result)
        return curated
    }

    // MARK: - Reading and writing

    /// Reads the record of `store`: empty when there is none.
    ///
    /// - Throws: ``ImageMirrorError/Code/io`` when the file is there but is not a valid record (too large, not JSON,
    ///   another format, an unsafe path): curation is never applied in part.
    static func read(_ store: MirrorDirectory?) throws(ImageMirrorError) -> CurationRecord {
        guard let store, store.regularFileSize(relativePath) != nil else { return CurationRecord() }
        func refuse(_ reason: String) -> ImageMirrorError {
            ImageMirrorError(
                .io, "\(store.path)/\(relativePath) is not a valid curation record (\(reason)); repair or remove it")
        }
        guard let bytes = store.readFile(relativePath, maximumSize: maximumSize) else {
            throw refuse("unreadable, or larger than \(maximumSize >> 20) MiB")
        }
        guard case .object(let object)? = try? JSONValue(parsing: bytes) else { throw refuse("not a JSON object") }
        guard object["format"]?.stringValue == format else { throw refuse("its format is not \(format)") }
        var record = CurationRecord()
        for (product, value) in object["holds"]?.objectValue ?? JSONObject() {
            guard let version = value.stringValue else { throw refuse("the hold of \(product) is not a string") }
            record.holds[BytewiseString(product)] = version
        }
        for (product, value) in object["removed"]?.objectValue ?? JSONObject() {
            guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count else {
                throw refuse("the removed versions of \(product) are not strings")
            }
            record.removed[BytewiseString(product)] = list
        }
        for value in object["versions"]?.arrayValue ?? [] {
            guard let entry = value.objectValue, let product = entry["product"]?.stringValue,
                let version = entry["version"]?.stringValue, let documentPath = entry["document"]?.stringValue,
                let contentID = entry["content_id"]?.stringValue,
                var attributes = entry["product_attributes"]?.objectValue,
                let versionObject = entry["version_object"]?.objectValue
            else { throw refuse("a version entry lacks a field") }
            guard StreamPath.isSafe(documentPath), documentPath.hasPrefix("streams/") else {
                throw refuse("unsafe document path '\(documentPath)'")
            }
            for (_, item) in versionObject["items"]?.objectValue ?? JSONObject() {
                guard let path = item.objectValue?["path"] else { continue }
                guard let path = path.stringValue, StreamPath.isSafe(path),
                    StreamMirror.reservedPathProblem(path) == nil
                else { throw refuse("\(product)@\(version) has an unsafe item path") }
            }
            attributes["versions"] = nil
            record.versions.append(
                LocalVersion(
                    id: ProductVersionID(product: product, version: version), documentPath: documentPath,
                    contentID: contentID, productAttributes: attributes, version: versionObject))
        }
        return record
    }

    /// Writes the record into `store` atomically.
    func write(_ store: MirrorDirectory) throws(ImageMirrorError) {
        var holdsObject = JSONObject()
        for key in holds.keys.sorted() { holdsObject[key.string] = holds[key].map { .string($0) } }
        var removedObject = JSONObject()
        for key in removed.keys.sorted() {
            removedObject[key.string] = removed[key].map { .array($0.map { .string($0) }) }
        }
        let entries: [JSONValue] = versions.map { local in
            .object([
                "product": .string(local.id.product), "version": .string(local.id.version),
                "document": .string(local.documentPath), "content_id": .string(local.contentID),
                "product_attributes": .object(local.productAttributes), "version_object": .object(local.version),
            ])
        }
        let document: JSONObject = [
            "format": .string(Self.format), "holds": .object(holdsObject), "removed": .object(removedObject),
            "versions": .array(entries),
        ]
        try store.writeAtomically(
            JSONValue.object(document).serialized(JSONWritingStyle(indent: 1, spacedSeparators: true)) + [0x0A],
            to: Self.relativePath)
    }
}
