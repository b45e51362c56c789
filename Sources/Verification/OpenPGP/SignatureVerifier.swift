internal import CGPGME
public import SystemPackage

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A signature that was checked and accepted.
public struct VerifiedSignature: Sendable, Hashable {
    /// The fingerprint of the signer's primary key, the one listed in the ``Keyring``, even when a subkey signed.
    public var primaryKeyFingerprint: String
    /// The fingerprint of the key that made the signature: the primary key or one of its signing subkeys.
    public var signingKeyFingerprint: String
    /// The signer's user ids, from the keyring.
    public var userIDs: [String]
    /// When the signature was made (the signer's claim, as stored in the signature).
    public var creationDate: Date
    /// The hash algorithm of the signature, as gpgme names it (`SHA512`, `SHA256`, `SHA1`…).
    public var hashAlgorithm: String
}

/// A clearsigned document whose signature was accepted, and the payload gpg recovered from it.
public struct VerifiedDocument: Sendable, Hashable {
    /// The signed text exactly as gpg recovered it: armor headers (`Hash:`) and the blank line removed, dash-escaping
    /// (`- `) undone, trailing spaces and tabs of each line removed (OpenPGP does not sign them), line ends as in the
    /// document.
    public var payload: [UInt8]
    /// The accepted signature.
    public var signature: VerifiedSignature
}

/// Checks OpenPGP signatures against one ``Keyring``, through gpgme and the `gpg` program.
///
/// ## Policy
///
/// A document or file is accepted when **at least one** of its signatures is good (gpg reports no error for it) **and**
/// was made by a key whose primary fingerprint is in the keyring (directly or through one of its signing subkeys).
/// Validity and ownertrust (the web of trust) are not consulted: as with `gpgv` and apt, membership of the keyring is
/// the trust decision. Every other outcome is an error, and when several signatures are present and none is accepted,
/// the most serious problem is reported, in this order:
///
/// 1. a bad signature (``VerificationError/Code/badSignature``), the data or the signature was altered;
/// 2. a revoked key (``VerificationError/Code/revokedKey``);
/// 3. an expired key (``VerificationError/Code/expiredKey``), even if the signature was made before the key expired
///    (`gpgv` accepts those, with `EXPKEYSIG`; this module does not);
/// 4. an expired signature (``VerificationError/Code/expiredSignature``);
/// 5. a key that is not in the keyring (``VerificationError/Code/unknownSigner``, with the key id in
///    ``VerificationError/keyID``).
///
/// No signature at all is ``VerificationError/Code/noSignature``. A clearsigned document must also be exactly one
/// signed block with nothing but whitespace around it (see ``verifyClearsigned(_:)``); gpg alone would accept and
/// ignore text before and after the block. A keyring with no keys cannot be made (``VerificationError/Code/emptyKeyring``).
///
/// The unverified payload never leaves this type: on every failure path it is dropped without being returned, logged or
/// put in an error.
///
/// ## Concurrency
///
/// A verifier is a `Sendable` value. Each call makes its own gpgme context over the keyring's private GnuPG home, so
/// one verifier may be used from many tasks at once.
///
/// ```swift
/// let verifier = SignatureVerifier(keyring: try Keyring(contentsOf: Keyring.maasDefaultPath))
/// let document = try verifier.verifyClearsigned(contentsOf: "streams/v1/index.sjson")
/// print(document.signature.primaryKeyFingerprint)
/// let index = try JSONDecoder().decode(Index.self, from: Data(document.payload))
/// ```
public struct SignatureVerifier: Sendable {
    /// The keys signatures are checked against.
    public let keyring: Keyring

    /// Creates a verifier that accepts signatures by keys of `keyring`.
    public init(keyring: Keyring) {
        self.keyring = keyring
    }

    /// Verifies a clearsigned document (`-----BEGIN PGP SIGNED MESSAGE-----`, a simplestreams `.sjson`) and returns the
    /// payload gpg recovered from it.
    ///
    /// The document must be exactly one signed block: it starts with `-----BEGIN PGP SIGNED MESSAGE-----` at its first
    /// byte, has one `-----BEGIN PGP SIGNATURE-----` and one `-----END PGP SIGNATURE-----` line, and nothing but
    /// whitespace (spaces, tabs, carriage returns, line feeds) follows the last. Trailing whitespace on the lines of the
    /// body is allowed, but it is not signed, and gpg drops it from the payload.
    ///
    /// - Throws: ``VerificationError``: ``VerificationError/Code/noSignature`` if the document is not clearsigned,
    ///   ``VerificationError/Code/malformedInput`` for text outside the block or several blocks, and the signature
    ///   failures of the policy (see ``SignatureVerifier``).
    public func verifyClearsigned(_ document: [UInt8]) throws(VerificationError) -> VerifiedDocument {
        try ClearsignedFraming.check(document)
        let context = try GPGContext(home: keyring.home)
        let signature = try GPGData(copying: document)
        let plain = try GPGData()
        let status = gpgme_op_verify(context.handle, signature.handle, nil, plain.handle)
        let accepted = try evaluate(context, status)
        // Only now, after acceptance, is gpg's output read out of its buffer.
        return VerifiedDocument(payload: plain.takeBytes(), signature: accepted)
    }

