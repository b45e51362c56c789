import Foundation
import TestSupport
import Verification

/// One item of a stream a test writes by hand with ``GeneratedMirror/write(items:updated:contentID:indexContentID:)``.
public struct StreamItemSpec: Sendable {
    public var product: String
    public var version: String
    public var item: String
    public var path: String
    public var content: [UInt8]
    /// The digests the item states (`sha256`, `sha512`, `md5`); an explicit value replaces the computed one (a
    /// malformed digest).
    public var digests: [String: String?]
    /// The size the item states (the content's by default).
    public var size: Int?

    public init(
        product: String = "com.example:noble:amd64", version: String = "20250101", item: String, path: String,
        content: [UInt8], digests: [String: String?] = ["sha256": nil], size: Int? = nil
    ) {
        self.product = product
        self.version = version
        self.item = item
        self.path = path
        self.content = content
        self.digests = digests
        self.size = size
    }
}

extension GeneratedMirror {
    /// Replaces the stream with one holding exactly `items` (their content written at their paths), and signs it.
    public func write(
        items: [StreamItemSpec], updated: String = "Mon, 01 Dec 2025 00:00:00 +0000",
        contentID: String = "com.example:test:download", indexContentID: String? = nil
    ) async throws {
        try? FileManager.default.removeItem(atPath: root)
        var products: [(String, [(String, [String])])] = []
        for spec in items {
            try scratch.write(spec.content, to: "source/" + spec.path)
            var fields = [
                "\(Self.quoted("ftype")): \(Self.quoted("file"))",
                "\(Self.quoted("path")): \(Self.quoted(spec.path))",
                "\(Self.quoted("size")): \(spec.size ?? spec.content.count)",
            ]
            for (name, explicit) in spec.digests.sorted(by: { $0.key < $1.key }) {
                let algorithm = DigestAlgorithm(rawValue: name) ?? .sha256
                let value = explicit ?? ContentDigest.compute(algorithm, of: spec.content).hex
                fields.append("\(Self.quoted(name)): \(Self.quoted(value))")
            }
            let item = "\(Self.quoted(spec.item)): {\(fields.joined(separator: ", "))}"
            if let p = products.firstIndex(where: { $0.0.utf8.elementsEqual(spec.product.utf8) }) {
                if let v = products[p].1.firstIndex(where: { $0.0.utf8.elementsEqual(spec.version.utf8) }) {
                    products[p].1[v].1.append(item)
                } else {
                    products[p].1.append((spec.version, [item]))
                }
            } else {
                products.append((spec.product, [(spec.version, [item])]))
            }
        }
        let productTexts = products.map { product, versions in
            let versionTexts = versions.map { version, items in
                "\(Self.quoted(version)): {\"items\": {\(items.joined(separator: ", "))}}"
            }
            return "\(Self.quoted(product)): {\"arch\": \"amd64\", \"os\": \"ubuntu\", \"release\": \"noble\", "
                + "\"versions\": {\(versionTexts.joined(separator: ", "))}}"
        }
        let productsJSON = """
            {"content_id": \(Self.quoted(contentID)), "datatype": "image-downloads", "format": "products:1.0", \
            "updated": "\(updated)", "products": {\(productTexts.joined(separator: ", "))}}

            """
        let names = products.map { Self.quoted($0.0) }.joined(separator: ", ")
        let indexJSON = """
            {"format": "index:1.0", "updated": "\(updated)", "index": {\(Self.quoted(indexContentID ?? contentID)): \
            {"datatype": "image-downloads", "format": "products:1.0", "path": "\(Self.productsPath)", \
            "updated": "\(updated)", "products": [\(names)]}}}

            """
        try scratch.write(productsJSON, to: "source/streams/v1/com.example:test:download.json")
        try scratch.write(indexJSON, to: "source/streams/v1/index.json")
        try await sign()
    }

    /// `text` as a JSON string: every scalar kept as it is (no normalisation), control characters escaped.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
