internal import CGPGME
public import SystemPackage

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A set of OpenPGP public keys that signatures are checked against.
///
/// A keyring is read from a file or from bytes, binary (`gpg --export`) or ASCII-armored (`gpg --armor --export`),
/// holding one key or many. gpg itself parses it, in a private temporary GnuPG home (see <doc:OpenPGPVerification>);
/// the home lives as long as any copy of the keyring or of a ``SignatureVerifier`` made from it, and is removed
/// afterwards. The user's `~/.gnupg` and `GNUPGHOME` are never used.
///
/// ```swift
/// let keyring = try Keyring(contentsOf: Keyring.maasDefaultPath)
/// for key in keyring.keys { print(key.fingerprint, key.userIDs) }
/// ```
public struct Keyring: Sendable {
    /// The keyring MAAS trusts by default: `/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg`
    /// (Debian/Ubuntu package `ubuntu-cloudimage-keyring`).
    public static let maasDefaultPath = "/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg"

    /// One public key: its primary key, its subkeys and its user ids.
    public struct Key: Sendable, Hashable, CustomStringConvertible {
        /// The primary key's fingerprint, upper-case hexadecimal without spaces.
        public var fingerprint: String
        /// The user ids, as gpg lists them (for example `Ubuntu Cloud Image Builder (…) <cdimage@ubuntu.com>`).
        public var userIDs: [String]
        /// When the primary key was created, if known.
        public var creationDate: Date?
        /// When the primary key expires, or `nil` if it never does.
        public var expirationDate: Date?
        /// Whether the key has been revoked (a revocation signature was in the keyring).
        public var isRevoked: Bool
        /// Whether the key has expired (at the time the keyring was read).
        public var isExpired: Bool
        /// The primary key and its subkeys, the primary key first.
        public var subkeys: [Subkey]

        /// The 16-hexadecimal-digit key id of the primary key (the last 16 digits of the fingerprint).
        public var keyID: String { String(fingerprint.suffix(16)) }

        /// `FINGERPRINT user id, user id…`.
        public var description: String {
            ([fingerprint] + userIDs).joined(separator: " ")
        }
    }

    /// A primary key or a subkey.
    public struct Subkey: Sendable, Hashable {
        /// The subkey's fingerprint, upper-case hexadecimal.
        public var fingerprint: String
        /// The 16-hexadecimal-digit key id.
        public var keyID: String
        /// When the subkey was created, if known.
        public var creationDate: Date?
        /// When the subkey expires, or `nil` if it never does.
        public var expirationDate: Date?
        /// Whether the subkey has been revoked.
        public var isRevoked: Bool
        /// Whether the subkey has expired.
        public var isExpired: Bool
        /// Whether the subkey may make signatures.
        public var canSign: Bool
    }

    /// The keys, in the order gpg lists them.
    public let keys: [Key]

    /// The private home the keys were imported into; verifiers made from this keyring share it.
    let home: GPGHome

    /// The largest keyring file ``init(contentsOf:)-(FilePath)`` reads: 16 MiB (the Ubuntu cloud image keyring is a few KiB).
    public static let maximumFileSize = FileReadingLimits.keyring

    /// Reads a keyring file, binary or ASCII-armored.
    ///
    /// Only a regular file of at most ``maximumFileSize`` bytes is read: a FIFO, a device or a directory is refused
    /// at once, without blocking.
    ///
    /// - Throws: ``VerificationError`` with code ``VerificationError/Code/io`` if the file cannot be read, is not a
    ///   regular file or is too large (the underlying error says which),
    ///   ``VerificationError/Code/emptyKeyring`` if it holds no key, ``VerificationError/Code/malformedInput`` if gpg
    ///   cannot read it, ``VerificationError/Code/engineUnavailable`` if gpg is missing.
    public init(contentsOf path: FilePath) throws(VerificationError) {
        let bytes = try readWholeFile(path, what: "keyring", maximumSize: Self.maximumFileSize)
        do {
            try self.init(bytes: bytes)
        } catch {
            throw VerificationError(
                error.code, "keyring \(path): \(error.message)", keyID: error.keyID,
                underlyingError: error.underlyingError)
        }
    }

    /// Reads the keyring file at `path`, given as a string; see ``init(contentsOf:)-(FilePath)``.
    public init(contentsOf path: String) throws(VerificationError) {
        try self.init(contentsOf: FilePath(path))
    }

