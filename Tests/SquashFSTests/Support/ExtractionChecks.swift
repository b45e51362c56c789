import Glibc
import SquashFS

/// Checks on directories written by `SquashFSImage.extract(to:)`: against another extraction (`unsquashfs -d`), and
/// against the image itself after a failed or cancelled extraction.
enum ExtractionChecks {
    /// Every difference between two extracted trees: what ``SnapshotComparison`` compares with full fidelity (kinds,
    /// modes, owners, mtimes, sizes, link targets, devices, xattrs, link counts, hard-link groups), plus the
    /// nanoseconds of every mtime and the bytes of every regular file.
    static func treeDifferences(expected: String, actual: String) throws -> [String] {
        let expectedRoot = Array(expected.utf8)
        let actualRoot = Array(actual.utf8)
        let want = try DirectorySnapshot.take(expectedRoot)
        let got = try DirectorySnapshot.take(actualRoot)
        var result = SnapshotComparison.differences(expected: want, actual: got, fidelity: .full)
        for (path, record) in want.entries.sorted(by: { $0.key < $1.key }) {
            guard let other = got.entries[path], other.kind == record.kind else { continue }
            let relative = ContentComparison.relative(path)
            let wantInfo = try POSIX.lstat(POSIX.join(expectedRoot, relative))
            let gotInfo = try POSIX.lstat(POSIX.join(actualRoot, relative))
            if wantInfo.st_mtim.tv_nsec != gotInfo.st_mtim.tv_nsec {
                result.append(
                    "\(path): mtime nanoseconds \(gotInfo.st_mtim.tv_nsec), expected \(wantInfo.st_mtim.tv_nsec)")
            }
            if record.kind == .regularFile {
                let wantBytes = try POSIX.readFile(POSIX.join(expectedRoot, relative))
                let gotBytes = try POSIX.readFile(POSIX.join(actualRoot, relative))
                if let difference = byteDifference(gotBytes, wantBytes) { result.append("\(path): \(difference)") }
            }
        }
        return result
    }

    /// The bytes the file system allocated for `path` (`st_blocks` × 512).
    static func allocatedBytes(_ path: String) throws -> Int {
        Int(try POSIX.lstat(Array(path.utf8)).st_blocks) * 512
    }

    /// What is wrong with a destination after an extraction of `image` that failed or was cancelled: every path under
    /// `root` must be a path of the image (no temporary or stray names), of the same kind, and every regular file must
    /// hold exactly the image's bytes (no half-written file under its final name).
    static func partialExtractionProblems(root: String, image: SquashFSImage, snapshot: ImageSnapshot) throws
        -> [String]
    {
        let rootBytes = Array(root.utf8)
        guard (try? POSIX.lstat(rootBytes)) != nil else { return [] }
        let onDisk = try DirectorySnapshot.take(rootBytes)
        var result: [String] = []
        for (path, record) in onDisk.entries.sorted(by: { $0.key < $1.key }) {
            guard let expected = snapshot.tree.entries[path] else {
                result.append("\(path): not a path of the image (a temporary or stray file)")
                continue
            }
            guard expected.kind == record.kind else {
                result.append("\(path): a \(record.kind), the image has a \(expected.kind)")
                continue
            }
            if record.kind == .regularFile {
                let bytes = try POSIX.readFile(POSIX.join(rootBytes, ContentComparison.relative(path)))
                let inode = try image.inode(at: path, followSymlinks: false)
                let want = try image.fileReader(for: inode).readAll()
                if let difference = byteDifference(bytes, want) { result.append("\(path): \(difference)") }
            }
        }
        return result
    }

    /// The paths under `root`, `/` for `root` itself (empty if `root` does not exist).
    static func paths(under root: String) throws -> Set<ImagePath> {
        guard (try? POSIX.lstat(Array(root.utf8))) != nil else { return [] }
        return Set(try DirectorySnapshot.take(Array(root.utf8)).entries.keys)
    }
}

/// What ``ExtractionSummary`` and ``ExtractionProgress`` must report for extracting `walk` (an image walk, or the part
/// of it that is extracted): each inode's bytes once, each path one entry, the first name of an inode counted by
/// kind and the others as hard links.
struct ExpectedCounts: Equatable, CustomStringConvertible {
    var files = 0
    var directories = 0
    var symbolicLinks = 0
    var hardLinks = 0
    var specialFiles = 0
    var bytes: UInt64 = 0

    var entries: Int { files + directories + symbolicLinks + hardLinks + specialFiles }

    init(_ walk: [WalkEntry]) {
        var seen: Set<InodeReference> = []
        for entry in walk {
            guard seen.insert(entry.inode.reference).inserted else {
                hardLinks += 1
                continue
            }
            switch entry.inode.kind {
            case .regularFile:
                files += 1
                bytes += entry.inode.size
            case .directory: directories += 1
            case .symbolicLink: symbolicLinks += 1
            default: specialFiles += 1
            }
        }
    }

    init(_ summary: ExtractionSummary) {
        files = summary.files
        directories = summary.directories
        symbolicLinks = summary.symbolicLinks
        hardLinks = summary.hardLinks
        specialFiles = summary.specialFiles
        bytes = summary.bytes
    }

    var description: String {
        "files \(files), directories \(directories), symlinks \(symbolicLinks), hard links \(hardLinks), "
            + "special \(specialFiles), bytes \(bytes)"
    }
}
