/// The two squashfs readers compared side by side.
public enum Reader: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The package's native reader, `SquashFS`.
    case swift = "Swift"
    /// libsquashfs 1.2 from squashfs-tools-ng.
    case libsquashfs

    public var description: String { rawValue }

    /// The reader this one is checked against.
    public var other: Reader { self == .swift ? .libsquashfs : .swift }

    /// Walks the whole image at `path`; see ``SwiftWorkloads/walk(imageAt:)``.
    public func walk(imageAt path: String) throws -> TreeSummary {
        switch self {
        case .swift: try SwiftWorkloads.walk(imageAt: path)
        case .libsquashfs: try LibSquashFSWorkloads.walk(imageAt: path)
        }
    }

    /// Reads every regular file of the image at `path`; see ``SwiftWorkloads/readAllFiles(imageAt:)``.
    public func readAllFiles(imageAt path: String) throws -> ReadSummary {
        switch self {
        case .swift: try SwiftWorkloads.readAllFiles(imageAt: path)
        case .libsquashfs: try LibSquashFSWorkloads.readAllFiles(imageAt: path)
        }
    }
}

/// One benchmark's fixture: the image it reads, and what the *other* reader found in it.
///
/// ``setUp()`` (the benchmark's setup hook, outside the measurement) builds or finds the image and runs the workload
/// once through the other reader; ``run()`` (the measured body) runs it through this reader and throws
/// ``ReaderMismatch`` unless both agree on every count, byte total and checksum. Each benchmark runs in a process of
/// its own, so this is how the two sides of a comparison are checked against each other.
///
/// A fixture is used by one benchmark, whose hooks the runner calls one after another, never concurrently.
public final class CrossCheckedWorkload<Summary: Equatable & CustomStringConvertible> {
    /// What the measured body does.
    public typealias Workload = (Reader, String) throws -> Summary

    private let name: String
    private let reader: Reader
    private let compression: ImageCompression
    private let workload: Workload
    private var imagePath: String?
    private var expected: Summary?

    /// Creates the fixture of the benchmark `name`, which runs `workload` through `reader` on the image with
    /// `compression`.
    public init(name: String, reader: Reader, compression: ImageCompression, workload: @escaping Workload) {
        self.name = name
        self.reader = reader
        self.compression = compression
        self.workload = workload
    }

    /// Prepares the image and the other reader's result.
    public func setUp() throws {
        let path = try BenchmarkImages.path(for: compression)
        imagePath = path
        expected = try workload(reader.other, path)
    }

    /// Runs the workload once and checks its result against the other reader's.
    @discardableResult
    public func run() throws -> Summary {
        guard let imagePath, let expected else { throw ReaderMismatch("\(name): run() before setUp()") }
        let summary = try workload(reader, imagePath)
        guard summary == expected else {
            throw ReaderMismatch(
                "\(name): the readers disagree about \(imagePath):\n"
                    + "  \(reader): \(summary)\n  \(reader.other): \(expected)")
        }
        return summary
    }
}
