internal import CGPGME
import Synchronization
internal import SystemLayer
internal import SystemPackage

/// A private, temporary GnuPG home directory: made with `mkdtemp` (mode 0700) under `$TMPDIR` or `/tmp`, configured
/// so that gpg never starts a `gpg-agent` and never goes to the network, and removed (after
/// `gpgconf --homedir HOME --kill all`) when the last reference goes away.
///
/// A process killed before it could remove its homes leaves them behind, so each home records its owner in
/// `owner.pid` (the process id, then the pid namespace), and the first home a process makes under a temporary
/// directory removes the `maas-gnupg.*` homes there that belong to this user and whose recorded process no longer
/// exists in this pid namespace (see ``removeStaleHomes(in:)``).
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

    /// The name of the file in a home that records its owner: `PID\nNAMESPACE\n`.
    static let ownerFileName = "owner.pid"

    /// The prefix of every home's name.
    static let namePrefix = "maas-gnupg."

    /// The temporary directories whose stale homes this process has already removed.
    private static let cleanedBases = Mutex<Set<String>>([])

    /// Creates the directory, records its owner and writes its `gpg.conf`; the first time under a temporary
    /// directory, removes the stale homes of dead processes there first.
    init() throws(VerificationError) {
        try GPGME.ready()
        let base = ProcessEnvironment.temporaryDirectory.string
        if Self.cleanedBases.withLock({ $0.insert(base).inserted }) { Self.removeStaleHomes(in: base) }
        do {
            path = try PrivateDirectory.create(in: FilePath(base), namePrefix: Self.namePrefix).string
        } catch {
            throw VerificationError(.io, "cannot create a temporary GnuPG home in \(base)", underlyingError: error)
        }
        do {
            let home = try DirectoryDescriptor.open(path)
            try Self.write(Array(Self.ownerRecord.utf8), to: Self.ownerFileName, in: home)
            try Self.write(Array(Self.configuration.utf8), to: "gpg.conf", in: home)
        } catch {
            Self.removeTree(path)
            throw VerificationError(.io, "cannot prepare the temporary GnuPG home \(path)", underlyingError: error)
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

    /// Writes `bytes` to a new file `name` (mode 0600) in `directory`.
    private static func write(_ bytes: [UInt8], to name: String, in directory: DirectoryDescriptor)
        throws(FileSystemError)
    {
        let file = try directory.createFile(Array(name.utf8), permissions: [.ownerReadWrite])
        defer { try? file.close() }
        try FileIO.writeAll(file, bytes, directory.child(Array(name.utf8)))
    }

    /// Runs `gpgconf --homedir HOME --kill all` and waits for it (belt and braces: `no-autostart` already keeps
    /// agents away). It runs even when the home holds no socket, because gpg may keep sockets under
    /// `/run/user/UID/gnupg` instead.
    private static func killDaemons(home: String) {
        guard let gpgconf = GPGME.gpgconfPath else { return }
        Processes.runToCompletion(FilePath(gpgconf), arguments: ["--homedir", home, "--kill", "all"])
    }

    /// Removes `directory` and everything below it, without following symbolic links: every name is removed through
    /// the descriptor of its directory (`unlinkat`), and directories are entered with `O_NOFOLLOW`.
    static func removeTree(_ directory: String) {
        if let home = try? DirectoryDescriptor.open(directory) { removeContents(of: home, depth: 0) }
        PrivateDirectory.removeIfEmpty(FilePath(directory))
    }

    /// Removes everything inside `directory` (depth-first, at most 32 levels: gpg makes two).
    private static func removeContents(of directory: DirectoryDescriptor, depth: Int) {
        guard depth < 32, let names = try? directory.names() else { return }
        for name in names {
            guard let status = try? directory.status(name) else { continue }
            if status.type == .directory {
                if let child = try? directory.openDirectory(name) { removeContents(of: child, depth: depth + 1) }
                _ = try? directory.removeDirectoryIfEmpty(name)
            } else {
                try? directory.remove(name)
            }
        }
    }

    // MARK: - Stale homes

    /// What `owner.pid` holds for this process: its pid, then its pid namespace (`pid:[4026531836]`).
    static var ownerRecord: String { "\(Processes.currentID)\n\(currentPIDNamespace)\n" }

    /// This process's pid namespace, as `/proc/self/ns/pid` names it, or empty when it cannot be read.
    static var currentPIDNamespace: String { Processes.pidNamespace }

    /// Removes the homes in `base` left by processes that died without removing them: every `maas-gnupg.*`
    /// directory (not a symbolic link) owned by this user whose `owner.pid` names a process of this pid namespace
    /// that no longer exists (`kill(pid, 0)` fails with `ESRCH`). A home without a readable `owner.pid` (one being
    /// made, or made by an older version) is left alone, as is anything of another user or namespace. Everything is
    /// done through directory descriptors, never following a symbolic link; failures are ignored (the cleanup is a
    /// courtesy, and another process may be removing the same home).
    ///
    /// - Returns: The names removed.
    @discardableResult
    static func removeStaleHomes(in base: String) -> [String] {
        guard let basePath = PrivateDirectory.resolved(FilePath(base))?.string else { return [] }
        guard let directory = try? DirectoryDescriptor.open(basePath), let names = try? directory.names() else {
            return []
        }
        let prefix = Array(namePrefix.utf8)
        var removed: [String] = []
        for name in names where name.starts(with: prefix) && name.count > prefix.count {
            guard let status = try? directory.status(name), status.type == .directory,
                status.userID.rawValue == Processes.effectiveUserID,
                let home = try? directory.openDirectory(name),
                let owner = recordedOwner(of: home), isStale(owner)
            else { continue }
            removeContents(of: home, depth: 0)
            if (try? directory.removeDirectoryIfEmpty(name)) == true {
                removed.append(String(decoding: name, as: UTF8.self))
            }
        }
        return removed
    }

    /// The pid and pid namespace `owner.pid` of `home` records, if it holds them.
    private static func recordedOwner(of home: DirectoryDescriptor) -> RecordedOwner? {
        guard let file = try? home.openFile(Array(ownerFileName.utf8)) else { return nil }
        defer { try? file.close() }
        guard let bytes = try? FileIO.readAll(file, home.child(Array(ownerFileName.utf8)), maximumSize: 4096) else {
            return nil
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, let pid = Int32(first), pid > 0 else { return nil }
        return RecordedOwner(pid: pid, namespace: lines.count > 1 ? String(lines[1]) : "")
    }

    /// Whether the recorded owner is a process of this pid namespace that no longer exists.
    private static func isStale(_ owner: RecordedOwner) -> Bool {
        guard owner.namespace == currentPIDNamespace, owner.pid != Processes.currentID else { return false }
        return Processes.isGone(owner.pid)
    }

    /// What a home's `owner.pid` records.
    private struct RecordedOwner {
        /// The owner's process id.
        var pid: Int32
        /// The owner's pid namespace.
        var namespace: String
    }
}
