import Foundation
import SquashFS
import Testing

extension StandardTreeTests {
    /// The superblock and the long listing agree with what squashfs-tools' `unsquashfs` reports for the same image.
    @Suite("Differential: superblock and listing vs unsquashfs")
    struct DifferentialListingTests {
        @Test("superblock matches the recipe and unsquashfs -s", arguments: ImageRecipe.differential)
        func superblock(_ recipe: ImageRecipe) async throws {
            let opened = try await SourceTreeFixture.require().opened(recipe)
            let (path, image) = (opened.path, opened.image)
            let superblock = image.superblock
            #expect(superblock.compressor == recipe.compressor)
            #expect(superblock.blockSize == recipe.blockSize)
            #expect(superblock.flags.isSuperset(of: recipe.requiredFlags))
            #expect(image.compressorOptions == recipe.compressorOptions)

            let stat = try await ProcessRunner.run("unsquashfs", ["-s", path]).outputText
            func number(after label: String) -> UInt64? {
                guard let line = stat.split(separator: "\n").first(where: { $0.hasPrefix(label) }) else { return nil }
                return line.dropFirst(label.count).split(separator: " ").first.flatMap { UInt64($0) }
            }
            #expect(number(after: "Number of inodes ") == UInt64(superblock.inodeCount))
            #expect(number(after: "Number of fragments ") == UInt64(superblock.fragmentCount))
            #expect(number(after: "Number of ids ") == UInt64(superblock.idCount))
            #expect(number(after: "Block size ") == UInt64(superblock.blockSize))
            #expect(number(after: "Filesystem size ") == superblock.bytesUsed)
            #expect(stat.contains("Compression \(superblock.compressor)"))

            // What `ImageInfo` (removed: the command-line tool builds its own summary) reported, read from the
            // superblock of the image opened afresh.
            let reopened = try SquashFSImage(path: path).superblock
            #expect(reopened.compressor.description == recipe.compressor.description)
            #expect(reopened.blockSize == recipe.blockSize)
            #expect(reopened.inodeCount == superblock.inodeCount)
            #expect(reopened.bytesUsed == superblock.bytesUsed)
            #expect(reopened.hasXattrs == recipe.fidelity.xattrs)
            #expect(reopened.hasExportTable == superblock.hasExportTable)
            #expect(reopened == superblock)
        }

        @Test("every entry matches unsquashfs -lln", arguments: ImageRecipe.differential)
        func longListing(_ recipe: ImageRecipe) async throws {
            let opened = try await SourceTreeFixture.require().opened(recipe)
            let expected = try await UnsquashfsListing.list(opened.path)
            let actual = opened.snapshot.walk.map { ListingEntry(inode: $0.inode, path: $0.path) }
            // unsquashfs lists in the same depth-first, sorted order as the walker.
            #expect(actual.map(\.path) == expected.map(\.path))
            let expectedByPath = Dictionary(expected.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            var differences: [String] = []
            for entry in actual {
                guard let want = expectedByPath[entry.path] else { continue }
                if entry != want {
                    differences.append("\(entry.path): \(describe(entry)) != unsquashfs \(describe(want))")
                }
            }
            #expect(differences.isEmpty, "\(summarize(differences))")
            #expect(actual.count == expected.count)
        }

        private func describe(_ entry: ListingEntry) -> String {
            "\(entry.modeString) \(entry.uid)/\(entry.gid) \(entry.sizeField) \(entry.time)"
                + (entry.symlinkTarget.map { " -> \(ImagePath(bytes: $0))" } ?? "")
        }

        @Test("pseudo devices, fifos and sockets are decoded as defined")
        func pseudoFiles() async throws {
            let path = try await SourceTreeFixture.require().image(try ImageRecipe.named("gzip-pseudo"))
            let image = try SquashFSImage(path: path)
            let null = try image.inode(at: "/pseudo/null")
            #expect(null.kind == .characterDevice)
            #expect(null.device?.major == 1 && null.device?.minor == 3)
            #expect(null.permissions == 0o666)
            #expect(null.modeString == "crw-rw-rw-")
            #expect(null.mode == 0o020666)
            let sda = try image.inode(at: "/pseudo/sda")
            #expect(sda.kind == .blockDevice)
            #expect(sda.device?.major == 8 && sda.device?.minor == 0)
            #expect(sda.gid == 6)
            let bigMinor = try image.inode(at: "/pseudo/big-minor")
            #expect(bigMinor.device?.major == 4 && bigMinor.device?.minor == 300)
            let fifo = try image.inode(at: "/pseudo/fifo")
            #expect(fifo.kind == .fifo)
            #expect(fifo.modeString == "prw-r--r--")
            let socket = try image.inode(at: "/pseudo/socket")
            #expect(socket.kind == .socket)
            #expect(socket.modeString == "srwxr-xr-x")
            let timed = try image.inode(at: "/pseudo/timed")
            #expect(timed.modificationTime == 1_234_567_890)
            #expect(timed.uid == 7 && timed.gid == 8)
            #expect(timed.device?.major == 10 && timed.device?.minor == 200)
            let directory = try image.inode(at: "/pseudo")
            #expect(directory.kind == .directory)
            #expect(
                try image.contentsOfDirectory(directory).map(\.nameString) == [
                    "big-minor", "fifo", "null", "sda", "socket", "timed",
                ])
        }
    }
}
