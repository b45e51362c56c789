import Glibc
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
        var renamed = false
    }

    /// The plan entry this file is extracted as.
    let entry: Int
    let reader: FileReader
    /// Whether some data block is a hole, so the file's size must be set explicitly.
    let hasHoles: Bool
    private let state: Mutex<State>

    init(entry: Int, reader: FileReader, parts: Int) {
        self.entry = entry
        self.reader = reader
        self.hasHoles = (0..<reader.blockCount).contains { reader.isSparse($0) }
        self.state = Mutex(State(remainingParts: parts))
    }

    /// Opens the temporary file for writing, creating it (exclusively, never through a symbolic link) the first
    /// time.
    func openTemporary(_ name: [UInt8], in directory: DirectoryDescriptor, path: () -> String) throws
        -> FileDescriptor
    {
        try state.withLock { state in
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

    /// Records that a part was written; `true` for the last one.
    func finishPart() -> Bool {
        state.withLock { state in
            state.remainingParts -= 1
            return state.remainingParts == 0
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