    /// The largest clearsigned document file ``verifyClearsigned(contentsOf:)-(FilePath)`` reads: 64 MiB, the default
    /// document limit of `SimpleStreams`.
    public static let maximumDocumentFileSize = FileReadingLimits.document

    /// The largest detached signature file ``verifyDetached(signatureFile:contentsOf:)-(FilePath,FilePath)`` reads: 1 MiB.
    public static let maximumSignatureFileSize = FileReadingLimits.signature

    /// Verifies the clearsigned document in the file at `path`; see ``verifyClearsigned(_:)``.
    ///
    /// Only a regular file of at most ``maximumDocumentFileSize`` bytes is read: a FIFO, a device or a directory is
    /// refused at once, without blocking.
    ///
    /// - Throws: ``VerificationError/Code/io`` if the file cannot be read, is not a regular file or is too large (the
    ///   underlying error says which), otherwise as ``verifyClearsigned(_:)``.
    public func verifyClearsigned(contentsOf path: FilePath) throws(VerificationError) -> VerifiedDocument {
        let bytes = try readWholeFile(path, what: "document", maximumSize: Self.maximumDocumentFileSize)
        do {
            return try verifyClearsigned(bytes)
        } catch {
            throw error.about(path.string)
        }
    }

    /// Verifies the clearsigned document in the file at `path`, given as a string.
    public func verifyClearsigned(contentsOf path: String) throws(VerificationError) -> VerifiedDocument {
        try verifyClearsigned(contentsOf: FilePath(path))
    }

    /// Verifies a detached signature (`.gpg` binary or `.asc`/`.sig` ASCII-armored) over `data`.
    ///
    /// - Throws: ``VerificationError``: ``VerificationError/Code/noSignature`` if `signature` holds no signature, and the
    ///   failures of the policy (see ``SignatureVerifier``).
    public func verifyDetached(signature: [UInt8], data: [UInt8]) throws(VerificationError) -> VerifiedSignature {
        let context = try GPGContext(home: keyring.home)
        let signatureData = try GPGData(copying: signature)
        let signedData = try GPGData(copying: data)
        let status = gpgme_op_verify(context.handle, signatureData.handle, signedData.handle, nil)
        return try evaluate(context, status)
    }

    /// Verifies a detached signature over the file at `path`, streaming the file to gpg rather than reading it into
    /// memory, so files of any size can be checked.
    ///
    /// Only a regular file is read: a FIFO, a device or a directory is refused at once, without blocking.
    ///
    /// - Throws: ``VerificationError/Code/io`` if the file cannot be opened or is not a regular file, otherwise as
    ///   ``verifyDetached(signature:data:)``.
    public func verifyDetached(signature: [UInt8], contentsOf path: FilePath) throws(VerificationError)
        -> VerifiedSignature
    {
        let context = try GPGContext(home: keyring.home)
        let signatureData = try GPGData(copying: signature)
        let signedData = try GPGData(descriptor: try openRegularFile(path, what: ""))
        let status = gpgme_op_verify(context.handle, signatureData.handle, signedData.handle, nil)
        do {
            return try evaluate(context, status)
        } catch {
            throw error.about(path.string)
        }
    }

    /// Verifies a detached signature over the file at `path`, given as a string.
    public func verifyDetached(signature: [UInt8], contentsOf path: String) throws(VerificationError)
        -> VerifiedSignature
    {
        try verifyDetached(signature: signature, contentsOf: FilePath(path))
    }

    /// Verifies the detached signature in the file at `signaturePath` over the file at `path` (streamed).
    ///
    /// The signature file must be a regular file of at most ``maximumSignatureFileSize`` bytes.
    ///
    /// - Throws: as ``verifyDetached(signature:contentsOf:)-(_,FilePath)``.
    public func verifyDetached(signatureFile signaturePath: FilePath, contentsOf path: FilePath)
        throws(VerificationError) -> VerifiedSignature
    {
        let signature = try readWholeFile(signaturePath, what: "signature", maximumSize: Self.maximumSignatureFileSize)
        return try verifyDetached(signature: signature, contentsOf: path)
    }

    /// Verifies the detached signature in the file at `signaturePath` over the file at `path`, both given as strings.
    public func verifyDetached(signatureFile signaturePath: String, contentsOf path: String)
        throws(VerificationError) -> VerifiedSignature
    {
        try verifyDetached(signatureFile: FilePath(signaturePath), contentsOf: FilePath(path))
    }