    /// Reads a keyring from bytes, binary or ASCII-armored.
    ///
    /// - Throws: ``VerificationError`` with code ``VerificationError/Code/emptyKeyring`` if the bytes hold no key,
    ///   ``VerificationError/Code/malformedInput`` if gpg cannot read them, ``VerificationError/Code/engineUnavailable``
    ///   if gpg is missing.
    public init(bytes: [UInt8]) throws(VerificationError) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw VerificationError(.emptyKeyring, "the keyring holds no keys")
        }
        let home = try GPGHome()
        let context = try GPGContext(home: home)
        let data = try GPGData(copying: bytes)
        let imported = gpgme_op_import(context.handle, data.handle)
        guard imported.isSuccess else {
            if imported.code == GPG_ERR_NO_DATA {
                throw VerificationError(.emptyKeyring, "the keyring holds no OpenPGP keys")
            }
            throw verificationError(imported, .malformedInput, "gpg cannot read the keyring")
        }
        let keys = try Self.listKeys(context)
        guard !keys.isEmpty else {
            throw VerificationError(.emptyKeyring, "the keyring holds no OpenPGP public keys")
        }
        self.keys = keys
        self.home = home
    }

    /// Reads the MAAS default keyring, ``maasDefaultPath``.
    ///
    /// - Throws: as ``init(contentsOf:)-(FilePath)``; ``VerificationError/Code/io`` if the `ubuntu-cloudimage-keyring` package is
    ///   not installed.
    public static func maasDefault() throws(VerificationError) -> Keyring {
        try Keyring(contentsOf: maasDefaultPath)
    }

    /// The key whose primary key or subkey has `fingerprintOrKeyID` (a 40- or 64-digit fingerprint, or a 16-digit
    /// key id), compared without regard to case.
    public func key(containing fingerprintOrKeyID: String) -> Key? {
        let wanted = fingerprintOrKeyID.uppercased()
        guard wanted.count >= 16 else { return nil }
        return keys.first { key in
            key.subkeys.contains { subkey in
                subkey.fingerprint == wanted || (wanted.count == 16 && subkey.keyID == wanted)
            }
        }
    }

    /// Lists the public keys in the context's home.
    private static func listKeys(_ context: GPGContext) throws(VerificationError) -> [Key] {
        let started = gpgme_op_keylist_start(context.handle, nil, 0)
        guard started.isSuccess else {
            throw verificationError(started, .malformedInput, "gpg cannot list the keyring")
        }
        var keys: [Key] = []
        while true {
            var key: gpgme_key_t?
            let next = gpgme_op_keylist_next(context.handle, &key)
            if next.code == GPG_ERR_EOF { break }
            guard next.isSuccess, let key else {
                gpgme_op_keylist_end(context.handle)
                throw verificationError(next, .malformedInput, "gpg cannot list the keyring")
            }
            defer { gpgme_key_unref(key) }
            if let converted = Key(key.pointee) { keys.append(converted) }
        }
        return keys
    }
}

extension Keyring.Key {
    /// Converts gpgme's key; `nil` if it has no primary key.
    fileprivate init?(_ key: _gpgme_key) {
        var subkeys: [Keyring.Subkey] = []
        var subkey = key.subkeys
        while let current = subkey {
            subkeys.append(Keyring.Subkey(current.pointee))
            subkey = current.pointee.next
        }
        guard let primary = subkeys.first, !primary.fingerprint.isEmpty else { return nil }
        var userIDs: [String] = []
        var uid = key.uids
        while let current = uid {
            if let text = current.pointee.uid { userIDs.append(String(cString: text)) }
            uid = current.pointee.next
        }
        self.init(
            fingerprint: primary.fingerprint, userIDs: userIDs, creationDate: primary.creationDate,
            expirationDate: primary.expirationDate, isRevoked: key.revoked != 0, isExpired: key.expired != 0,
            subkeys: subkeys)
    }
}

extension Keyring.Subkey {
    fileprivate init(_ subkey: _gpgme_subkey) {
        self.init(
            fingerprint: subkey.fpr.map { String(cString: $0).uppercased() } ?? "",
            keyID: subkey.keyid.map { String(cString: $0).uppercased() } ?? "",
            creationDate: subkey.timestamp > 0 ? Date(timeIntervalSince1970: Double(subkey.timestamp)) : nil,
            expirationDate: subkey.expires > 0 ? Date(timeIntervalSince1970: Double(subkey.expires)) : nil,
            isRevoked: subkey.revoked != 0, isExpired: subkey.expired != 0, canSign: subkey.can_sign != 0)
    }
}
