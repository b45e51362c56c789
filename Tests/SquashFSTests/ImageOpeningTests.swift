import Decompression
import Glibc
import SystemPackage
import TestSupport
import Testing

@testable import SquashFS

extension StandardTreeTests {
    /// Ways of opening an image give the same tree and bytes: at an offset inside a larger file, from a file
    /// descriptor, with the zlib reference decoder instead of libdeflate, with minimal caches, and from many tasks at
    /// once. An lzo image is refused cleanly.
    @Suite("Opening images")
    struct ImageOpeningTests {
        private func opened(_ name: String) async throws -> OpenedImage {
            try await SourceTreeFixture.require().opened(try ImageRecipe.named(name))
        }

        /// Every regular file of `image` (one path per inode) with its bytes.
        private func allFiles(_ image: SquashFSImage, walk: [WalkEntry]) throws -> [ImagePath: [UInt8]] {
            var result: [ImagePath: [UInt8]] = [:]
            var seen: Set<InodeReference> = []
            for entry in walk where entry.inode.kind == .regularFile && seen.insert(entry.inode.reference).inserted {
                result[entry.path] = try image.fileReader(for: entry.inode).readAll()
            }
            return result
        }

        @Test("an image at an offset inside a larger file reads the same", arguments: ["gzip", "xz-bcj-x86-arm-64k"])
        func offset(_ recipe: String) async throws {
            let fixture = try SourceTreeFixture.require()
            let reference = try await opened(recipe)
            let prefix = 12_345
            let embedded = fixture.directory.appending("embedded-\(recipe).bin")
            defer { removeTree(embedded) }
            var generator = SeededGenerator(seed: 77)
            try POSIX.writeFile(
                Array(embedded.utf8), size: prefix + Int(try POSIX.lstat(Array(reference.path.utf8)).st_size) + 777,
                extents: [
                    (0, generator.bytes(prefix)), (prefix, try POSIX.readFile(Array(reference.path.utf8))),
                ])
            var options = SquashFSImage.Options()
            options.offset = UInt64(prefix)
            let image = try SquashFSImage(path: embedded, options: options)
            #expect(image.superblock == reference.image.superblock)
            let snapshot = try ImageSnapshot(image)
            let differences = SnapshotComparison.differences(expected: reference.snapshot.tree, actual: snapshot.tree)
            #expect(differences.isEmpty, "\(summarize(differences))")
            #expect(snapshot.walk.map(\.path) == reference.snapshot.walk.map(\.path))
            for path in ["/data/random-2m.bin", "/sparse/holes.bin", "/etc/os-release", "/sizes/size-131073"] {
                #expect(try image.contentsOfFile(at: path) == (try reference.image.contentsOfFile(at: path)), "\(path)")
            }
            // unsquashfs agrees on the same file and offset.
            let listing = try await UnsquashfsListing.list(embedded, extraArguments: ["-o", "\(prefix)"])
            #expect(listing.map(\.path) == snapshot.walk.map(\.path))

            for wrong in [0, prefix - 1, prefix + 1] {
                options.offset = UInt64(wrong)
                do {
                    _ = try SquashFSImage(path: embedded, options: options)
                    Issue.record("offset \(wrong) opened")
                } catch {
                    #expect(error.code == .notSquashFS, "offset \(wrong): \(error)")
                }
            }
            options.offset = UInt64.max
            #expect(throws: SquashFSError.self) { try SquashFSImage(path: embedded, options: options) }
        }

        @Test("opening from a file descriptor, which may be closed afterwards")
        func fileDescriptor() async throws {
            let reference = try await opened("gzip")
            let fd = open(reference.path, O_RDONLY)
            try #require(fd >= 0)
            let image = try SquashFSImage(fileDescriptor: FileDescriptor(rawValue: fd))
            close(fd)
            #expect(image.superblock == reference.image.superblock)
            #expect(
                try image.contentsOfFile(at: "/data/text-3m.txt")
                    == (try reference.image.contentsOfFile(at: "/data/text-3m.txt")))
            #expect(throws: SquashFSError.self) { try SquashFSImage(fileDescriptor: FileDescriptor(rawValue: -1)) }
        }

