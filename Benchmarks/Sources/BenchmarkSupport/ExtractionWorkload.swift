import Foundation
import SquashFS

#if canImport(Glibc)
    import Glibc
#endif

/// A full extraction of one benchmark image with `SquashFSImage.extract(to:)` into a fresh directory on tmpfs.
///
/// ``setUp()`` builds or finds the image and walks it once through libsquashfs to know what the extraction must
/// create; ``prepareDestination()`` (outside the measurement) makes sure the destination does not exist;
/// ``extract()`` (the measured part) opens the image and extracts all of it with the default options, as
/// `maas-images squashfs extract IMAGE DEST` does, and checks the summary's counts against the libsquashfs walk;
/// ``removeDestination()`` (outside the measurement) deletes the tree again.
///
/// A fixture is used by one benchmark, whose hooks the runner calls one after another, never concurrently.
public final class ExtractionFixture: @unchecked Sendable {
    private let name: String
    private let tree: ImageTree
    private let compression: ImageCompression
    private var imagePath: String?
    private var expected: TreeSummary?

    /// The directory the extraction writes, under `$BENCHMARK_EXTRACT_DIR` (default `/dev/shm`, so that disk I/O is
    /// not measured), unique per process.
    public let destination: String

    /// Creates the fixture of the benchmark `name`, which extracts the image of `tree` with `compression`.
    public init(name: String, tree: ImageTree, compression: ImageCompression) {
        self.name = name
        self.tree = tree
        self.compression = compression
        let configured = ProcessInfo.processInfo.environment["BENCHMARK_EXTRACT_DIR"] ?? ""
        let parent = configured.isEmpty ? "/dev/shm" : configured
        destination = "\(parent)/swift-maas-images-extract-\(getpid())"
    }

    /// Prepares the image and what a walk through libsquashfs finds in it.
    public func setUp() throws {
        let path = try BenchmarkImages.path(for: compression, tree: tree)
        imagePath = path
        expected = try LibSquashFSWorkloads.walk(imageAt: path)
        try removeDestination()
    }

    /// The image, for benchmarks that measure something else on it.
    public func image() throws -> String {
        guard let imagePath else { throw ReaderMismatch("\(name): image() before setUp()") }
        return imagePath
    }

    /// Makes sure the destination does not exist.
    public func prepareDestination() throws {
        try removeDestination()
    }

    /// Extracts the whole image into the destination and checks the counts of what was created; returns the number
    /// of entries created.
    @discardableResult
    public func extract() async throws -> Int {
        guard let imagePath, let expected else { throw ReaderMismatch("\(name): extract() before setUp()") }
        let image = try SquashFSImage(path: imagePath)
        let summary = try await image.extract(to: destination)
        guard summary.files + summary.hardLinks == expected.regularFiles,
            summary.directories == expected.directories,
            summary.symbolicLinks == expected.symbolicLinks,
            summary.specialFiles + summary.skipped.count == expected.otherEntries
        else {
            throw ReaderMismatch(
                "\(name): the extraction of \(imagePath) does not match libsquashfs's walk:\n"
                    + "  extracted: \(summary.files) files + \(summary.hardLinks) hard links, "
                    + "\(summary.directories) directories, \(summary.symbolicLinks) symlinks, "
                    + "\(summary.specialFiles) special (\(summary.skipped.count) skipped)\n"
                    + "  libsquashfs: \(expected)")
        }
        return summary.entries
    }

    /// Deletes the destination tree if it exists.
    public func removeDestination() throws {
        guard FileManager.default.fileExists(atPath: destination) else { return }
        try FileManager.default.removeItem(atPath: destination)
    }
}
