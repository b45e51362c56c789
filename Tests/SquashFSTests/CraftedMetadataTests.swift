import Decompression
import SquashFS
import Testing

/// Checklist items 10–14 and 36–38: metadata block headers and data block size words patched in an
/// uncompressed-metadata image.
@Suite("Crafted images: metadata and data blocks")
struct CraftedMetadataTests {
    private func withBasicImage(_ body: (CraftedImage) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            try body(try await CraftedImage.build(CraftedTrees.basic, in: directory))
        }
    }

    @Test("metadata block header size 0, above 8192, or past the table")
    func metadataHeaders() async throws {
        try await withBasicImage { crafted in
            let inodeHeader = crafted.inodeTableStart
            let directoryHeader = crafted.directoryTableStart
            for (what, offset) in [("inode", inodeHeader), ("directory", directoryHeader)] {
                for (label, header) in [
                    ("size 0", UInt16(0x8000)), ("size 8193", 0x8000 | 0x2001), ("size 32767", 0xFFFF),
                ] {
                    crafted.expect(.corrupt, crafted.patched { $0.setLE16(offset, header) }, "\(what) block \(label)") {
                        try walkAll($0)
                    }
                }
                // Clearing the "uncompressed" bit makes gzip decode raw inode bytes.
                let size = crafted.original.le16(offset) & 0x7FFF
                crafted.expect(
                    .decompression, crafted.patched { $0.setLE16(offset, size) }, "\(what) block marked compressed"
                ) {
                    try walkAll($0)
                }
            }
            let ids = Int(crafted.original.le64(SuperblockOffset.idTableStart))
            let idBlock = Int(crafted.original.le64(ids))
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(idBlock, 0x8000 | 0x1FFF) }, "id block past the table")
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(idBlock, 0x8000 | 2) }, "id block too short for its ids")
        }
    }

    @Test("data block size words: reserved bits, larger than a block, outside the data region")
    func dataBlocks() async throws {
        try await withBasicImage { crafted in
            // big-file: 9000 bytes = two 4 KiB blocks + a 808-byte fragment tail; basic inode, block list at +32.
            let inode = crafted.inodeOffset(of: try crafted.entry("big-file"))
            try #require(crafted.original.le16(inode) == 2, "big-file has a basic file inode")
            let firstWord = crafted.original.le32(inode + 32)
            let cases: [(String, (inout [UInt8]) -> Void)] = [
                ("bit 25 set", { $0.setLE32(inode + 32, firstWord | 0x0200_0000) }),
                ("bit 31 set", { $0.setLE32(inode + 32, firstWord | 0x8000_0000) }),
                ("stored size 8192 > block size", { $0.setLE32(inode + 32, 0x0100_0000 | 8192) }),
                ("uncompressed block shorter than the block", { $0.setLE32(inode + 32, 0x0100_0000 | 100) }),
                ("blocks before the data region", { $0.setLE32(inode + 16, 0) }),
                ("blocks in the inode table", { $0.setLE32(inode + 16, UInt32(crafted.inodeTableStart - 10)) }),
                ("blocks at 4 GiB", { $0.setLE32(inode + 16, 0xFFFF_FF00) }),
            ]
            for (what, patch) in cases {
                crafted.expect(.corrupt, crafted.patched(patch), what) { _ = try $0.contentsOfFile(at: "/big-file") }
            }
            // A compressed-marked block of raw random bytes fails to decode.
            crafted.expect(
                .decompression, crafted.patched { $0.setLE32(inode + 32, firstWord & 0x00FF_FFFF) },
                "raw block marked compressed"
            ) { _ = try $0.contentsOfFile(at: "/big-file") }
        }
    }

    @Test("compressed blocks that decode to too much or too little")
    func decodedSizes() async throws {
        try await withBasicImage { crafted in
            // The inode table block replaced by a zlib stream of its bytes plus 9000 zeros (> 8192 when decoded);
            // the stream is much shorter than the block, so the rest of the table is left as it was.
            let size = Int(crafted.original.le16(crafted.inodeTableStart) & 0x7FFF)
            let inodes = Array(crafted.original[(crafted.inodeTableStart + 2)..<(crafted.inodeTableStart + 2 + size)])
            let tooLong = try ReferenceEncoders.zlibCompress2(inodes + [UInt8](repeating: 0, count: 9000))
            try #require(tooLong.count < size)
            crafted.expect(
                .decompression,
                crafted.patched {
                    $0.setLE16(crafted.inodeTableStart, UInt16(tooLong.count))
                    $0.replaceSubrange(
                        (crafted.inodeTableStart + 2)..<(crafted.inodeTableStart + 2 + tooLong.count), with: tooLong)
                }, "inode block decoding to more than 8192 bytes"
            ) { try walkAll($0) }

            // big-file's first data block (4096 bytes stored raw) replaced by a short zlib stream.
            let inode = crafted.inodeOffset(of: try crafted.entry("big-file"))
            let blocks = Int(crafted.original.le32(inode + 16))
            for (what, decoded) in [("5000 bytes", 5000), ("100 bytes", 100), ("4095 bytes", 4095)] {
                let stream = try ReferenceEncoders.zlibCompress2([UInt8](repeating: 0x41, count: decoded))
                crafted.expect(
                    .decompression,
                    crafted.patched {
                        $0.setLE32(inode + 32, UInt32(stream.count))
                        $0.replaceSubrange(blocks..<(blocks + stream.count), with: stream)
                    }, "a data block decoding to \(what) instead of 4096"
                ) { _ = try $0.contentsOfFile(at: "/big-file") }
            }
            // The same block as a valid stream of exactly 4096 bytes is read correctly.
            let exact = try ReferenceEncoders.zlibCompress2([UInt8](repeating: 0x42, count: 4096))
            let image = try crafted.open(
                crafted.patched {
                    $0.setLE32(inode + 32, UInt32(exact.count))
                    $0.replaceSubrange(blocks..<(blocks + exact.count), with: exact)
                })
            let bytes = try image.contentsOfFile(at: "/big-file")
            #expect(bytes.prefix(4096).allSatisfy { $0 == 0x42 } && bytes.count == 9000)
        }
    }

    @Test("fragment index, offset and tail out of range")
    func fragments() async throws {
        try await withBasicImage { crafted in
            let inode = crafted.inodeOffset(of: try crafted.entry("small-file"))
            try #require(crafted.original.le16(inode) == 2)
            let cases: [(String, (inout [UInt8]) -> Void)] = [
                ("fragment index past the table", { $0.setLE32(inode + 20, 5) }),
                ("fragment index 0xFFFFFFFE", { $0.setLE32(inode + 20, 0xFFFF_FFFE) }),
                ("fragment offset past the block", { $0.setLE32(inode + 24, 0xFFFF_0000) }),
                ("tail past the fragment's end", { $0.setLE32(inode + 24, 4000) }),
                ("a whole block with a fragment", { $0.setLE32(inode + 28, 4096) }),
            ]
            for (what, patch) in cases {
                crafted.expect(.corrupt, crafted.patched(patch), what) { _ = try $0.contentsOfFile(at: "/small-file") }
            }
            // The fragment table entry pointing outside the data region.
            let fragmentIndex = Int(crafted.original.le64(SuperblockOffset.fragmentTableStart))
            let fragmentBlock = Int(crafted.original.le64(fragmentIndex))
            try #require(crafted.original.le16(fragmentBlock) == 0x8010, "one uncompressed 16-byte fragment entry")
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE64(fragmentBlock + 2, UInt64(crafted.inodeTableStart)) },
                "fragment block in the inode table"
            ) { _ = try $0.contentsOfFile(at: "/small-file") }
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE32(fragmentBlock + 2 + 8, 0x0100_0000 | 8192) },
                "fragment block larger than a block"
            ) { _ = try $0.contentsOfFile(at: "/small-file") }
        }
    }
}
