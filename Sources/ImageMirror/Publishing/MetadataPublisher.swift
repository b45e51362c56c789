internal import SignedStreams
internal import SimpleStreams
internal import Verification

/// Writes the metadata of a mirror after its payloads: the products documents, then the index, each to a
/// temporary name and renamed.
///
/// Without a signer the upstream bytes are written as read (and verified). With one, each products document is
/// reduced to the items the mirror holds (versions and products left empty are dropped, everything else kept as
/// upstream wrote it), and the index lists only the products kept; every document is written as `.json`,
/// clearsigned `.sjson` and detached `.json.gpg`.
struct MetadataPublisher {
    let store: MirrorDirectory
    let signer: DocumentSigner?

    /// Publishes the metadata and returns the paths written, in the order written.
    func publish(_ snapshot: MetadataSnapshot, selected: Set<StreamMirror.ItemKey>) throws(ImageMirrorError)
        -> [String]
    {
        guard let signer else {
            let documents = snapshot.productsDocuments + snapshot.indexDocuments
            for document in documents {
                try store.writeAtomically(document.bytes, to: document.path)
            }
            return documents.map(\.path)
        }
        let products = snapshot.result.products.map { products in
            SignedOutput(path: products.path, document: Self.filter(products.document.json, keeping: selected).0)
        }
        return try publishSigned(
            products: products,
            indexes: snapshot.result.indexes.map { SignedOutput(path: $0.path, document: $0.document.json) },
            signer: signer)
    }

    /// A document to write signed: where it was read from (`.sjson` or `.json`) and its new content.
    struct SignedOutput: Sendable {
        var path: String
        var document: JSONObject
    }

    /// Writes every products document of `products`, then the indexes (`indexes` top first, written last), each as
    /// `.json`, `.json.gpg` and `.sjson` signed by `signer`; each index entry lists the products its document holds
    /// now (and names the `.sjson`), and entries whose document has none left are dropped. Returns the paths written,
    /// in the order written.
    ///
    /// Curation publishes through this too: the products documents it changed and every other one, re-signed;
    /// `checkpoint` is called with each document's path before it is written (it may throw to stop there).
    func publishSigned(
        products: [SignedOutput], indexes: [SignedOutput], signer: DocumentSigner,
        checkpoint: (String) throws(ImageMirrorError) -> Void = { _ in }
    ) throws(ImageMirrorError) -> [String] {
        var written: [String] = []
        var keptProducts: [BytewiseString: [String]] = [:]
        for output in products {
            keptProducts[BytewiseString(output.path)] = output.document["products"]?.objectValue?.keys ?? []
            try checkpoint(output.path)
            written += try writeSigned(output.document, at: output.path, signer: signer)
        }
        for index in indexes.reversed() {
            try checkpoint(index.path)
            written += try writeSigned(
                Self.filter(index: index.document, keptProducts: keptProducts), at: index.path, signer: signer)
        }
        return written
    }

    /// The products document with only the selected items, and the names of the products left.
    static func filter(_ document: JSONObject, keeping selected: Set<StreamMirror.ItemKey>) -> (JSONObject, [String]) {
        var result = document
        var products = JSONObject()
        for (productName, productValue) in document["products"]?.objectValue ?? JSONObject() {
            guard var product = productValue.objectValue else { continue }
            var versions = JSONObject()
            for (versionName, versionValue) in product["versions"]?.objectValue ?? JSONObject() {
                guard var version = versionValue.objectValue else { continue }
                var items = JSONObject()
                for (itemName, item) in version["items"]?.objectValue ?? JSONObject()
                where selected.contains(StreamMirror.ItemKey(productName, versionName, itemName)) {
                    items[itemName] = item
                }
                guard !items.isEmpty else { continue }
                version["items"] = .object(items)
                versions[versionName] = .object(version)
            }
            guard !versions.isEmpty else { continue }
            product["versions"] = .object(versions)
            products[productName] = .object(product)
        }
        result["products"] = .object(products)
        return (result, products.keys)
    }

    /// The index with each entry listing only the products kept, and without entries left with none. Entries name
    /// the `.sjson` documents.
    static func filter(index: JSONObject, keptProducts: [BytewiseString: [String]]) -> JSONObject {
        var result = index
        var entries = JSONObject()
        for (contentID, value) in index["index"]?.objectValue ?? JSONObject() {
            guard var entry = value.objectValue, let path = entry["path"]?.stringValue else { continue }
            let signedPath = Self.signedPath(path)
            guard
                let kept = keptProducts[BytewiseString(path)] ?? keptProducts[BytewiseString(signedPath)]
                    ?? keptProducts[BytewiseString(Self.base(path) + ".json")],
                !kept.isEmpty
            else { continue }
            entry["products"] = .array(kept.map { .string($0) })
            entry["path"] = .string(signedPath)
            entries[contentID] = .object(entry)
        }
        result["index"] = .object(entries)
        return result
    }

    /// Writes `document` as `BASE.json`, `BASE.json.gpg` and `BASE.sjson`, the clearsigned one last.
    private func writeSigned(_ document: JSONObject, at path: String, signer: DocumentSigner) throws(ImageMirrorError)
        -> [String]
    {
        let base = Self.base(path)
        let json = JSONValue.object(document).serialized(.simplestreams) + [0x0A]
        let clearsigned: [UInt8]
        let detached: [UInt8]
        do {
            clearsigned = try signer.clearsign(json)
            detached = try signer.detachedSignature(of: json)
        } catch {
            throw ImageMirrorError(.signing, "cannot sign \(base).json: \(error.message)", underlyingError: error)
        }
        let outputs = [(base + ".json", json), (base + ".json.gpg", detached), (base + ".sjson", clearsigned)]
        for (name, bytes) in outputs { try store.writeAtomically(bytes, to: name) }
        return outputs.map(\.0)
    }

    static func base(_ path: String) -> String {
        if path.hasSuffix(".sjson") { return String(path.dropLast(".sjson".count)) }
        if path.hasSuffix(".json") { return String(path.dropLast(".json".count)) }
        return path
    }

    static func signedPath(_ path: String) -> String { base(path) + ".sjson" }
}
