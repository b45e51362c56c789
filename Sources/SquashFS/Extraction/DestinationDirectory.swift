import Glibc
import Synchronization

/// The open directories of an extraction's destination, reached only through directory file descriptors.
///
/// Every directory is opened relative to its parent's descriptor with `O_NOFOLLOW | O_DIRECTORY`, so a symbolic
/// link anywhere in the destination (planted before or during the extraction) is refused instead of followed, and
/// nothing is ever created through a path. Descriptors are shared by the workers, counted while in use and closed
/// least-recently-used first beyond ``capacity``; the destination's own descriptor stays open until `deinit`.
final class DestinationDirectory: Sendable {
    private struct Handle {
        var descriptor: Int32
        var users: Int
        var lastUse: UInt64
    }

    private struct State {
        var handles: [Int: Handle] = [:]
        var clock: UInt64 = 0
    }

    /// The destination path as the caller gave it, for messages.
    let path: String
    /// The plan's entries (shared with the extractor, not copied): parents and names of the directories to open.
    private let entries: [ExtractionPlan.Entry]
    private let state: Mutex<State>
    private let capacity = 64

    /// Opens (creating it if missing) the destination directory at `path`, which becomes entry 0 of `plan`.
    ///
    /// - Throws: `unsafeDestination` if `path` is a symbolic link, is not a directory, or holds entries and
    ///   `allowsNonEmpty` is false; `output` if it cannot be created or opened.
    init(path: String, plan: ExtractionPlan, allowsNonEmpty: Bool) throws {
        // `link/` would resolve the link: the last component is checked without its trailing slashes.
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let path = String(trimmed)
        self.path = path
        self.entries = plan.entries
        let created = mkdir(path, 0o700) == 0
        if !created && errno != EEXIST {
            throw SquashFSError(.output, "\(path): cannot create the destination", underlyingError: SystemError.last)
        }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let error = SystemError.last
            if error.errno == ELOOP || error.errno == ENOTDIR {
                throw SquashFSError(
                    .unsafeDestination, "\(path): the destination is a symbolic link or not a directory",
                    underlyingError: error)
            }
            throw SquashFSError(.output, "\(path): cannot open the destination", underlyingError: error)
        }
        if !created && !allowsNonEmpty {
            do {
                guard try Self.isEmptyDirectory(descriptor) else {
                    throw SquashFSError(
                        .unsafeDestination,
                        "\(path): the destination is not empty (allow replacing it, with --force or allowsNonEmptyDestination, to extract into it)"
                    )
                }
            } catch {
                close(descriptor)
                throw error
            }
        }
        state = Mutex(State(handles: [0: Handle(descriptor: descriptor, users: 1, lastUse: 0)]))
    }

    deinit {
        state.withLock { state in
            for handle in state.handles.values { close(handle.descriptor) }
        }
    }

    private static func isEmptyDirectory(_ descriptor: Int32) throws -> Bool {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0, let directory = fdopendir(duplicate) else {
            throw SquashFSError(.output, "cannot list the destination", underlyingError: SystemError.last)
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == 0x2E && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0))
            }
            if !isDot { return false }
        }
        return true
    }

    /// Runs `body` with an open descriptor of the directory created for plan entry `index`.
    func withDescriptor<Result>(of index: Int, _ body: (Int32) throws -> Result) throws -> Result {
        let descriptor = try acquire(index)
        defer { release(index) }
        return try body(descriptor)
    }

    private func acquire(_ index: Int) throws -> Int32 {
        try state.withLock { state in
            state.clock += 1
            let now = state.clock
            if var handle = state.handles[index] {
                handle.users += 1
                handle.lastUse = now
                state.handles[index] = handle
                return handle.descriptor
            }
            // Open every missing directory from the nearest open ancestor down.
            var missing: [Int] = []
            var current = index
            while state.handles[current] == nil {
                missing.append(current)
                guard current < entries.count, let parent = entries[current].parent else {
                    throw SquashFSError(.invalidArgument, "\(path): no directory for entry \(index)")
                }
                current = parent
            }
            var parentDescriptor = state.handles[current]?.descriptor ?? -1
            for directory in missing.reversed() {
                let descriptor = try entries[directory].name.withCString {
                    openat(parentDescriptor, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                guard descriptor >= 0 else {
                    let error = SystemError.last
                    let location = self.path(of: directory)
                    if error.errno == ELOOP || error.errno == ENOTDIR {
                        throw SquashFSError(
                            .unsafeDestination, "\(location): a symbolic link or file stands where a directory must go",
                            underlyingError: error)
                    }
                    throw SquashFSError(.output, "\(location): cannot open the directory", underlyingError: error)
                }
                state.handles[directory] = Handle(descriptor: descriptor, users: 0, lastUse: now)
                parentDescriptor = descriptor
            }
            state.handles[index]?.users = 1
            evictIdle(&state)
            return parentDescriptor
        }
    }

    private func release(_ index: Int) {
        state.withLock { state in
            state.handles[index]?.users -= 1
        }
    }

    /// Closes the least recently used idle descriptors beyond the capacity (never the destination's).
    private func evictIdle(_ state: inout State) {
        guard state.handles.count > capacity else { return }
        let idle = state.handles.filter { $0.key != 0 && $0.value.users == 0 }.sorted {
            $0.value.lastUse < $1.value.lastUse
        }
        for (index, handle) in idle.prefix(state.handles.count - capacity) {
            close(handle.descriptor)
            state.handles[index] = nil
        }
    }

    /// The on-disk path of plan entry `index`, for messages: the destination, then the entry's path in the image
    /// (the tree under the destination mirrors the image's paths).
    func path(of index: Int) -> String {
        guard index < entries.count, entries[index].parent != nil else { return path }
        return path + entries[index].path.description
    }
}

extension SystemError {
    /// The calling thread's current `errno`.
    static var last: SystemError { SystemError(errno: Glibc.errno) }
}

extension Array where Element == UInt8 {
    /// Calls `body` with the bytes as a NUL-terminated C string (the bytes never contain NUL: image names and link
    /// targets are validated).
    func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) throws -> Result {
        var terminated = self
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { characters in
                guard let base = characters.baseAddress else {
                    throw SquashFSError(.invalidArgument, "empty C string")
                }
                return try body(base)
            }
        }
    }
}
