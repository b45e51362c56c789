import Synchronization
internal import SystemLayer
internal import SystemPackage

/// A regular file being extracted: written under a temporary name by one or more parts (runs of data blocks, the
/// tail in a fragment block), possibly on several threads, and renamed to its real name by the part that finishes
/// last.
final class PendingFile: Sendable {
    private struct State {
        var created = false
        var remainingParts: Int
        var sawHole = false
        var renamed = false
    }

    /// The plan entry this file is extracted as.
    let entry: Int
    private let state: Mutex<State>

    /// A file written in `parts` parts. It holds no block list: each part brings the blocks it writes.
    init(entry: Int, parts: Int) {
        self.entry = entry
        self.state = Mutex(State(remainingParts: parts))
    }

    /// Opens the temporary file for writing, creating it (exclusively, never through a symbolic link) the first
    /// time.
    func openTemporary(_ name: [UInt8], in directory: DirectoryDescriptor, path: () -> String) throws(SquashFSError)
        -> FileDescriptor
    {
        try state.withLock { (state) throws(SquashFSError) in
            let created = state.created
            let file = try mapping("create a temporary file for", path) { () throws(FileSystemError) in
                created
                    ? try directory.reopenFileForWriting(name)
                    : try directory.createFile(name, permissions: [.ownerReadWrite])
            }
            state.created = true
            return file
        }
    }

    /// Records that a part was written, and whether it held a hole; for the last part, whether any part held one
    /// (then the file's size must be set explicitly), `nil` for the others.
    func finishPart(sawHole: Bool) -> Bool? {
        state.withLock { state in
            state.remainingParts -= 1
            state.sawHole = state.sawHole || sawHole
            return state.remainingParts == 0 ? state.sawHole : nil
        }
    }

    /// Records that the file is in place under its real name.
    func markRenamed() {
        state.withLock { $0.renamed = true }
    }

    /// Whether a temporary file was left behind (the extraction failed or was cancelled before the rename).
    var leftTemporaryFile: Bool {
        state.withLock { $0.created && !$0.renamed }
    }
}