    /// Applies the policy to the result of `gpgme_op_verify`.
    private func evaluate(_ context: GPGContext, _ status: gpgme_error_t) throws(VerificationError)
        -> VerifiedSignature
    {
        guard status.isSuccess else {
            switch status.code {
            case GPG_ERR_NO_DATA:
                throw VerificationError(
                    .noSignature, "no OpenPGP signature was found", underlyingError: GPGMEError(status))
            default:
                throw verificationError(status, .malformedInput, "gpg cannot check the signature")
            }
        }
        guard let result = gpgme_op_verify_result(context.handle) else {
            throw VerificationError(.noSignature, "gpg reported no signature")
        }
        var rejections: [VerificationError] = []
        var signature = result.pointee.signatures
        while let current = signature {
            signature = current.pointee.next
            switch judge(current.pointee) {
            case .success(let accepted): return accepted
            case .failure(let error): rejections.append(error)
            }
        }
        guard let worst = rejections.min(by: { Self.severity($0.code) < Self.severity($1.code) }) else {
            throw VerificationError(.noSignature, "no OpenPGP signature was found")
        }
        throw worst
    }

    /// Accepts or rejects one signature.
    private func judge(_ signature: _gpgme_signature) -> Result<VerifiedSignature, VerificationError> {
        let fingerprint = signature.fpr.map { String(cString: $0).uppercased() } ?? ""
        let keyID = fingerprint.isEmpty ? nil : fingerprint
        let underlying = GPGMEError(signature.status)
        switch signature.status.code {
        case GPG_ERR_NO_ERROR:
            break
        case GPG_ERR_BAD_SIGNATURE:
            return .failure(
                VerificationError(
                    .badSignature, "BAD signature from key \(fingerprint): the data or the signature was altered",
                    keyID: keyID, underlyingError: underlying))
        case GPG_ERR_NO_PUBKEY:
            return .failure(
                VerificationError(
                    .unknownSigner, "signed by key \(fingerprint), which is not in the keyring", keyID: keyID,
                    underlyingError: underlying))
        case GPG_ERR_KEY_EXPIRED:
            return .failure(
                VerificationError(
                    .expiredKey, "signed by key \(fingerprint), which has expired", keyID: keyID,
                    underlyingError: underlying))
        case GPG_ERR_CERT_REVOKED:
            return .failure(
                VerificationError(
                    .revokedKey, "signed by key \(fingerprint), which has been revoked", keyID: keyID,
                    underlyingError: underlying))
        case GPG_ERR_SIG_EXPIRED:
            return .failure(
                VerificationError(
                    .expiredSignature, "the signature by key \(fingerprint) has expired", keyID: keyID,
                    underlyingError: underlying))
        default:
            return .failure(
                VerificationError(
                    .badSignature, "the signature by key \(fingerprint) cannot be checked", keyID: keyID,
                    underlyingError: underlying))
        }
        guard signature.wrong_key_usage == 0 else {
            return .failure(
                VerificationError(
                    .badSignature, "key \(fingerprint) is not allowed to make signatures", keyID: keyID,
                    underlyingError: underlying))
        }
        // The home holds only the keyring's keys, so a good signature is by one of them; the check is explicit anyway,
        // and maps a subkey to its primary key from the keyring's own listing.
        guard let key = keyring.key(containing: fingerprint) else {
            return .failure(
                VerificationError(
                    .unknownSigner, "signed by key \(fingerprint), which is not in the keyring", keyID: keyID))
        }
        let signingKey = key.subkeys.first { $0.fingerprint == fingerprint || $0.keyID == fingerprint }
        let hash = gpgme_hash_algo_name(signature.hash_algo).map { String(cString: $0) } ?? "unknown"
        return .success(
            VerifiedSignature(
                primaryKeyFingerprint: key.fingerprint,
                signingKeyFingerprint: signingKey?.fingerprint ?? fingerprint,
                userIDs: key.userIDs,
                creationDate: Date(timeIntervalSince1970: Double(signature.timestamp)),
                hashAlgorithm: hash))
    }

    /// The order in which rejections are reported: lower is more serious.
    private static func severity(_ code: VerificationError.Code) -> Int {
        switch code {
        case .badSignature: 0
        case .revokedKey: 1
        case .expiredKey: 2
        case .expiredSignature: 3
        case .unknownSigner: 4
        default: 5
        }
    }
}

extension VerificationError {
    /// The same error, its message prefixed with the file it is about.
    func about(_ path: String) -> VerificationError {
        VerificationError(code, "\(path): \(message)", keyID: keyID, underlyingError: underlyingError)
    }
}
