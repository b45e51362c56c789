import SquashFS
import Testing

extension StandardTreeTests {
    /// The reader's view of each image equals what `unsquashfs -d` extracts from it (as root: owners, modes, times,
    /// devices, extended attributes, hard links and byte-exact odd names), and every file's bytes match.
    @Suite("Differential: reader vs unsquashfs extraction")
    struct DifferentialExtractionTests {
        @Test("tree and file contents equal the unsquashfs extraction", arguments: ImageRecipe.differential)
        func matchesExtraction(_ recipe: ImageRecipe) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(recipe)
            let (path, image, snapshot) = (opened.path, opened.image, opened.snapshot)
            let extraction = fixture.directory.appending("extract-\(recipe.name)")
            defer { removeTree(extraction) }
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", extraction, path])
            let expected = try DirectorySnapshot.take(Array(extraction.utf8))

            // unsquashfs reproduces the image exactly, except that the file system computes directory link counts.
            var fidelity = Fidelity.full
            fidelity.xattrs = recipe.fidelity.xattrs
            fidelity.directoryLinkCounts = recipe.fidelity.directoryLinkCounts
            let differences = SnapshotComparison.differences(
                expected: expected, actual: snapshot.tree, fidelity: fidelity)
            #expect(differences.isEmpty, "\(summarize(differences))")

            let contentDifferences = try ContentComparison.wholeFileDifferences(
                image: image, snapshot: snapshot, root: Array(extraction.utf8))
            #expect(contentDifferences.isEmpty, "\(summarize(contentDifferences))")
        }

        @Test("files equal unsquashfs -cat", arguments: ImageRecipe.differential)
        func matchesCat(_ recipe: ImageRecipe) async throws {
            let opened = try await SourceTreeFixture.require().opened(recipe)
            let (path, image) = (opened.path, opened.image)
            let files = [
                "data/random-2m.bin", "data/random-300k-copy.bin", "sparse/holes.bin", "sizes/size-4097",
                "sizes/size-131072", "links/sub/third", "usr/lib/os-release",
            ]
            for file in files {
                let expected = try await ProcessRunner.run("unsquashfs", ["-cat", path, file]).standardOutput
                let actual = try image.contentsOfFile(at: "/" + file)
                #expect(byteDifference(actual, expected) == nil, "\(file): \(byteDifference(actual, expected) ?? "")")
            }
        }
    }
}
