// snippet.hide
import Verification

let document = CommandLine.arguments.dropFirst().first ?? "streams/v1/index.sjson"
// snippet.show
// Verify a clearsigned document against a keyring: the payload returned is exactly what gpg verified.
let keyring = try Keyring(contentsOf: Keyring.maasDefaultPath)
for key in keyring.keys { print(key.fingerprint, key.userIDs) }
let verifier = SignatureVerifier(keyring: keyring)
do {
    let verified = try verifier.verifyClearsigned(contentsOf: document)
    print("signed by", verified.signature.primaryKeyFingerprint, "-", verified.payload.count, "bytes")
} catch {
    print(error.code, error.keyID ?? "", error.message)  // bad-signature, unknown-signer, expired-key, io, ...
}