        @Test(
            "zlib and libdeflate decode gzip images to identical bytes",
            arguments: ["gzip", "gzip-4k", "gzip-no-fragments"])
        func zlibEngines(_ recipe: String) async throws {
            let reference = try await opened(recipe)
            var options = SquashFSImage.Options()
            options.zlibEngine = .zlib
            let image = try SquashFSImage(path: reference.path, options: options)
            let snapshot = try ImageSnapshot(image)
            let differences = SnapshotComparison.differences(expected: reference.snapshot.tree, actual: snapshot.tree)
            #expect(differences.isEmpty, "\(summarize(differences))")
            let zlibFiles = try allFiles(image, walk: snapshot.walk)
            let deflateFiles = try allFiles(reference.image, walk: reference.snapshot.walk)
            #expect(zlibFiles.keys.sorted() == deflateFiles.keys.sorted())
            for (path, bytes) in zlibFiles {
                #expect(byteDifference(bytes, deflateFiles[path] ?? []) == nil, "\(path)")
            }
        }

        @Test("one-entry caches still read everything correctly", arguments: ["gzip-4k", "zstd-4k"])
        func minimalCaches(_ recipe: String) async throws {
            let fixture = try SourceTreeFixture.require()
            let reference = try await opened(recipe)
            var options = SquashFSImage.Options()
            options.metadataCacheBlocks = 1
            options.fragmentCacheBlocks = 1
            let image = try SquashFSImage(path: reference.path, options: options)
            let snapshot = try ImageSnapshot(image)
            #expect(SnapshotComparison.differences(expected: reference.snapshot.tree, actual: snapshot.tree).isEmpty)
            let differences = try ContentComparison.wholeFileDifferences(
                image: image, snapshot: snapshot, root: Array(fixture.source.utf8))
            #expect(differences.isEmpty, "\(summarize(differences))")
        }

        @Test(
            "one image serves many concurrent readers, with default and with one-entry caches",
            arguments: [false, true])
        func concurrentReaders(tinyCaches: Bool) async throws {
            let fixture = try SourceTreeFixture.require()
            let reference = try await opened("xz")
            var options = SquashFSImage.Options()
            if tinyCaches {
                options.metadataCacheBlocks = 1
                options.fragmentCacheBlocks = 1
            }
            let image = try SquashFSImage(path: reference.path, options: options)
            let files = reference.snapshot.walk.filter {
                $0.inode.kind == .regularFile && !$0.path.isInside(ImagePath("/\(StandardTree.bigDirectory)"))
            }
            let source = Array(fixture.source.utf8)
            let failures = await withTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var failures: [String] = []
                        for (index, entry) in files.enumerated() where index % 8 == worker {
                            do {
                                let bytes = try image.fileReader(for: entry.inode).readAll()
                                let expected = try POSIX.readFile(
                                    POSIX.join(source, ContentComparison.relative(entry.path)))
                                if let difference = byteDifference(bytes, expected) {
                                    failures.append("\(entry.path): \(difference)")
                                }
                            } catch {
                                failures.append("\(entry.path): \(error)")
                            }
                        }
                        return failures
                    }
                }
                var all: [String] = []
                for await failures in group { all += failures }
                return all
            }
            #expect(failures.isEmpty, "\(summarize(failures))")
        }

        @Test("lzo images are refused with a typed error naming lzo")
        func lzo() async throws {
            let fixture = try SourceTreeFixture.require()
            let output = fixture.directory.appending("lzo.sqfs")
            defer { removeTree(output) }
            try await ImageBuilder.mksquashfs(fixture.source + "/etc", output, ["-comp", "lzo"])
            do {
                _ = try SquashFSImage(path: output)
                Issue.record("an lzo image opened")
            } catch {
                #expect(error.code == .unsupported)
                #expect(error.message.contains("lzo"), "\(error.message)")
                #expect(error.description.contains(output), "the message names the image: \(error)")
            }
            #expect(Compressor(id: 3) == .lzo)
            #expect(Compressor(id: 99) == .unknown(99))
        }

        @Test("missing files, directories and empty files are refused with typed errors")
        func notImages() async throws {
            let fixture = try SourceTreeFixture.require()
            let cases: [(String, SquashFSError.Code)] = [
                (fixture.directory.appending("does-not-exist"), .io),
                (fixture.source, .notSquashFS),
                (fixture.source + "/sizes/size-0", .notSquashFS),
                (fixture.source + "/sizes/size-4096", .notSquashFS),
                (fixture.source + "/data/random-300k.bin", .notSquashFS),
            ]
            for (path, code) in cases {
                do {
                    _ = try SquashFSImage(path: path)
                    Issue.record("\(path) opened")
                } catch {
                    #expect(error.code == code, "\(path): \(error)")
                }
            }
        }
    }
}
