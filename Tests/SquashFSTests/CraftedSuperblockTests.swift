import SquashFS
import Testing

/// Checklist items 1–9: superblock fields patched one at a time in an uncompressed-metadata image.
@Suite("Crafted images: superblock")
struct CraftedSuperblockTests {
    /// Builds the basic crafted image in a temporary directory and runs `body` with it.
    private func withBasicImage(_ body: (CraftedImage) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            try body(try await CraftedImage.build(CraftedTrees.basic, in: directory))
        }
    }

    @Test("the unpatched image reads completely")
    func baseline() async throws {
        try await withBasicImage { crafted in
            let image = try crafted.open(crafted.original)
            try readEverything(image)
            #expect(try image.contentsOfFile(at: "/small-file") == Array("small\n".utf8))
            #expect(image.superblock.flags.contains(.uncompressedInodes))
        }
    }

    @Test("bad, big-endian and streamed magic")
    func magic() async throws {
        try await withBasicImage { crafted in
            for (magic, code) in [
                ("qsqs", SquashFSError.Code.notSquashFS), ("\0\0\0\0", .notSquashFS), ("hsqt", .notSquashFS),
                ("sqsh", .unsupported), ("HSQS", .unsupported),
            ] {
                crafted.expect(
                    code, crafted.patched { $0.replaceSubrange(0..<4, with: Array(magic.utf8)) }, "magic \(magic)")
            }
        }
    }

    @Test("versions other than 4.0 are unsupported")
    func versions() async throws {
        try await withBasicImage { crafted in
            for (major, minor) in [(3, 0), (4, 1), (1, 0), (2, 1), (5, 0), (0, 0), (0xFFFF, 0xFFFF)] {
                crafted.expect(
                    .unsupported,
                    crafted.patched {
                        $0.setLE16(SuperblockOffset.versionMajor, UInt16(major))
                        $0.setLE16(SuperblockOffset.versionMinor, UInt16(minor))
                    }, "version \(major).\(minor)")
            }
        }
    }

    @Test("block size not a power of two, out of range, or not matching block_log")
    func blockSize() async throws {
        try await withBasicImage { crafted in
            let cases: [(UInt32, UInt16)] = [
                (0x3000, 12), (4096, 13), (8192, 12), (2 << 20, 21), (2048, 11), (0, 0), (0x8000_0000, 31), (4097, 12),
                (1 << 20, 12),
            ]
            for (size, log) in cases {
                crafted.expect(
                    .corrupt,
                    crafted.patched {
                        $0.setLE32(SuperblockOffset.blockSize, size)
                        $0.setLE16(SuperblockOffset.blockLog, log)
                    }, "block size \(size), block_log \(log)")
            }
        }
    }

    @Test("unknown and lzo compressors are unsupported; a stray options flag is corrupt")
    func compressors() async throws {
        try await withBasicImage { crafted in
            for id: UInt16 in [0, 3, 7, 0xFFFF] {
                let bytes = crafted.patched { $0.setLE16(SuperblockOffset.compressor, id) }
                crafted.expect(.unsupported, bytes, "compressor id \(id)")
                if id == 3 { #expect(crafted.failure(of: bytes)?.message.contains("lzo") == true) }
            }
            let flags = crafted.original.le16(SuperblockOffset.flags)
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(SuperblockOffset.flags, flags | 0x400) },
                "options flag without an options block")
            crafted.expect(
                .corrupt,
                crafted.patched {
                    $0.setLE16(SuperblockOffset.compressor, 2)
                    $0.setLE16(SuperblockOffset.flags, flags | 0x400)
                }, "an options block for lzma, which never has one")
        }
    }

    @Test("bytes_used outside the file, zero counts, huge fragment count")
    func counts() async throws {
        try await withBasicImage { crafted in
            let size = UInt64(crafted.original.count)
            for bytesUsed in [size + 1, 0, 95, UInt64.max, 1 << 40] {
                crafted.expect(
                    .corrupt, crafted.patched { $0.setLE64(SuperblockOffset.bytesUsed, bytesUsed) },
                    "bytes_used \(bytesUsed)")
            }
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(SuperblockOffset.inodeCount, 0) }, "inode count 0")
            crafted.expect(.corrupt, crafted.patched { $0.setLE16(SuperblockOffset.idCount, 0) }, "id count 0")
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE32(SuperblockOffset.fragmentCount, 0xFFFF_FFFF) },
                "fragment count 2^32-1")
            // Without fragments the table is ignored, and files with a fragment tail point outside it.
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE32(SuperblockOffset.fragmentCount, 0) },
                "fragment count 0 with fragment tails"
            ) { image in
                _ = try image.contentsOfFile(at: "/small-file")
            }
            // A smaller inode count makes the inode numbers out of range.
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(SuperblockOffset.inodeCount, 2) }, "inode count 2") {
                try walkAll($0)
            }
        }
    }

    @Test("table pointers out of order or outside the image")
    func tableOrder() async throws {
        try await withBasicImage { crafted in
            let sb = crafted.original
            let inodes = sb.le64(SuperblockOffset.inodeTableStart)
            let directories = sb.le64(SuperblockOffset.directoryTableStart)
            let ids = sb.le64(SuperblockOffset.idTableStart)
            let bytesUsed = sb.le64(SuperblockOffset.bytesUsed)
            let cases: [(String, Int, UInt64)] = [
                ("inode table after directory table", SuperblockOffset.inodeTableStart, directories + 1),
                ("inode table inside the superblock", SuperblockOffset.inodeTableStart, 0),
                ("directory table before inode table", SuperblockOffset.directoryTableStart, inodes - 1),
                ("directory table at bytes_used", SuperblockOffset.directoryTableStart, bytesUsed),
                ("id table before directory table", SuperblockOffset.idTableStart, directories - 1),
                ("id table at bytes_used", SuperblockOffset.idTableStart, bytesUsed),
                ("id table at UInt64.max - 7", SuperblockOffset.idTableStart, UInt64.max - 7),
                ("xattr table before id table", SuperblockOffset.xattrTableStart, ids - 1),
                ("xattr table past the end", SuperblockOffset.xattrTableStart, bytesUsed + 100),
                ("fragment table after id table", SuperblockOffset.fragmentTableStart, ids + 1),
                ("fragment table inside the inode table", SuperblockOffset.fragmentTableStart, inodes + 2),
                ("export table after id table", SuperblockOffset.exportTableStart, ids + 8),
                ("export table before directory table", SuperblockOffset.exportTableStart, 100),
            ]
            for (what, field, value) in cases {
                crafted.expect(.corrupt, crafted.patched { $0.setLE64(field, value) }, what) { try walkAll($0) }
            }
            // The id table index pointing at garbage.
            crafted.expect(.corrupt, crafted.patched { $0.setLE64(Int(ids), 0) }, "id block at offset 0")
            crafted.expect(.corrupt, crafted.patched { $0.setLE64(Int(ids), bytesUsed) }, "id block at bytes_used")
        }
    }

    @Test("without fragments the fragment table pointer is ignored, whatever it holds")
    func fragmentPointerIgnored() async throws {
        try await withTemporaryDirectory { directory in
            let crafted = try await CraftedImage.build(CraftedTrees.basic, in: directory, options: ["-no-fragments"])
            #expect(crafted.original.le32(SuperblockOffset.fragmentCount) == 0)
            for pointer: UInt64 in [0, 12_345, UInt64.max - 1, UInt64(crafted.inodeTableStart)] {
                let image = try crafted.open(
                    crafted.patched { $0.setLE64(SuperblockOffset.fragmentTableStart, pointer) })
                try readEverything(image)
                #expect(try image.contentsOfFile(at: "/small-file") == Array("small\n".utf8))
            }
        }
    }

    @Test("root inode reference out of range or not a directory")
    func rootReference() async throws {
        try await withBasicImage { crafted in
            let root = crafted.original.le64(SuperblockOffset.rootInode)
            let cases: [(String, UInt64)] = [
                ("offset 8192", (root & ~0xFFFF) | 0x2000), ("offset 0xFFFF", root | 0xFFFF),
                ("block past the inode table", root | (1 << 40)), ("block UInt48.max", root | (0xFFFF_FFFF_FFFF << 16)),
                ("offset past the block's end", (root & ~0xFFFF) | 0x1FF0),
            ]
            for (what, value) in cases {
                crafted.expect(
                    .corrupt, crafted.patched { $0.setLE64(SuperblockOffset.rootInode, value) }, "root \(what)"
                ) {
                    _ = try $0.rootInode()
                }
            }
            // Pointing the root at a file's or a symbolic link's inode: the image is refused when it is opened
            // (issue 17, defect 9: a symlink root extracted to nothing, a file root failed to move into place).
            for name in ["small-file", "symlink-x"] {
                let entry = try crafted.entry(name)
                let reference = UInt64(crafted.original.le16(entry.inodeOffsetField))
                let bytes = crafted.patched { $0.setLE64(SuperblockOffset.rootInode, reference) }
                let error = crafted.failure(of: bytes)
                #expect(error?.code == .corrupt, "root is \(name): \(error.map { "\($0)" } ?? "opened")")
                #expect(error?.message.contains("not a directory") == true)
            }
        }
    }
}
