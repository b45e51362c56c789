import Synchronization
internal import SystemLayer
internal import SystemPackage

/// The open directories of an extraction's destination, reached only through directory file descriptors.
///
/// Every directory is a `DirectoryDescriptor` of the system layer (the confined directory the image mirror writes
/// through too), opened relative to its parent's descriptor with `O_NOFOLLOW | O_DIRECTORY`, so a symbolic link
/// anywhere in the destination (planted before or during the extraction) is refused instead of followed, and
/// nothing is ever created through a path. Descriptors are shared by the workers, counted while in use and closed
/// least-recently-used first beyond ``capacity``; the destination's own descriptor stays open until `deinit`.
final class DestinationDirectory: Sendable {
    private struct Handle {
        var directory: DirectoryDescriptor
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
    init(path: String, plan: ExtractionPlan, allowsNonEmpty: Bool) throws(SquashFSError) {
        // `link/` would resolve the link: the last component is checked without its trailing slashes.
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let path = String(trimmed)
        self.path = path
        self.entries = plan.entries
        let root: DirectoryDescriptor
        let created: Bool
        do throws(FileSystemError) {
            (root, created) = try DirectoryDescriptor.openCreatingLast(path, permissions: [.ownerReadWriteExecute])
        } catch {
            if case .wrongKind = error.reason {
                throw SquashFSError(
                    .unsafeDestination, "\(path): the destination is a symbolic link or not a directory",
                    underlyingError: error.underlying)
            }
            let action = error.operation == "create the directory" ? "create" : "open"
            throw SquashFSError(
                .output, "\(path): cannot \(action) the destination", underlyingError: error.underlying)
        }
        if !created && !allowsNonEmpty {
            let isEmpty: Bool
            do throws(FileSystemError) {
                isEmpty = try root.isEmpty()
            } catch {
                throw SquashFSError(.output, "cannot list the destination", underlyingError: error.underlying)
            }
            guard isEmpty else {
                throw SquashFSError(
                    .unsafeDestination,
                    "\(path): the destination is not empty (allow replacing it, with --force or allowsNonEmptyDestination, to extract into it)"
                )
            }
        }
        state = Mutex(State(handles: [0: Handle(directory: root, users: 1, lastUse: 0)]))
    }

    /// Runs `body` with the open directory created for plan entry `index`.
    func withDirectory<Result>(of index: Int, _ body: (DirectoryDescriptor) throws(SquashFSError) -> Result)
        throws(SquashFSError) -> Result
    {
        let directory = try acquire(index)
        defer { release(index) }
        return try body(directory)
    }

    private func acquire(_ index: Int) throws(SquashFSError) -> DirectoryDescriptor {
        try state.withLock { (state) throws(SquashFSError) in
            state.clock += 1
            if var handle = state.handles[index] {
                handle.users += 1
                handle.lastUse = state.clock
                state.handles[index] = handle
                return handle.directory
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
            guard var parentDirectory = state.handles[current]?.directory else {
                throw SquashFSError(.invalidArgument, "\(path): no directory for entry \(index)")
            }
            // Opened top-down, each a little more recent than its parent, and idle ones closed as the chain goes:
            // a deep chain keeps its deepest directories (those a bottom-up pass asks for next), never all of them.
            state.handles[current]?.users += 1
            defer { state.handles[current]?.users -= 1 }
            for directory in missing.reversed() {
                do throws(FileSystemError) {
                    parentDirectory = try parentDirectory.openDirectory(entries[directory].name)
                } catch {
                    let location = self.path(of: directory)
                    if case .wrongKind = error.reason {
                        throw SquashFSError(
                            .unsafeDestination, "\(location): a symbolic link or file stands where a directory must go",
                            underlyingError: error.underlying)
                    }
                    throw SquashFSError(
                        .output, "\(location): cannot open the directory", underlyingError: error.underlying)
                }
                state.clock += 1
                state.handles[directory] = Handle(directory: parentDirectory, users: 0, lastUse: state.clock)
                evictIdle(&state)
            }
            state.handles[index, default: Handle(directory: parentDirectory, users: 0, lastUse: state.clock)].users = 1
            return parentDirectory
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
        for (index, _) in idle.prefix(state.handles.count - capacity) {
            state.handles[index] = nil
        }
    }

    /// The on-disk path of plan entry `index`, for messages: the destination, then the entry's path in the image
    /// (the tree under the destination mirrors the image's paths).
    func path(of index: Int) -> String {
        guard index < entries.count, entries[index].parent != nil else { return path }
        return path + ExtractionPlan.path(of: index, in: entries).description
    }
}
