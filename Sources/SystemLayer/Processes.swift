internal import Glibc
package import SystemPackage

/// The running process and the child processes it runs: its ids, whether another process still exists, and a
/// program run to completion with its output discarded.
package enum Processes {
    /// The id of this process.
    ///
    /// The corresponding C function is `getpid`.
    package static var currentID: Int32 { getpid() }

    /// The effective user id of this process.
    ///
    /// The corresponding C function is `geteuid`.
    package static var effectiveUserID: UInt32 { geteuid() }

    /// This process's pid namespace, as `/proc/self/ns/pid` names it (`pid:[4026531836]`), or empty when the system
    /// does not tell.
    ///
    /// The corresponding C function is `readlink`.
    package static let pidNamespace: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return -1 }
            return readlink("/proc/self/ns/pid", base, buffer.count - 1)
        }
        guard count > 0 else { return "" }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Whether no process `id` exists (in this pid namespace): `kill(id, 0)` fails with `ESRCH`. A process that
    /// exists but belongs to another user is not gone.
    ///
    /// The corresponding C function is `kill`.
    package static func isGone(_ id: Int32) -> Bool {
        kill(id, 0) != 0 && Errno(rawValue: errno) == .noSuchProcess
    }

    /// Runs the program at `executable` with `arguments` (the first argument is the program name, not included),
    /// its standard output and error going to `/dev/null`, and waits for it to exit.
    ///
    /// - Returns: Whether the program could be started (its exit status is not looked at).
    ///
    /// The corresponding C functions are `posix_spawn` and `waitpid`.
    @discardableResult
    package static func runToCompletion(_ executable: FilePath, arguments: [String]) -> Bool {
        let path = executable.string
        var cArguments: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) }
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
            return posix_spawn(&pid, path, &actions, nil, argv, environ)
        }
        guard spawned == 0 else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return true
    }

    /// The number of processors online, at least 1.
    ///
    /// The corresponding C function is `sysconf(_SC_NPROCESSORS_ONLN)`.
    package static var onlineProcessorCount: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }
}
