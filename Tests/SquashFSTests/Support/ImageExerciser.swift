import SquashFS
import SystemPackage

/// Processes a possibly hostile image completely (open, walk everything, read every file whole and in ranges, list
/// and look up every directory, read extended attributes and symbolic links, resolve paths) and reports any failure
/// that is not a ``SquashFSError``. Crashes and hangs are what the callers' process and time limits catch.
enum ImageExerciser {
    /// What happened.
    struct Outcome {
        /// Whether the image opened.
        var opened = false
        /// How many operations succeeded and how many threw a `SquashFSError`.
        var successes = 0
        var squashFSErrors = 0
        /// Errors of any other type: each one is a test failure.
        var foreignErrors: [String] = []
    }

    /// Bounds on the work per image, well above what the small test images hold.
    static let maximumEntries = 20_000
    static let maximumFileBytes: UInt64 = 16 << 20

    /// Opens the image in `fd` (the image keeps its own duplicate) and exercises it.
    static func exercise(fileDescriptor fd: Int32, options: SquashFSImage.Options = .init()) -> Outcome {
        var outcome = Outcome()
        let image: SquashFSImage
        do {
            image = try SquashFSImage(fileDescriptor: FileDescriptor(rawValue: fd), options: options)
        } catch {
            record(error, in: &outcome)
            return outcome
        }
        outcome.opened = true
        exercise(image, outcome: &outcome)
        return outcome
    }

    /// Exercises an open image.
    static func exercise(_ image: SquashFSImage, outcome: inout Outcome) {
        _ = image.superblock
        var entries: [WalkEntry] = []
        attempt(&outcome) {
            var walker = try image.walk()
            while entries.count < maximumEntries, let entry = try walker.next() { entries.append(entry) }
        }
        for entry in entries {
            let inode = entry.inode
            attempt(&outcome) { _ = try image.extendedAttributes(of: inode) }
            attempt(&outcome) { _ = try image.inode(at: inode.reference) }
            switch inode.kind {
            case .regularFile:
                attempt(&outcome) {
                    let reader = try image.fileReader(for: inode)
                    _ = try reader.readAll(maximumSize: maximumFileBytes)
                }
                attempt(&outcome) {
                    let reader = try image.fileReader(for: inode)
                    for offset in [0, reader.size / 2, reader.size &- 1, reader.size, reader.size &+ 1, 4095, 4096] {
                        _ = try reader.read(at: offset, count: 5000)
                    }
                }
            case .directory:
                attempt(&outcome) {
                    let children = try image.contentsOfDirectory(inode)
                    for child in children.prefix(64) {
                        _ = try image.entry(named: child.name, in: inode)
                        _ = try image.inode(for: child)
                    }
                    _ = try image.entry(named: Array("zzz-absent".utf8), in: inode)
                    _ = try image.entry(named: [0x01], in: inode)
                }
            case .symbolicLink:
                attempt(&outcome) { _ = try image.symlinkTarget(at: entry.path) }
                attempt(&outcome) { _ = try image.inode(at: entry.path) }
            default:
                break
            }
        }
        for path in SmallTree.probePaths {
            attempt(&outcome) { _ = try image.resolve(ImagePath(path)) }
            attempt(&outcome) { _ = try image.contentsOfFile(at: ImagePath(path), maximumSize: maximumFileBytes) }
        }
        attempt(&outcome) {
            var walker = try image.walk(from: "/dir", recursive: false)
            while try walker.next() != nil {}
        }
    }

    private static func attempt(_ outcome: inout Outcome, _ body: () throws -> Void) {
        do {
            try body()
            outcome.successes += 1
        } catch {
            record(error, in: &outcome)
        }
    }

    private static func record(_ error: any Error, in outcome: inout Outcome) {
        if error is SquashFSError {
            outcome.squashFSErrors += 1
        } else {
            outcome.foreignErrors.append("\(type(of: error)): \(error)")
        }
    }
}
