import SquashFS
import Testing

/// Checklist items 30–35: directory listings patched in uncompressed-metadata images: forbidden names, order, header
/// counts, loops and the directory index.
@Suite("Crafted images: directories")
struct CraftedDirectoryTests {
    private func withImage(_ tree: TreeSpecification, _ body: (CraftedImage) throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            try body(try await CraftedImage.build(tree, in: directory))
        }
    }

    @Test("names '.', '..', with a slash or a NUL are corrupt")
    func forbiddenNames() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let entry = try crafted.entry("zz")
            for name in ["..", "a/", "/a", "//", "a\0"] {
                crafted.expect(
                    .corrupt,
                    crafted.patched {
                        $0.replaceSubrange(entry.nameField..<(entry.nameField + 2), with: Array(name.utf8))
                    },
                    "entry named \(ImagePath(name))"
                ) { _ = try $0.contentsOfDirectory(at: "/") }
            }
            let short = try crafted.entry("m1")
            crafted.expect(
                .corrupt,
                crafted.patched {
                    $0.replaceSubrange(short.nameField..<(short.nameField + 2), with: Array("./".utf8))
                }, "entry named ./"
            ) { _ = try $0.contentsOfDirectory(at: "/") }
            // Looking the bad name up or walking must fail the same way, not return a path with '..' in it.
            let dotDot = crafted.patched {
                $0.replaceSubrange(entry.nameField..<(entry.nameField + 2), with: Array("..".utf8))
            }
            crafted.expect(.corrupt, dotDot, "walk over '..'") { try walkAll($0) }
            crafted.expect(.corrupt, dotDot, "resolve past '..'") { _ = try $0.inode(at: "/zz") }
        }
    }

    @Test("a one-byte name '.' is corrupt")
    func singleDot() async throws {
        var tree = TreeSpecification()
        tree.root()
        tree.file("a-file", .bytes([1]))
        tree.file("q", .bytes([2]))
        try await withImage(tree) { crafted in
            let entry = try crafted.entry("q")
            crafted.expect(.corrupt, crafted.patched { $0[entry.nameField] = UInt8(ascii: ".") }, "entry named .") {
                _ = try $0.contentsOfDirectory(at: "/")
            }
        }
    }

    @Test("unsorted and duplicate names are corrupt")
    func order() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let second = try crafted.entry("m2")
            crafted.expect(.corrupt, crafted.patched { $0[second.nameField + 1] = UInt8(ascii: "1") }, "duplicate m1") {
                _ = try $0.contentsOfDirectory(at: "/")
            }
            crafted.expect(.corrupt, crafted.patched { $0[second.nameField + 1] = UInt8(ascii: "0") }, "m0 after m1") {
                _ = try $0.contentsOfDirectory(at: "/")
            }
            let last = try crafted.entry("zz")
            crafted.expect(.corrupt, crafted.patched { $0[last.nameField] = UInt8(ascii: "a") }, "az last") {
                try walkAll($0)
            }
        }
    }

    @Test("header counts above 256 or past the listing, name sizes past the listing")
    func headers() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            // The root listing's first entry is "alpha-dir"; its run header is the 12 bytes before it.
            let header = try crafted.entry("alpha-dir").offset - 12
            let count = crafted.original.le32(header)
            let cases: [(String, (inout [UInt8]) -> Void)] = [
                ("count 257", { $0.setLE32(header, 256) }),
                ("count 0xFFFFFFFF", { $0.setLE32(header, 0xFFFF_FFFF) }),
                ("count past the listing", { $0.setLE32(header, count + 5) }),
                ("inode block past the inode table", { $0.setLE32(header + 4, 0x0FFF_FFFF) }),
                ("inode base number 0xFFFFFF00", { $0.setLE32(header + 8, 0xFFFF_FF00) }),
            ]
            for (what, patch) in cases {
                crafted.expect(.corrupt, crafted.patched(patch), what) { _ = try $0.contentsOfDirectory(at: "/") }
            }
            let entry = try crafted.entry("zz")
            crafted.expect(.corrupt, crafted.patched { $0.setLE16(entry.nameSizeField, 255) }, "name past the listing")
            {
                _ = try $0.contentsOfDirectory(at: "/")
            }
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(entry.inodeOffsetField, 8192) }, "entry inode offset 8192"
            ) {
                try walkAll($0)
            }
            crafted.expect(
                .corrupt, crafted.patched { $0.setLE16(entry.inodeOffsetField, 8000) },
                "entry inode offset past the block"
            ) {
                try walkAll($0)
            }
        }
    }

    /// Repoints directory entry `name` at the inode that entry `target` points to (offset and number).
    private func repoint(_ name: String, to targetOffset: Int, in crafted: CraftedImage) throws -> [UInt8] {
        let entry = try crafted.entry(name)
        let current = crafted.inodeNumber(at: crafted.inodeOffset(of: entry))
        let target = crafted.inodeNumber(at: crafted.inodeTableStart + 2 + targetOffset)
        let delta = Int(Int16(bitPattern: crafted.original.le16(entry.inodeDeltaField))) + Int(target) - Int(current)
        return crafted.patched {
            $0.setLE16(entry.inodeOffsetField, UInt16(targetOffset))
            $0.setLE16(entry.inodeDeltaField, UInt16(bitPattern: Int16(delta)))
        }
    }

    @Test(
        "a directory entry pointing at an ancestor or at the root is a loop, not an infinite walk")
    func loops() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let alpha = Int(crafted.original.le16(try crafted.entry("alpha-dir").inodeOffsetField))
            let root = Int(crafted.original.le64(SuperblockOffset.rootInode) & 0xFFFF)
            let toParent = try repoint("beta-dir", to: alpha, in: crafted)
            crafted.expect(.corrupt, toParent, "beta-dir -> alpha-dir") { try walkAll($0) }
            let toRoot = try repoint("beta-dir", to: root, in: crafted)
            crafted.expect(.corrupt, toRoot, "beta-dir -> root") { try walkAll($0) }
            // Path resolution through the loop is finite: each component is one lookup.
            let image = try crafted.open(toParent)
            let resolved = try image.resolve(ImagePath("/alpha-dir/beta-dir/beta-dir/beta-dir/file-in-alpha"))
            #expect(resolved.inode.kind == .regularFile)
            let deep = "/alpha-dir" + String(repeating: "/beta-dir", count: 5000)
            do throws(SquashFSError) {
                _ = try image.inode(at: ImagePath(deep))
                Issue.record("a 5001-level path resolved")
            } catch {
                #expect(error.code == .limitExceeded)
            }
        }
    }

    @Test("the same directory reachable twice is corrupt")
    func sharedDirectory() async throws {
        try await withImage(CraftedTrees.basic) { crafted in
            let beta = Int(crafted.original.le16(try crafted.entry("beta-dir").inodeOffsetField))
            crafted.expect(.corrupt, try repoint("delta-dir", to: beta, in: crafted), "delta-dir -> beta-dir") {
                try walkAll($0)
            }
        }
    }

    @Test("directory index entries out of order or outside the listing")
    func directoryIndex() async throws {
        try await withImage(CraftedTrees.indexed) { crafted in
            let inode = crafted.inodeOffset(of: try crafted.entry("indexed"))
            try #require(crafted.original.le16(inode) == 8, "a large directory has an extended inode")
            let indexCount = crafted.original.le16(inode + 32)
            try #require(indexCount >= 1, "the listing spans metadata blocks, so there is an index")
            let image = try crafted.open(crafted.original)
            let directory = try image.inode(at: "/indexed")
            let names = try image.contentsOfDirectory(directory).map(\.name)
            #expect(names.count == 201)
            for name in names {
                #expect(try image.entry(named: name, in: directory)?.name == name)
            }
            // Index entry 0 at inode + 40: u32 listing offset, u32 directory block, u32 name size - 1, name.
            let index = inode + 40
            let last = ImagePath(bytes: names[names.count - 1])
            let cases: [(String, (inout [UInt8]) -> Void)] = [
                ("index offset past the listing", { $0.setLE32(index, 0x00FF_FFFF) }),
                ("index block past the table", { $0.setLE32(index + 4, 0x00FF_FFFF) }),
                ("index name of 300 bytes", { $0.setLE32(index + 8, 299) }),
                ("index count 0xFFFF", { $0.setLE16(inode + 32, 0xFFFF) }),
            ]
            for (what, patch) in cases {
                let bytes = crafted.patched(patch)
                let error = crafted.failure(of: bytes) { image in
                    let directory = try image.inode(at: "/indexed")
                    _ = try image.entry(named: last.bytes, in: directory)
                    _ = try image.inode(at: ImagePath("/indexed").appending(last.bytes))
                }
                #expect(error?.code == .corrupt, "\(what): \(error.map { "\($0)" } ?? "no error")")
                crafted.exerciseSurvives(bytes, what)
            }
            // An index whose offset points into the middle of an entry must not make lookups return wrong entries.
            let shifted = crafted.patched { $0.setLE32(index, crafted.original.le32(index) - 3) }
            let failure = crafted.failure(of: shifted) { image in
                let directory = try image.inode(at: "/indexed")
                for name in names {
                    if let found = try image.entry(named: name, in: directory), found.name != name {
                        Issue.record("looking up \(ImagePath(bytes: name)) returned \(ImagePath(bytes: found.name))")
                    }
                }
            }
            #expect(failure == nil || failure?.code == .corrupt, "\(failure.map { "\($0)" } ?? "")")
        }
    }
}
