/// The error every operation of the `Verification` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the input (a file path, a key id or
/// fingerprint, the digest that did not match), and, where one exists, the ``underlyingError`` (gpgme's error text,
/// the system layer's file error).
///
/// ```swift
/// do {
///     let document = try verifier.verifyClearsigned(bytes)
/// } catch let error as VerificationError where error.code == .unknownSigner {
///     print("signed by a key that is not in the keyring:", error.keyID ?? "?")
/// }
/// ```
public struct VerificationError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case badSignature, unknownSigner, expiredKey, revokedKey, expiredSignature, noSignature
            case malformedInput, emptyKeyring, engineUnavailable, io, sizeMismatch, digestMismatch
            case noDigest, invalidArgument, signingFailed, cancelled
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A signature does not match the signed data (the data or the signature was altered).
        public static let badSignature = Code(.badSignature)
        /// The signing key is not in the keyring; ``VerificationError/keyID`` names it.
        public static let unknownSigner = Code(.unknownSigner)
        /// The signing key has expired.
        public static let expiredKey = Code(.expiredKey)
        /// The signing key has been revoked.
        public static let revokedKey = Code(.revokedKey)
        /// The signature itself has expired.
        public static let expiredSignature = Code(.expiredSignature)
        /// The input carries no OpenPGP signature.
        public static let noSignature = Code(.noSignature)
        /// The input is not a well-formed signed document, signature or keyring (for example text outside the signed
        /// block, or several signed blocks).
        public static let malformedInput = Code(.malformedInput)
        /// The keyring holds no keys.
        public static let emptyKeyring = Code(.emptyKeyring)
        /// gpgme or the `gpg` program it runs is missing or not working (install `gnupg`).
        public static let engineUnavailable = Code(.engineUnavailable)
        /// Opening or reading a file failed; the underlying error is the system layer's `FileSystemError` (which
        /// holds the `Errno`, or says that the file is not a regular file or is too large).
        public static let io = Code(.io)
        /// Data is longer or shorter than its stated size.
        public static let sizeMismatch = Code(.sizeMismatch)
        /// Data does not have its stated digest.
        public static let digestMismatch = Code(.digestMismatch)
        /// Nothing to check data against: no digest was given (a size alone is not a verification).
        public static let noDigest = Code(.noDigest)
        /// The caller passed an argument that cannot be used (a malformed hexadecimal digest, for example).
        public static let invalidArgument = Code(.invalidArgument)
        /// Signing failed: no usable secret key for the fingerprint, or gpg refused to sign.
        public static let signingFailed = Code(.signingFailed)
        /// The task doing the work was cancelled. Never a verification failure: nothing was found wrong.
        public static let cancelled = Code(.cancelled)

        public var description: String {
            switch value {
            case .badSignature: "bad-signature"
            case .unknownSigner: "unknown-signer"
            case .expiredKey: "expired-key"
            case .revokedKey: "revoked-key"
            case .expiredSignature: "expired-signature"
            case .noSignature: "no-signature"
            case .malformedInput: "malformed-input"
            case .emptyKeyring: "empty-keyring"
            case .engineUnavailable: "engine-unavailable"
            case .io: "io"
            case .sizeMismatch: "size-mismatch"
            case .digestMismatch: "digest-mismatch"
            case .noDigest: "no-digest"
            case .invalidArgument: "invalid-argument"
            case .signingFailed: "signing-failed"
            case .cancelled: "cancelled"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: file, key, digest.
    public var message: String
    /// The key id or fingerprint involved, when there is one (the unknown signer, the expired key).
    public var keyID: String?
    /// The error that caused this one, if any (gpgme's error, a file system error).
    public var underlyingError: (any Error & Sendable)?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, keyID: String? = nil, underlyingError: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.keyID = keyID
        self.underlyingError = underlyingError
    }

    public var description: String {
        if let underlyingError { return "\(message) (\(underlyingError))" }
        return message
    }
}
