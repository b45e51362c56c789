internal import CGPGME
internal import SystemPackage

/// The one-time gpgme initialisation and the error text helpers. Everything C-shaped stays in this file and in
/// ``GPGContext``, ``GPGData`` and ``GPGHome``.
enum GPGME {
    /// The outcome of `gpgme_check_version` and of checking the OpenPGP engine (the `gpg` program), computed once.
    ///
    /// `gpgme_check_version` must run before any other gpgme call and before other threads use gpgme; a `static let`
    /// is initialised exactly once (`swift_once`), so every entry point reads ``ready()`` first.
    private static let initialisation: Result<Void, VerificationError> = {
        guard CGPGME_check_version(nil) != nil else {
            return .failure(VerificationError(.engineUnavailable, "gpgme could not be initialised"))
        }
        let engine = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)
        guard gpgme_err_code(engine) == GPG_ERR_NO_ERROR else {
            return .failure(
                VerificationError(
                    .engineUnavailable, "the gpg program was not found or is too old; install gnupg",
                    underlyingError: GPGMEError(engine)))
        }
        return .success(())
    }()

    /// Throws ``VerificationError/Code/engineUnavailable`` if gpgme or gpg cannot be used.
    static func ready() throws(VerificationError) {
        try initialisation.get()
    }

    /// The path of the `gpgconf` program gpgme would use, if it knows one.
    static var gpgconfPath: String? {
        guard let name = gpgme_get_dirinfo("gpgconf-name") else { return nil }
        return String(cString: name)
    }
}

/// A gpgme error code and its text (from the thread-safe `gpgme_strerror_r`).
struct GPGMEError: Error, Sendable, CustomStringConvertible {
    /// The gpg-error code (without the source).
    let code: UInt32
    /// gpgme's description of the error.
    let text: String

    init(_ error: gpgme_error_t) {
        code = gpgme_err_code(error).rawValue
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return -1 }
            return gpgme_strerror_r(error, base, pointer.count)
        }
        if status == 0 || status == Errno.outOfRange.rawValue {
            text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            text = "gpgme error \(code)"
        }
    }

    var description: String { "gpgme: \(text)" }
}

extension gpgme_error_t {
    /// The error code, without the error source.
    var code: gpgme_err_code_t { gpgme_err_code(self) }
    /// Whether this is success.
    var isSuccess: Bool { gpgme_err_code(self) == GPG_ERR_NO_ERROR }
}

/// Maps a failed gpgme call to a ``VerificationError``: engine problems become
/// ``VerificationError/Code/engineUnavailable``, everything else `fallback`.
func verificationError(
    _ error: gpgme_error_t, _ fallback: VerificationError.Code, _ message: String
) -> VerificationError {
    let underlying = GPGMEError(error)
    switch error.code {
    case GPG_ERR_INV_ENGINE, GPG_ERR_ENGINE_TOO_OLD, GPG_ERR_NOT_OPERATIONAL, GPG_ERR_ENOENT:
        return VerificationError(
            .engineUnavailable, "\(message): the gpg engine is not usable; install gnupg",
            underlyingError: underlying)
    default:
        return VerificationError(fallback, message, underlyingError: underlying)
    }
}

/// One gpgme context, for one operation by one task at a time, bound to one GnuPG home directory.
///
/// Contexts are taken from the home's pool of idle contexts and given back in `deinit`: setting a context's engine
/// home (`gpgme_ctx_set_engine_info`) makes gpgme run `gpg --version` every time, which would triple the cost of a
/// verification. A pooled context is only ever used by the one ``GPGContext`` that holds it.
final class GPGContext {
    let handle: gpgme_ctx_t
    private let home: GPGHome

    /// Takes an idle context of `home`, or creates an OpenPGP context that uses `home` and never goes to the network.
    init(home: GPGHome) throws(VerificationError) {
        try GPGME.ready()
        self.home = home
        if let pooled = home.takeIdleContext() {
            handle = pooled
            return
        }
        var context: gpgme_ctx_t?
        let created = gpgme_new(&context)
        guard created.isSuccess, let context else {
            throw verificationError(created, .engineUnavailable, "cannot create a gpgme context")
        }
        let protocolSet = gpgme_set_protocol(context, GPGME_PROTOCOL_OpenPGP)
        // Per context, never the process-global engine info or GNUPGHOME: both would race between tasks.
        let engineSet =
            protocolSet.isSuccess
            ? gpgme_ctx_set_engine_info(context, GPGME_PROTOCOL_OpenPGP, nil, home.path) : protocolSet
        guard engineSet.isSuccess else {
            gpgme_release(context)
            throw verificationError(engineSet, .engineUnavailable, "cannot point gpg at its home directory")
        }
        gpgme_set_offline(context, 1)
        handle = context
    }

    deinit {
        home.giveBack(handle)
    }
}

/// A gpgme data object, released in `deinit` unless its memory was taken with ``takeBytes()``.
final class GPGData {
    private(set) var handle: gpgme_data_t?
    /// Keeps the file descriptor of a file-backed object open as long as the object.
    private let descriptor: FileDescriptor?

    /// An empty, growable in-memory object (for output).
    init() throws(VerificationError) {
        var data: gpgme_data_t?
        let created = gpgme_data_new(&data)
        guard created.isSuccess, let data else {
            throw verificationError(created, .io, "cannot create a gpgme data buffer")
        }
        handle = data
        descriptor = nil
    }

    /// An in-memory object holding a copy of `bytes`.
    init(copying bytes: [UInt8]) throws(VerificationError) {
        var data: gpgme_data_t?
        let created = bytes.withUnsafeBufferPointer { buffer -> gpgme_error_t in
            // gpgme copies (the last argument), so the buffer only has to live for this call; an empty array may
            // have no base address, and gpgme accepts a zero-length buffer at any non-nil address.
            let empty: CChar = 0
            return withUnsafePointer(to: empty) { emptyPointer in
                let base = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                return gpgme_data_new_from_mem(&data, base ?? emptyPointer, buffer.count, 1)
            }
        }
        guard created.isSuccess, let data else {
            throw verificationError(created, .io, "cannot create a gpgme data buffer")
        }
        handle = data
        descriptor = nil
    }

    /// An object that streams the open file `descriptor` (owned by this object from now on, closed in `deinit`).
    init(descriptor: FileDescriptor) throws(VerificationError) {
        var data: gpgme_data_t?
        let created = gpgme_data_new_from_fd(&data, descriptor.rawValue)
        guard created.isSuccess, let data else {
            try? descriptor.close()
            throw verificationError(created, .io, "cannot create a gpgme data object for a file")
        }
        handle = data
        self.descriptor = descriptor
    }

    /// Releases the object and returns its in-memory contents; the object is unusable afterwards.
    func takeBytes() -> [UInt8] {
        guard let handle else { return [] }
        self.handle = nil
        var length = 0
        guard let memory = gpgme_data_release_and_get_mem(handle, &length) else { return [] }
        defer { gpgme_free(memory) }
        return Array(UnsafeRawBufferPointer(start: memory, count: length))
    }

    deinit {
        if let handle { gpgme_data_release(handle) }
        try? descriptor?.close()
    }
}
