import Glibc
import SquashFS
import Synchronization
import SystemPackage
import TestSupport
import Testing

extension StandardTreeTests {
    /// `SquashFSImage.writeTar`: GNU tar (1.34, as root) extracting the archive with
    /// `--xattrs --xattrs-include='*' --numeric-owner -xpf` gives exactly the tree `unsquashfs -d` extracts (kinds,
    /// all mode bits, owners, mtimes, bytes, link targets, devices, xattrs, hard-link groups), but the sockets tar
    /// cannot hold; the standard tree has 255-byte, invalid-UTF-8 and control-character names, 40-deep paths, a
    /// 4000-byte link target, ids over 2097151, hard links to a symbolic link and a fifo, and sparse files.
    @Suite("tar archive vs unsquashfs -d")
    struct TarArchiveTests {
        static let recipes = ["xz", "gzip-4k", "zstd"]

        @Test("tar -x of the archive equals unsquashfs -d", arguments: recipes)
        func extractedTree(_ recipeName: String) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named(recipeName))
            let archive = fixture.directory.appending("tar-\(recipeName).tar")
            let reference = fixture.directory.appending("tar-unsquashfs-\(recipeName)")
            let ours = fixture.directory.appending("tar-extracted-\(recipeName)")
            defer {
                removeTree(reference)
                removeTree(ours)
                unlink(archive)
            }
            let summary = try await Self.write(opened.image, to: archive)
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, opened.path])
            try POSIX.makeDirectory(Array(ours.utf8))
            try await ProcessRunner.run(
                "tar", ["--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", archive, "-C", ours])

            let differences = try Self.treeDifferences(expected: reference, actual: ours)
            #expect(differences.isEmpty, "\(recipeName):\n\(summarize(differences))")

            let sockets = opened.snapshot.walk.filter { $0.inode.kind == .socket }.map(\.path)
            #expect(summary.skippedSockets == sockets)
            #expect(summary.entries == opened.snapshot.walk.count - sockets.count)
            // The sparse files, and data/zeros-1m, whose zero blocks mksquashfs stores as holes.
            #expect(summary.sparseFiles == ExtractionDifferentialTests.sparseFiles.count + 1)
            // Holes are neither stored in the archive (14 MB of the sparse files' 14.5) nor written by tar.
            var seen = Set<InodeReference>()
            let totalSize = opened.snapshot.walk.filter { $0.inode.kind == .regularFile }
                .filter { seen.insert($0.inode.reference).inserted }.reduce(UInt64(0)) { $0 + $1.inode.size }
            #expect(summary.contentBytes + 12_000_000 < totalSize, "\(summary.contentBytes) of \(totalSize) stored")
            for (path, size) in ExtractionDifferentialTests.sparseFiles {
                let allocated = try ExtractionChecks.allocatedBytes(ours + "/" + path)
                #expect(allocated < size / 2, "\(recipeName) \(path): \(allocated) bytes allocated for \(size)")
            }
            let archiveFile = try FileDescriptor.open(archive, .readOnly)
            let archiveSize = try archiveFile.closeAfter { try archiveFile.seek(offset: 0, from: .end) }
            #expect(UInt64(archiveSize) == summary.archiveBytes)
            #expect(summary.archiveBytes % 512 == 0)
        }

        @Test("the archive is byte-for-byte the same whatever the number of jobs")
        func reproducible() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("gzip-4k"))
            var one = TarOptions()
            one.jobs = 1
            var three = TarOptions()
            three.jobs = 3
            let first = try await Self.bytes(opened.image, options: one)
            let second = try await Self.bytes(opened.image, options: three)
            #expect(first.count > 1 << 20)
            #expect(first == second)
        }

        @Test(
            "each compression round-trips through the system tool and is reproducible",
            arguments: [(TarOptions.Compression.gzip, "gzip"), (.xz, "xz"), (.zstd, "zstd")])
        func compression(_ compression: TarOptions.Compression, _ tool: String) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let plain = try await Self.bytes(opened.image, options: TarOptions())
            var options = TarOptions()
            options.compression = compression
            // The fastest level keeps the test short on CI; the encoders' code paths are the same.
            options.compressionLevel = 1
            options.jobs = 1
            let archive = fixture.directory.appending("compressed-\(tool).tar")
            defer { unlink(archive) }
            _ = try await Self.write(opened.image, to: archive, options: options)
            let decompressed = try await ProcessRunner.run(tool, ["-dc", archive])
            #expect(decompressed.standardOutput == plain, "\(tool) -dc gives the plain archive")
            let stored = try POSIX.readFile(Array(archive.utf8))
            #expect(stored.count < plain.count)
            options.jobs = 2
            #expect(try await Self.bytes(opened.image, options: options) == stored, "\(tool): jobs 1 and 2 differ")
        }

        @Test("GNU tar lists every entry of the image under its own name")
        func listing() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("gzip"))
            let archive = fixture.directory.appending("tar-listing.tar")
            defer { unlink(archive) }
            _ = try await Self.write(opened.image, to: archive)
            // One line per entry in C quoting, whatever the bytes of its name.
            let listing = try await ProcessRunner.run("tar", ["--quoting-style=c", "-tf", archive])
            let expected = opened.snapshot.walk.filter { $0.inode.kind != .socket }.count
            #expect(listing.outputText.split(separator: "\n").count == expected)
            // Only GNU tar's notes about keywords it does not know may appear (it ignores hdrcharset=BINARY).
            let warnings = listing.errorText.split(separator: "\n").filter { !$0.contains("hdrcharset") }
            #expect(warnings.isEmpty, "\(warnings)")
        }

        // MARK: Helpers

        static func write(_ image: SquashFSImage, to path: String, options: TarOptions = TarOptions()) async throws
            -> TarSummary
        {
            let file = try FileDescriptor.open(
                path, .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
            defer { try? file.close() }
            return try await image.writeTar(to: file, options: options)
        }

        static func bytes(_ image: SquashFSImage, options: TarOptions) async throws -> [UInt8] {
            let collected = Mutex<[UInt8]>([])
            _ = try await image.writeTar(options: options) { bytes in
                collected.withLock { $0.append(contentsOf: bytes) }
            }
            return collected.withLock { $0 }
        }

        /// ``ExtractionChecks/treeDifferences(expected:actual:)`` without sockets, which tar cannot archive.
        static func treeDifferences(expected: String, actual: String) throws -> [String] {
            let expectedRoot = Array(expected.utf8)
            let actualRoot = Array(actual.utf8)
            let want = try DirectorySnapshot.take(expectedRoot)
            let got = try DirectorySnapshot.take(actualRoot)
            var fidelity = Fidelity.full
            fidelity.sockets = false
            var result = SnapshotComparison.differences(expected: want, actual: got, fidelity: fidelity)
            for (path, record) in want.entries.sorted(by: { $0.key < $1.key }) {
                guard let other = got.entries[path], other.kind == record.kind else { continue }
                let relative = ContentComparison.relative(path)
                if record.kind == .regularFile {
                    let wantBytes = try POSIX.readFile(POSIX.join(expectedRoot, relative))
                    let gotBytes = try POSIX.readFile(POSIX.join(actualRoot, relative))
                    if let difference = byteDifference(gotBytes, wantBytes) { result.append("\(path): \(difference)") }
                }
            }
            return result
        }
    }
}

