public import Verification

/// Whether documents must be signed, and by whom.
public enum SignaturePolicy: Sendable {
    /// Every document must carry a valid OpenPGP signature by a key of the verifier's keyring: a clearsigned `.sjson`,
    /// or a `.json` with a detached `.json.gpg` beside it. The JSON parsed is exactly the payload gpg verified.
    case verify(SignatureVerifier)
    /// Documents are read without checking any signature. The caller must ask for this explicitly
    /// (`--no-verify`); the index's `.sjson` paths are then read as the `.json` files the producer writes beside
    /// them.
    case allowUnsigned

    /// Verification against the keys of `keyring`.
    public static func verify(keyring: Keyring) -> SignaturePolicy {
        .verify(SignatureVerifier(keyring: keyring))
    }
}
