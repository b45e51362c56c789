internal import SimpleStreams

/// One version of one product, as an operator names it: `PRODUCT@VERSION`, the product id as the stream writes it
/// (`com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04`) and the version name (`20250718`).
///
/// Product ids and version names are compared as bytes (NFC and NFD spellings are two different values).
///
/// (Not named `ProductVersion`: `SimpleStreams.ProductVersion` is a version object of a products document, and a
/// program importing both modules would find the name ambiguous.)
///
/// ```swift
/// let held = try ProductVersionID(parsing: "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04@20250718")
/// ```
public struct ProductVersionID: Sendable, Hashable, CustomStringConvertible {
    /// The product id.
    public var product: String
    /// The version name.
    public var version: String

    /// Creates a value.
    public init(product: String, version: String) {
        self.product = product
        self.version = version
    }

    /// Parses `PRODUCT@VERSION`, split at the last `@` (a product id may hold one; a version name does not).
    ///
    /// - Throws: ``ImageMirrorError/Code/invalidArgument`` when there is no `@`, or the product or version is empty.
    public init(parsing text: String) throws(ImageMirrorError) {
        guard let at = text.lastIndex(of: "@") else {
            throw ImageMirrorError(.invalidArgument, "'\(text)' is not PRODUCT@VERSION")
        }
        let product = String(text[..<at])
        let version = String(text[text.index(after: at)...])
        guard !product.isEmpty, !version.isEmpty else {
            throw ImageMirrorError(
                .invalidArgument, "'\(text)' is not PRODUCT@VERSION: the product or version is empty")
        }
        self.init(product: product, version: version)
    }

    /// `PRODUCT@VERSION`.
    public var description: String { "\(product)@\(version)" }

    /// Whether both have the same bytes.
    public static func == (lhs: ProductVersionID, rhs: ProductVersionID) -> Bool {
        BytewiseString(lhs.product) == BytewiseString(rhs.product)
            && BytewiseString(lhs.version) == BytewiseString(rhs.version)
    }

    /// Hashes the bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(BytewiseString(product))
        hasher.combine(BytewiseString(version))
    }
}
