import Testing

/// The ``SmallTree`` on disk and its images, built once for the hostile-image suites and removed after them.
final class SmallImageFixture: Sendable {
    /// The fixture of the running suite.
    @TaskLocal static var current: SmallImageFixture?

    /// The images: 4 KiB blocks; gzip, xz, and one with all metadata and data stored uncompressed so that mutations
    /// hit structures rather than checksums.
    static let imageOptions: [(name: String, options: [String])] = [
        ("gzip", ["-b", "4K"]),
        ("xz", ["-comp", "xz", "-b", "4K"]),
        ("uncompressed", ["-noI", "-noD", "-noF", "-noX", "-b", "4K"]),
    ]

    let directory: TemporaryDirectory
    let source: String
    /// Image name to image bytes.
    let images: [String: [UInt8]]

    init() async throws {
        directory = try TemporaryDirectory(prefix: "squashfs-tests-small")
        do {
            source = directory.appending("source")
            try POSIX.makeDirectory(Array(source.utf8))
            try TreeBuilder.build(SmallTree.specification(), at: Array(source.utf8))
            var images: [String: [UInt8]] = [:]
            for (name, options) in Self.imageOptions {
                let path = directory.appending("\(name).sqfs")
                try await ImageBuilder.mksquashfs(source, path, options)
                images[name] = try POSIX.readFile(Array(path.utf8))
            }
            self.images = images
        } catch {
            directory.remove()
            throw error
        }
    }

    /// The fixture of the running suite; fails the test if the suite has no ``SmallImageTrait``.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> SmallImageFixture {
        try #require(current, "the suite needs the .smallImages trait", sourceLocation: sourceLocation)
    }

    /// The bytes of image `name`.
    func image(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        try #require(images[name], "no small image named \(name)", sourceLocation: sourceLocation)
    }
}

/// A suite trait that builds the small images before the suite and removes them after.
struct SmallImageTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try await SmallImageFixture()
        defer { fixture.directory.remove() }
        try await SmallImageFixture.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == SmallImageTrait {
    /// Gives the suite a ``SmallImageFixture``.
    static var smallImages: Self { SmallImageTrait() }
}