extension HostileImageTests {
    /// Seeded mutants of the small images written as tar archives: each write completes or throws a
    /// `SquashFSError`, never crashes, and a completed archive's length is a whole number of 512-byte blocks that
    /// the summary accounts for (every header's size matched the bytes written).
    @Suite("Mutated images as tar archives")
    struct TarMutationTests {
        @Test(
            "mutants never crash and complete archives are consistent",
            arguments: SmallImageFixture.imageOptions.map(\.name))
        func mutants(_ name: String) async throws {
            let fixture = try SmallImageFixture.require()
            let original = try fixture.image(name)
            let scratch = try ScratchImageFile(path: fixture.directory.appending("tar-mutant-\(name).sqfs"))
            var generator = SeededGenerator(seed: 0x7A20_0000 &+ UInt64(name.utf8.count))
            var completed = 0
            for index in 0..<150 {
                let (mutant, log) = MutationTests.mutate(original, generator: &generator)
                guard let image = try? scratch.open(mutant) else { continue }
                var options = TarOptions()
                options.jobs = 2
                do throws(SquashFSError) {
                    let length = Mutex<UInt64>(0)
                    let summary = try await image.writeTar(options: options) { bytes in
                        length.withLock { $0 += UInt64(bytes.count) }
                    }
                    completed += 1
                    let written = length.withLock { $0 }
                    #expect(written == summary.archiveBytes && written % 512 == 0, "\(name) mutant \(index) [\(log)]")
                } catch {
                    // Typed throws: only SquashFSError can arrive here.
                    _ = error.code
                }
            }
            #expect(completed > 0, "\(name): no mutant was archived")
        }
    }
}
