internal import CGPGME

extension DocumentSigner {
    /// The public key of the signing key, exported from its GnuPG home (ASCII-armored, as `gpg --armor --export`):
    /// what verifies the documents it signs (`Keyring(bytes:)`).
    ///
    /// - Throws: ``VerificationError/Code/signingFailed`` if the home has no such key,
    ///   ``VerificationError/Code/engineUnavailable`` if gpg cannot run.
    public func publicKey() throws(VerificationError) -> [UInt8] {
        try GPGME.ready()
        var context: gpgme_ctx_t?
        let created = gpgme_new(&context)
        guard created.isSuccess, let context else {
            throw verificationError(created, .engineUnavailable, "cannot create a gpgme context")
        }
        defer { gpgme_release(context) }
        let protocolSet = gpgme_set_protocol(context, GPGME_PROTOCOL_OpenPGP)
        let engineSet =
            protocolSet.isSuccess
            ? gpgme_ctx_set_engine_info(context, GPGME_PROTOCOL_OpenPGP, nil, homeDirectory) : protocolSet
        guard engineSet.isSuccess else {
            throw verificationError(engineSet, .engineUnavailable, "cannot use the GnuPG home \(homeDirectory)")
        }
        gpgme_set_offline(context, 1)
        gpgme_set_armor(context, 1)
        let exported = try GPGData()
        let status = gpgme_op_export(context, fingerprint, 0, exported.handle)
        guard status.isSuccess else {
            throw verificationError(status, .signingFailed, "cannot export the public key \(fingerprint)")
        }
        let bytes = exported.takeBytes()
        guard !bytes.isEmpty else {
            throw VerificationError(.signingFailed, "no public key \(fingerprint) in \(homeDirectory)")
        }
        return bytes
    }
}
