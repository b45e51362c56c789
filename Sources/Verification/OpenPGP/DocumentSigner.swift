internal import CGPGME
public import SystemPackage

/// Signs documents with a secret key of an existing GnuPG home directory, through gpgme: clearsigned documents
/// (`.sjson`) and ASCII-armored detached signatures (`.json.gpg`), as simplestreams producers write them.
///
/// The key must be usable without a passphrase prompt: gpgme runs in loopback pinentry mode with no passphrase, so a
/// protected key fails at once instead of waiting for input. The home's `gpg-agent` holds the secret key.
///
/// ```swift
/// let signer = try DocumentSigner(homeDirectory: "/srv/gnupg", fingerprint: "0123...CDEF")
/// let sjson = try signer.clearsign(Array(json.utf8))
/// ```
public struct DocumentSigner: Sendable, Hashable {
    /// The GnuPG home directory holding the secret key.
    public let homeDirectory: String
    /// The fingerprint (or key id) of the signing key, as given.
    public let fingerprint: String

    /// Creates a signer, checking that `homeDirectory` has a secret key for `fingerprint`.
    ///
    /// - Throws: ``VerificationError/Code/signingFailed`` if there is no such secret key,
    ///   ``VerificationError/Code/engineUnavailable`` if gpg cannot run.
    public init(homeDirectory: FilePath, fingerprint: String) throws(VerificationError) {
        self.homeDirectory = homeDirectory.string
        self.fingerprint = fingerprint
        _ = try SigningContext(self)
    }

    /// Creates a signer for the GnuPG home directory at `homeDirectory`, given as a string; see
    /// ``init(homeDirectory:fingerprint:)-(FilePath,_)``.
    public init(homeDirectory: String, fingerprint: String) throws(VerificationError) {
        try self.init(homeDirectory: FilePath(homeDirectory), fingerprint: fingerprint)
    }

    /// The clearsigned form of `document` (`-----BEGIN PGP SIGNED MESSAGE-----`).
    public func clearsign(_ document: [UInt8]) throws(VerificationError) -> [UInt8] {
        try sign(document, mode: GPGME_SIG_MODE_CLEAR)
    }

    /// An ASCII-armored detached signature of `document`.
    public func detachedSignature(of document: [UInt8]) throws(VerificationError) -> [UInt8] {
        try sign(document, mode: GPGME_SIG_MODE_DETACH)
    }

    private func sign(_ document: [UInt8], mode: gpgme_sig_mode_t) throws(VerificationError) -> [UInt8] {
        let context = try SigningContext(self)
        let plain = try GPGData(copying: document)
        let signed = try GPGData()
        let status = gpgme_op_sign(context.handle, plain.handle, signed.handle, mode)
        guard status.isSuccess else {
            throw verificationError(status, .signingFailed, "gpg could not sign with \(fingerprint)")
        }
        guard let result = gpgme_op_sign_result(context.handle), result.pointee.invalid_signers == nil,
            result.pointee.signatures != nil
        else {
            throw VerificationError(.signingFailed, "gpg made no signature with \(fingerprint)")
        }
        return signed.takeBytes()
    }
}

/// A gpgme context bound to a signer's home directory with its key as the only signer; released in `deinit`.
private final class SigningContext {
    let handle: gpgme_ctx_t

    init(_ signer: DocumentSigner) throws(VerificationError) {
        try GPGME.ready()
        var context: gpgme_ctx_t?
        let created = gpgme_new(&context)
        guard created.isSuccess, let context else {
            throw verificationError(created, .engineUnavailable, "cannot create a gpgme context")
        }
        handle = context
        let protocolSet = gpgme_set_protocol(context, GPGME_PROTOCOL_OpenPGP)
        let engineSet =
            protocolSet.isSuccess
            ? gpgme_ctx_set_engine_info(context, GPGME_PROTOCOL_OpenPGP, nil, signer.homeDirectory) : protocolSet
        guard engineSet.isSuccess else {
            throw verificationError(engineSet, .engineUnavailable, "cannot use the GnuPG home \(signer.homeDirectory)")
        }
        gpgme_set_offline(context, 1)
        gpgme_set_armor(context, 1)
        gpgme_set_textmode(context, 0)
        _ = gpgme_set_pinentry_mode(context, GPGME_PINENTRY_MODE_LOOPBACK)
        var key: gpgme_key_t?
        let found = gpgme_get_key(context, signer.fingerprint, &key, 1)
        guard found.isSuccess, let key else {
            throw VerificationError(
                .signingFailed, "no secret key \(signer.fingerprint) in \(signer.homeDirectory)",
                underlyingError: GPGMEError(found))
        }
        defer { gpgme_key_unref(key) }
        guard key.pointee.can_sign != 0, key.pointee.revoked == 0, key.pointee.expired == 0 else {
            throw VerificationError(.signingFailed, "the key \(signer.fingerprint) cannot sign (revoked or expired)")
        }
        let added = gpgme_signers_add(context, key)
        guard added.isSuccess else {
            throw verificationError(added, .signingFailed, "cannot sign with \(signer.fingerprint)")
        }
    }

    deinit { gpgme_release(handle) }
}
