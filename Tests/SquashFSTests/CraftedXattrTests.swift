import SquashFS
import Testing

/// Checklist item 41: the extended attribute table patched in an image with uncompressed xattrs (`-noX`).
@Suite("Crafted images: extended attributes")
struct CraftedXattrTests {
    /// mksquashfs 4.5.1 stores the 400-byte `user.shared` value once, at the start of the key/value table, and both
    /// keys refer to it out of line: `u16 0x0100 (user, out of line), u16 6, "shared", u32 8, u64 reference`. The
    /// short `user.k = v` is inline: `u16 0, u16 1, "k", u32 1, "v"`.
    private struct Key {
        var offset: Int
        var typeField: Int { offset }
        var nameSizeField: Int { offset + 2 }
        var valueSizeField: Int { offset + 4 + 6 }
        var referenceField: Int { offset + 4 + 6 + 4 }
    }

    private func sharedKeys(_ crafted: CraftedImage) throws -> [Key] {
        let keys = crafted.original.offsets(of: Array("shared".utf8)).map { Key(offset: $0 - 4) }
            .filter { crafted.original.le16($0.nameSizeField) == 6 && crafted.original.le16($0.typeField) == 0x100 }
        guard keys.count == 2 else {
            throw CraftingError(description: "expected two out-of-line user.shared keys, found \(keys.count)")
        }
        return keys
    }

    @Test("prefix ids, out-of-line values, sizes and indexes out of range")
    func xattrs() async throws {
        try await withTemporaryDirectory { directory in
            let crafted = try await CraftedImage.build(CraftedTrees.xattrs, in: directory, options: ["-xattrs"])
            let image = try crafted.open(crafted.original)
            let shared = XattrRecord(name: Array("user.shared".utf8), value: StandardTree.sharedXattrValue)
            func records(_ path: String) throws -> [XattrRecord] {
                try image.extendedAttributes(of: image.inode(at: ImagePath(path))).map {
                    XattrRecord(name: $0.name, value: $0.value)
                }
            }
            #expect(try records("/xa-file").contains(shared))
            #expect(try records("/xb-file") == [shared])

            let keys = try sharedKeys(crafted)
            let key = keys[0]
            #expect(crafted.original.le32(key.valueSizeField) == 8)
            let reference = crafted.original.le64(key.referenceField)
            let header = Int(crafted.original.le64(SuperblockOffset.xattrTableStart))
            let keyValueStart = Int(crafted.original.le64(header))
            // The shared value record: u32 size then the bytes, inside the (uncompressed) key/value block.
            let value = keyValueStart + 2 + Int(reference & 0xFFFF)
            try #require(crafted.original.le32(value) == 400, "the shared value is where the reference points")
            let inlineKey = try #require(crafted.original.offsets(of: [0, 0, 1, 0, 0x6B, 1, 0, 0, 0, 0x76]).first)
            let readBoth: (SquashFSImage) throws -> Void = { image in
                _ = try image.extendedAttributes(of: image.inode(at: "/xa-file"))
                _ = try image.extendedAttributes(of: image.inode(at: "/xb-file"))
            }
            let cases: [(String, (inout [UInt8]) -> Void)] = [
                ("prefix id 3", { $0.setLE16(key.typeField, 0x103) }),
                ("prefix id 0xFF", { $0.setLE16(key.typeField, 0x1FF) }),
                ("inline prefix id 3", { $0.setLE16(inlineKey, 3) }),
                ("out-of-line value size 9", { $0.setLE32(key.valueSizeField, 9) }),
                ("out-of-line value size 0", { $0.setLE32(key.valueSizeField, 0) }),
                ("reference past the table", { $0.setLE64(key.referenceField, reference | (0xFFFF << 16)) }),
                ("reference offset 8192", { $0.setLE64(key.referenceField, (reference & ~0xFFFF) | 0x2000) }),
                ("reference offset past the block", { $0.setLE64(key.referenceField, (reference & ~0xFFFF) | 0x1F00) }),
                ("name size 0", { $0.setLE16(key.nameSizeField, 0) }),
                ("name size 0xFFFF", { $0.setLE16(key.nameSizeField, 0xFFFF) }),
                ("shared value size 70000", { $0.setLE32(value, 70000) }),
                ("shared value size past the table", { $0.setLE32(value, 60000) }),
                ("inline value size 70000", { $0.setLE32(inlineKey + 5, 70000) }),
                ("inline value size 5 (sizes do not add up)", { $0.setLE32(inlineKey + 5, 5) }),
            ]
            for (what, patch) in cases {
                crafted.expect(.corrupt, crafted.patched(patch), what, readBoth)
            }

            // The xattr id table header: u64 key/value start, u32 count.
            crafted.expect(.corrupt, crafted.patched { $0.setLE64(header, 0) }, "key/value table at 0")
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE64(header, UInt64(header + 1)) }, "key/value table after its ids")
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(header + 8, 0) }, "xattr id count 0", readBoth)
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(header + 8, 0xFFFF_FFFF) }, "xattr id count 2^32-1")
            // The inode's xattr index past the table (extended file inode: xattr index at +52).
            let file = crafted.inodeOffset(of: try crafted.entry("xa-file"))
            try #require(crafted.original.le16(file) == 9)
            crafted.expect(.corrupt, crafted.patched { $0.setLE32(file + 52, 99) }, "xattr index 99", readBoth)
        }
    }
}
