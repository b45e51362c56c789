import SquashFS
import TestSupport
import Testing

/// Checklist items 15–29: inode fields patched in uncompressed-metadata images.
@Suite("Crafted images: inodes")
struct CraftedInodeTests {
    private func withImage(_ tree: TreeSpecification, _ body: (CraftedImage) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            try body(try await CraftedImage.build(tree, in: directory))
        }
    }

    @Test("inode numbers 0 and past inode_count, in the inode and in the directory entry")
    func inodeNumbers() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let entry = try crafted.entry("small-file")
            let inode = crafted.inodeOffset(of: entry)
            let number = crafted.inodeNumber(at: inode)
            let count = crafted.original.le32(SuperblockOffset.inodeCount)
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(inode + 12, 0) }, "inode number 0") {
                try walkAll($0)
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(inode + 12, count + 1) }, "inode number past count") {
                try walkAll($0)
            }
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE32(inode + 12, number + 1) }, "number differs from entry"
            ) {
                try walkAll($0)
            }
            // The entry's base + delta giving 0 or a negative number.
            let delta = Int16(bitPattern: crafted.original.le16(entry.inodeDeltaField))
            let zeroDelta = Int(delta) - Int(number)
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(entry.inodeDeltaField, UInt16(bitPattern: Int16(zeroDelta))) },
                "entry number 0"
            ) { try walkAll($0) }
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(entry.inodeDeltaField, UInt16(bitPattern: Int16.min)) },
                "entry number negative"
            ) { try walkAll($0) }
        }
    }

    @Test("unknown inode types and entry types that disagree with the inode")
    func types() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let entry = try crafted.entry("small-file")
            let inode = crafted.inodeOffset(of: entry)
            for type: UInt16 in [0, 15, 16, 0xFFFF] {
                crafted.expect(.corrupt, crafted.patched { $0.setLE16(inode, type) }, "inode type \(type)") {
                    try walkAll($0)
                }
            }
            for type: UInt16 in [0, 1, 3, 8, 9, 0xFFFF] {
                crafted.expect(.corrupt, crafted.patched { $0.setLE16(entry.typeField, type) }, "entry type \(type)") {
                    try walkAll($0)
                }
            }
            // The file inode relabelled as a directory (type 1) has a nonsense listing.
            crafted.exerciseSurvives(
                crafted.patched {
                    $0.setLE16(inode, 1)
                    $0.setLE16(entry.typeField, 1)
                }, "file as dir")
        }
    }

    @Test("uid and gid indexes past the id table")
    func ids() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let inode = crafted.inodeOffset(of: try crafted.entry("small-file"))
            crafted.expect(.corrupt, crafted.patched { $0.setLE16(inode + 4, 1) }, "uid index 1 of 1") {
                try walkAll($0)
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE16(inode + 6, 0xFFFF) }, "gid index 0xFFFF") {
                try walkAll($0)
            }
        }
    }

    @Test("symbolic link sizes: above 65535, past the table, NUL inside")
    func symlinks() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let inode = crafted.inodeOffset(of: try crafted.entry("symlink-x"))
            try #require(crafted.original.le16(inode) == 3)
            for size: UInt32 in [65536, 70000, 0xFFFF_FFFF] {
                crafted.expect(.corrupt, crafted.patched { $0.setLE32(inode + 20, size) }, "target size \(size)") {
                    try walkAll($0)
                }
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(inode + 20, 60000) }, "target past the inode table") {
                try walkAll($0)
            }
            crafted.expect(.corrupt, crafted.patched { $0[inode + 24 + 3] = 0 }, "NUL in the target") {
                try walkAll($0)
            }
            // An empty target (valid: target_size 0...65535) is read as is. Following it may fail (`notFound`,
            // `corrupt`) or stay in the link's directory, as Linux's `pick_link` does for an empty body ("pure
            // jump"); it must not go anywhere else.
            let image = try crafted.open(crafted.patched { $0.setLE32(inode + 20, 0) })
            try walkAll(image)
            #expect(try image.symlinkTarget(at: "/symlink-x") == [])
            do throws(SquashFSError) {
                let resolved = try image.resolve(ImagePath("/symlink-x"))
                #expect(resolved.path == .root && resolved.inode.kind == .directory, "\(resolved.path)")
            } catch {
                #expect(error.code == .notFound || error.code == .corrupt, "\(error)")
            }
        }
    }

    @Test("directory inodes: listing size, start block and offset out of range")
    func directories() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let inode = crafted.inodeOffset(of: try crafted.entry("alpha-dir"))
            try #require(crafted.original.le16(inode) == 1, "alpha-dir has a basic directory inode")
            let size = crafted.original.le16(inode + 24)
            let cases: [(String, (inout [UInt8]) -> Void)] = [
                ("listing 20 bytes longer", { $0.setLE16(inode + 24, size + 20) }),
                ("listing size 0xFFFF", { $0.setLE16(inode + 24, 0xFFFF) }),
                ("listing cut inside the header", { $0.setLE16(inode + 24, 3 + 5) }),
                ("listing cut inside an entry", { $0.setLE16(inode + 24, 3 + 12 + 4) }),
                ("listing one byte short", { $0.setLE16(inode + 24, size - 1) }),
                ("start block past the table", { $0.setLE32(inode + 16, 0x00FF_FFFF) }),
                ("offset 8192", { $0.setLE16(inode + 26, 8192) }),
                ("offset past the block", { $0.setLE16(inode + 26, 8000) }),
            ]
            for (what, patch) in cases {
                crafted.expect(.corrupt, crafted.patched(patch), what) { try walkAll($0) }
            }
            // A listing size below 4 means empty.
            let image = try crafted.open(crafted.patched { $0.setLE16(inode + 24, 3) })
            #expect(try image.contentsOfDirectory(at: "/alpha-dir").isEmpty)
        }
    }

    @Test("huge sparse sizes: limitExceeded or corrupt, never a giant allocation")
    func hugeSparseSizes() async throws {
        try await withImage(CraftedTrees.sparse) { crafted in
            let inode = crafted.inodeOffset(of: try crafted.entry("holey-file"))
            try #require(crafted.original.le16(inode) == 9, "a sparse file has an extended inode")
            crafted.expect(.limitExceeded, crafted.patched { $0.setLE64(inode + 24, 1 << 40) }, "2^40-byte file") {
                _ = try $0.fileReader(at: "/holey-file")
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE64(inode + 24, 1 << 63) }, "negative file size") {
                try walkAll($0)
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE64(inode + 24, UInt64.max) }, "size UInt64.max") {
                try walkAll($0)
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE64(inode + 24, 64 << 20) }, "block list past the table")
            {
                _ = try $0.fileReader(at: "/holey-file")
            }
            var options = SquashFSImage.Options()
            options.maximumBlockListBytes = 8
            let limited = try crafted.open(crafted.original, options: options)
            #expect(throws: SquashFSError.self) { try limited.fileReader(at: "/holey-file") }
        }
    }

    @Test("a real 64 MiB hole reads as zeros without decoding anything")
    func giantHole() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory.appending("source")
            try POSIX.makeDirectory(Array(source.utf8))
            try TreeBuilder.build(CraftedTrees.giantHole, at: Array(source.utf8))
            let path = directory.appending("giant-hole.sqfs")
            try await ImageBuilder.mksquashfs(source, path, ["-b", "4K"])
            let image = try SquashFSImage(path: path)
            let reader = try image.fileReader(at: "/giant-hole")
            #expect(reader.size == 64 << 20)
            #expect(try reader.read(at: (64 << 20) - 10, count: 100) == [UInt8](repeating: 0, count: 10))
            #expect(try reader.read(at: 32 << 20, count: 5000) == [UInt8](repeating: 0, count: 5000))
            do throws(SquashFSError) {
                _ = try reader.readAll(maximumSize: 1 << 20)
                Issue.record("a 64 MiB file passed a 1 MiB limit")
            } catch {
                #expect(error.code == .limitExceeded)
            }
            let holey = try image.contentsOfFile(at: "/holey-file")
            #expect(holey.count == 3 * 4096)
            #expect(holey[0..<4096].allSatisfy { $0 == 0 } && holey[8192...].allSatisfy { $0 == 0 })
            var generator = SeededGenerator(seed: 2)
            #expect(Array(holey[4096..<8192]) == generator.bytes(4096))
        }
    }
}
