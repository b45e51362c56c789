public import Verification

/// A document read from a source, with the signature that covered it.
public struct SignedDocument<Document: Sendable>: Sendable {
    /// The path the document was read from, relative to the mirror root.
    public var path: String
    /// The parsed document.
    public var document: Document
    /// The signature that verified, or `nil` when the document was read with ``SignaturePolicy/allowUnsigned``.
    public var signature: VerifiedSignature?
    /// The exact bytes the document was parsed from (the signed payload, for a clearsigned document).
    public var payload: [UInt8]

    /// Creates a value.
    public init(path: String, document: Document, signature: VerifiedSignature?, payload: [UInt8]) {
        self.path = path
        self.document = document
        self.signature = signature
        self.payload = payload
    }
}
