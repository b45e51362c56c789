import SquashFS
import Testing

extension StandardTreeTests {
    /// `SquashFSImage.extract(to:)` produces exactly what `unsquashfs -d` (squashfs-tools 4.5.1, run as root) writes
    /// for every image of the standard tree: paths, kinds, all 12 mode bits, owners, mtimes (symbolic links included,
    /// to the nanosecond), sizes, bytes, link targets, device numbers, extended attributes and hard-link groups.
    ///
    /// unsquashfs 4.5.1 as root creates fifos, sockets and device nodes, so there is no deviation to allow for: the
    /// trees must be identical.
    @Suite("Extraction vs unsquashfs -d")
    struct ExtractionDifferentialTests {
        /// Sparse files of the standard tree: (path, size).
        static let sparseFiles: [(path: String, size: Int)] = [
            ("sparse/holes.bin", 8 << 20), ("sparse/hole-at-end.bin", 1_500_000), ("sparse/all-hole.bin", 5 << 20),
        ]

        @Test("the whole image equals unsquashfs -d", arguments: ImageRecipe.differential)
        func wholeImage(_ recipe: ImageRecipe) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(recipe)
            let reference = fixture.directory.appending("unsquashfs-\(recipe.name)")
            let ours = fixture.directory.appending("ours-\(recipe.name)")
            defer {
                removeTree(reference)
                removeTree(ours)
            }
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, opened.path])
            let summary = try await opened.image.extract(to: ours)

            let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: ours)
            #expect(differences.isEmpty, "\(recipe.name):\n\(summarize(differences))")
            #expect(summary.skipped.isEmpty, "running as root, nothing is skipped: \(summary.skipped)")
            let expected = ExpectedCounts(opened.snapshot.walk)
            #expect(ExpectedCounts(summary) == expected, "summary \(ExpectedCounts(summary)), expected \(expected)")

            // Sparse blocks are written as holes: no more allocated than unsquashfs (which seeks over them), and far
            // less than the size.
            for (path, size) in Self.sparseFiles {
                let allocated = try ExtractionChecks.allocatedBytes(ours + "/" + path)
                let referenceAllocated = try ExtractionChecks.allocatedBytes(reference + "/" + path)
                #expect(allocated < size, "\(recipe.name) \(path): \(allocated) bytes allocated for \(size)")
                #expect(
                    allocated <= referenceAllocated,
                    "\(recipe.name) \(path): \(allocated) bytes allocated, unsquashfs \(referenceAllocated)")
            }
        }

        /// Subtrees, each at its canonical path; the ancestors get their image metadata, as with unsquashfs.
        static let subtreeCases: [[String]] = [
            ["etc", "usr/lib"], ["links/second", "devices", "xattrs/capability"],
            ["deep/level-1/level-2", "sparse/hole-at-end.bin"],
        ]

        @Test("subtrees equal unsquashfs -d DEST IMAGE PATH...", arguments: subtreeCases)
        func subtrees(_ paths: [String]) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let name = paths.joined(separator: "+").replacing("/", with: "_")
            let reference = fixture.directory.appending("unsquashfs-subtree-\(name)")
            let ours = fixture.directory.appending("ours-subtree-\(name)")
            defer {
                removeTree(reference)
                removeTree(ours)
            }
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, opened.path] + paths)
            let summary = try await opened.image.extract(to: ours, paths: paths.map { ImagePath($0) })

            let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: ours)
            #expect(differences.isEmpty, "\(paths):\n\(summarize(differences))")
            // The subtrees and their ancestors, nothing else.
            let selected = paths.map { ImagePath("/" + $0) }
            let extractedWalk = opened.snapshot.walk.filter { entry in
                entry.path == .root || selected.contains { entry.path.isInside($0) || $0.isInside(entry.path) }
            }
            #expect(try ExtractionChecks.paths(under: ours) == Set(extractedWalk.map(\.path)))
            let expected = ExpectedCounts(extractedWalk)
            #expect(ExpectedCounts(summary) == expected, "summary \(ExpectedCounts(summary)), expected \(expected)")
        }

        @Test("paths given with a leading slash extract the same subtree")
        func absoluteSubtreePaths() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("gzip"))
            let relative = fixture.directory.appending("ours-relative-paths")
            let absolute = fixture.directory.appending("ours-absolute-paths")
            defer {
                removeTree(relative)
                removeTree(absolute)
            }
            _ = try await opened.image.extract(to: relative, paths: ["etc", "usr/lib"])
            _ = try await opened.image.extract(to: absolute, paths: ["/etc", "/usr/lib"])
            let differences = try ExtractionChecks.treeDifferences(expected: relative, actual: absolute)
            #expect(differences.isEmpty, "\(summarize(differences))")
        }

        @Test("one job and the default number of jobs write identical trees")
        func jobsDoNotMatter() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("gzip-4k"))
            let serial = fixture.directory.appending("ours-jobs-1")
            let parallel = fixture.directory.appending("ours-jobs-default")
            defer {
                removeTree(serial)
                removeTree(parallel)
            }
            var options = ExtractionOptions()
            options.jobs = 1
            let serialSummary = try await opened.image.extract(to: serial, options: options)
            let parallelSummary = try await opened.image.extract(to: parallel)
            #expect(ExtractionOptions().jobs > 1, "the default must use more than one job for this test to mean much")
            #expect(serialSummary == parallelSummary)
            let differences = try ExtractionChecks.treeDifferences(expected: serial, actual: parallel)
            #expect(differences.isEmpty, "\(summarize(differences))")
        }
    }
}
