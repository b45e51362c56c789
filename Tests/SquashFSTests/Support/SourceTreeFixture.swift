import SquashFS
import Testing

/// The standard source tree on disk, its snapshot, and the images built from it on demand (each once).
///
/// A suite gets one with the ``SourceTreeTrait`` (`@Suite(.standardSourceTree)`); the tree and all images are removed
/// when the suite ends.
final class SourceTreeFixture: Sendable {
    /// The fixture of the running suite.
    @TaskLocal static var current: SourceTreeFixture?

    /// Holds everything: the source tree, images, extractions.
    let directory: TemporaryDirectory
    /// The source tree's root.
    let source: String
    /// The source tree as recorded from disk.
    let snapshot: TreeSnapshot
    private let images: ImageStore

    init() async throws {
        directory = try TemporaryDirectory(prefix: "squashfs-tests-tree")
        do {
            source = directory.appending("source")
            try POSIX.makeDirectory(Array(source.utf8))
            try TreeBuilder.build(StandardTree.specification(), at: Array(source.utf8))
            snapshot = try DirectorySnapshot.take(Array(source.utf8))
            images = ImageStore(directory: directory)
        } catch {
            directory.remove()
            throw error
        }
    }

    /// The fixture of the running suite; fails the test if the suite has no ``SourceTreeTrait``.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceTreeFixture {
        try #require(current, "the suite needs the .standardSourceTree trait", sourceLocation: sourceLocation)
    }

    /// The path of the image `recipe` builds from the source tree (built on first use).
    func image(_ recipe: ImageRecipe) async throws -> String {
        try await images.opened(recipe, source: source).path
    }

    /// The image `recipe` builds, opened once and walked once; tests share the instance (it is `Sendable`).
    func opened(_ recipe: ImageRecipe) async throws -> OpenedImage {
        try await images.opened(recipe, source: source)
    }

    /// The path of a file of the source tree (`relative` without a leading slash).
    func sourcePath(_ relative: [UInt8]) -> [UInt8] {
        POSIX.join(Array(source.utf8), relative)
    }
}

/// An image built from the source tree, opened, with the result of walking it.
struct OpenedImage: Sendable {
    var path: String
    var image: SquashFSImage
    var snapshot: ImageSnapshot

    /// The image and its walk, for destructuring.
    var parts: (SquashFSImage, ImageSnapshot) { (image, snapshot) }
}

/// Builds, opens and walks each image once, even when several tests ask for it at the same time.
private actor ImageStore {
    private let directory: TemporaryDirectory
    private var builds: [String: Task<OpenedImage, any Error>] = [:]

    init(directory: TemporaryDirectory) { self.directory = directory }

    func opened(_ recipe: ImageRecipe, source: String) async throws -> OpenedImage {
        if let build = builds[recipe.name] { return try await build.value }
        let output = directory.appending("\(recipe.name).sqfs")
        let scratch = directory
        let build = Task { try await Self.build(recipe, source: source, output: output, scratch: scratch) }
        builds[recipe.name] = build
        return try await build.value
    }

    /// Builds, opens and walks one image off the actor, so that images are built and walked in parallel.
    private nonisolated static func build(
        _ recipe: ImageRecipe, source: String, output: String, scratch: TemporaryDirectory
    ) async throws -> OpenedImage {
        try await ImageBuilder.build(recipe, source: source, output: output, scratch: scratch)
        let image = try SquashFSImage(path: output)
        return OpenedImage(path: output, image: image, snapshot: try ImageSnapshot(image))
    }
}

/// A suite trait that creates the standard source tree before the suite and removes it (and its images) after.
struct SourceTreeTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try await SourceTreeFixture()
        defer { fixture.directory.remove() }
        try await SourceTreeFixture.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == SourceTreeTrait {
    /// Gives the suite a ``SourceTreeFixture``.
    static var standardSourceTree: Self { SourceTreeTrait() }
}
