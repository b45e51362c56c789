internal import CGPGME
import Glibc
import Synchronization

/// A private, temporary GnuPG home directory: made with `mkdtemp` (mode 0700) under `$TMPDIR` or `/tmp`, configured
/// so that gpg never starts a `gpg-agent` and never goes to the network, and removed (after
/// `gpgconf --homedir HOME --kill all`) when the last reference goes away.
///
/// The user's `~/.gnupg` and `GNUPGHOME` are never read or written. Only immutable state is shared, and each
/// operation has its own gpgme context, so one home may serve many tasks at once.
final class GPGHome: Sendable {
    /// The directory's absolute path.
    let path: String

    /// gpgme contexts already bound to this home and not in use, at most ``maximumIdleContexts``.
    private let idleContexts = Mutex<[IdleContext]>([])

    /// How many idle contexts are kept for reuse.
    static let maximumIdleContexts = 16

    /// A context handle in the pool. `@unchecked Sendable` because a handle moves between tasks only through the pool,
    /// and is used by exactly one ``GPGContext`` (one task) between ``takeIdleContext()`` and ``giveBack(_:)``.
    private struct IdleContext: @unchecked Sendable {
        let handle: gpgme_ctx_t
    }

    /// The lines of `gpg.conf`, written before gpg first runs in the home.
    ///
    /// - `no-autostart`: without it even a public-key import leaves a `gpg-agent` daemon running.
    /// - `no-auto-key-retrieve`, `no-auto-key-locate`: never fetch keys while verifying.
    /// - `trust-model always`: acceptance is decided by the keyring, not by the web of trust, and gpg then does not
    ///   create or update a trust database, which several concurrent verifications would otherwise contend for.
    static let configuration = """
        no-autostart
        no-auto-key-retrieve
        no-auto-key-locate
        trust-model always
        no-greeting

        """

    /// Creates the directory and writes its `gpg.conf`.
    init() throws(VerificationError) {
        try GPGME.ready()
        let base = Self.temporaryBase()
        var template = Array("\(base)/maas-gnupg.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let pointer = buffer.baseAddress else { return false }
            return mkdtemp(pointer) != nil
        }
        guard made else {
            throw VerificationError(
                .io, "cannot create a temporary GnuPG home in \(base)", underlyingError: ErrnoError(errno: errno))
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkdtemp already uses 0700; chmod makes it independent of the umask and of the libc.
        chmod(path, 0o700)
        do {
            try Self.write(Array(Self.configuration.utf8), to: path + "/gpg.conf")
        } catch {
            Self.removeTree(path)
            throw error
        }
    }

    /// An idle context bound to this home, if there is one; the caller owns it until ``giveBack(_:)``.
    func takeIdleContext() -> gpgme_ctx_t? {
        idleContexts.withLock { $0.popLast() }?.handle
    }

    /// Returns a context to the pool, or releases it if the pool is full.
    func giveBack(_ handle: gpgme_ctx_t) {
        let surplus = idleContexts.withLock { pool -> IdleContext? in
            guard pool.count < Self.maximumIdleContexts else { return IdleContext(handle: handle) }
            pool.append(IdleContext(handle: handle))
            return nil
        }
        if let surplus { gpgme_release(surplus.handle) }
    }

    deinit {
        for context in idleContexts.withLock({ pool in pool }) { gpgme_release(context.handle) }
        Self.killDaemons(home: path)
        Self.removeTree(path)
    }

    private static func temporaryBase() -> String {
        if let value = getenv("TMPDIR") {
            let directory = String(cString: value)
            if directory.hasPrefix("/") && !directory.isEmpty {
                return directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            }
        }
        return "/tmp"
    }

    /// Writes `bytes` to a new file (mode 0600).
    private static func write(_ bytes: [UInt8], to file: String) throws(VerificationError) {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw VerificationError(.io, "cannot create \(file)", underlyingError: ErrnoError(errno: errno))
        }
        defer { close(descriptor) }
        var done = 0
        while done < bytes.count {
            let written = bytes[done...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw VerificationError(.io, "cannot write \(file)", underlyingError: ErrnoError(errno: errno))
            }
            done += written
        }
    }

    /// Runs `gpgconf --homedir HOME --kill all` and waits for it (belt and braces: `no-autostart` already keeps
    /// agents away). It runs even when the home holds no socket, because gpg may keep sockets under
    /// `/run/user/UID/gnupg` instead.
    private static func killDaemons(home: String) {
        guard let gpgconf = GPGME.gpgconfPath else { return }
        let arguments = [gpgconf, "--homedir", home, "--kill", "all"]
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let spawned = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let argv = buffer.baseAddress else { return -1 }
            return posix_spawn(&pid, gpgconf, &actions, nil, argv, environ)
        }
        guard spawned == 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Removes `directory` and everything below it, without following symbolic links.
    static func removeTree(_ directory: String) {
        if let stream = opendir(directory) {
            var children: [String] = []
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { children.append(directory + "/" + name) }
            }
            closedir(stream)
            for child in children {
                var info = stat()
                guard lstat(child, &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    removeTree(child)
                } else {
                    unlink(child)
                }
            }
        }
        rmdir(directory)
    }
}
