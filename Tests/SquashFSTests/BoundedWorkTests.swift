import Foundation
import Testing

@testable import SquashFS

/// Issue 17, the reading side: path resolution and lookups with a work budget, a directory index that cannot send a
/// lookup outside its directory, shared and capped extended attribute values, streamed manifest parsing with limits,
/// and error messages that stay short and printable.
@Suite("Bounded work on hostile images")
struct BoundedWorkTests {
    /// Builds `tree` with uncompressed metadata and opens it with `options`.
    private func withImage(
        _ tree: TreeSpecification, _ body: (CraftedImage) throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            try body(try await CraftedImage.build(tree, in: directory))
        }
    }

    private func error(_ operation: () throws -> Void) -> SquashFSError? {
        do {
            try operation()
            return nil
        } catch let error as SquashFSError {
            return error
        } catch {
            Issue.record("\(error) is not a SquashFSError")
            return nil
        }
    }

    // MARK: - Defect 6: path resolution budget

    @Test("a chain of symbolic links with long targets stops at the component budget")
    func longSymlinkTargets() async throws {
        var tree = TreeSpecification()
        tree.root()
        tree.file("target", .bytes(Array("end\n".utf8)))
        // Each target is ~4 KB of "./" (2000 components) then the next link: 10 links walk 20,000 components.
        for index in 0..<10 {
            let next = index == 9 ? "target" : "l\(index + 1)"
            tree.symlink("l\(index)", String(repeating: "./", count: 2000) + next)
        }
        tree.symlink("short", "l-short")
        tree.symlink("l-short", "./target")
        try await withTemporaryDirectory { directory in
            let source = directory.appending("links")
            try POSIX.makeDirectory(Array(source.utf8))
            try TreeBuilder.build(tree, at: Array(source.utf8))
            let path = directory.appending("links.sqfs")
            try await ImageBuilder.mksquashfs(source, path)
            let image = try SquashFSImage(path: path)
            #expect(try image.contentsOfFile(at: "/short") == Array("end\n".utf8))
            #expect(try image.contentsOfFile(at: "/l9") == Array("end\n".utf8))
            let failure = error { _ = try image.inode(at: "/l0") }
            #expect(failure?.code == .limitExceeded, "\(failure.map { "\($0)" } ?? "resolved")")
            #expect(failure?.message.contains("maximumPathComponents") == true)

            var options = SquashFSImage.Options()
            options.maximumSymlinkTargetBytes = 8000
            let small = try SquashFSImage(path: path, options: options)
            let bytes = error { _ = try small.inode(at: "/l7") }
            #expect(bytes?.code == .limitExceeded && bytes?.message.contains("maximumSymlinkTargetBytes") == true)
            options.maximumSymlinkTargetBytes = .max
            options.maximumPathComponents = .max
            #expect(try SquashFSImage(path: path, options: options).contentsOfFile(at: "/l0").count == 4)
        }
    }

    @Test("lookups scan at most the lookup budget; repeated lookups are cached")
    func lookupBudget() async throws {
        try await withImage(CraftedTrees.indexed) { crafted in
            let name = "/indexed/entry-with-a-rather-long-name-number-199"
            var options = SquashFSImage.Options()
            options.maximumLookupBytes = 512
            let image = try crafted.open(crafted.original, options: options)
            // The index leads to the listing's last run; the scan from there to the last name is over 1 KiB.
            let failure = error { _ = try image.inode(at: ImagePath(name)) }
            #expect(failure?.code == .limitExceeded, "\(failure.map { "\($0)" } ?? "resolved")")
            #expect(failure?.message.contains("maximumLookupBytes") == true)
            // 1001 lookups of the same name in the root (27 bytes of listing each) cost one.
            let repeated = String(repeating: "/indexed/..", count: 1000) + "/indexed"
            #expect(try image.inode(at: ImagePath(repeated)).kind == .directory)
            #expect(try crafted.open(crafted.original).inode(at: ImagePath(name)).kind == .regularFile)
        }
    }

    // MARK: - Defect 7: the directory index

    /// Two directories with the same 200 names; `a-dir`'s are links to a file holding "A", `b-dir`'s to "B".
    static var twinDirectories: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        for directory in ["a-dir", "b-dir"] {
            tree.directory(directory)
            tree.file("\(directory)/original", .bytes(Array(directory.prefix(1).utf8)))
            for index in 0..<200 {
                let number = String(repeating: "0", count: 3 - String(index).count) + String(index)
                tree.add(
                    "\(directory)/entry-with-a-rather-long-name-number-\(number)",
                    .hardLink(to: Array("\(directory)/original".utf8)))
            }
        }
        return tree
    }

    @Test("an index entry pointing into another directory's listing is corrupt, not a lookup elsewhere")
    func indexPointingElsewhere() async throws {
        try await withImage(Self.twinDirectories) { crafted in
            let first = Array("entry-with-a-rather-long-name-number-000".utf8)
            let names = crafted.original.offsets(of: first).filter { $0 > crafted.directoryTableStart }
            try #require(names.count == 2, "the first name once per directory")
            // b-dir's listing comes second; its first run header is 12 + 8 bytes before its first name.
            let header = names[1] - 8 - 12
            let relative = header - crafted.directoryTableStart
            let block = relative / 8194 * 8194
            let within = relative % 8194 - 2
            let aEntry = crafted.original.offsets(of: Array("a-dir".utf8)).filter {
                $0 > crafted.directoryTableStart && Int(crafted.original.le16($0 - 2)) == 4
            }
            let aName = try #require(aEntry.first)
            let inode = crafted.inodeTableStart + 2 + Int(crafted.original.le16(aName - 8))
            try #require(crafted.original.le16(inode) == 8, "an extended directory inode with an index")
            try #require(crafted.original.le16(inode + 32) >= 1)
            let startOffset = Int(crafted.original.le16(inode + 34))
            let index = ((within - startOffset) % 8192 + 8192) % 8192
            let indexEntry = inode + 40
            let patched = crafted.patched { bytes in
                bytes.setLE32(indexEntry, UInt32(index))
                bytes.setLE32(indexEntry + 4, UInt32(block))
                // The index name: the first name, so that every lookup uses the entry.
                bytes.replaceSubrange((indexEntry + 12)..<(indexEntry + 12 + first.count), with: first)
            }
            let image = try crafted.open(crafted.original)
            #expect(try image.contentsOfFile(at: ImagePath("/a-dir/").appending(first)) == Array("a".utf8))
            let failure = crafted.failure(of: patched) { image in
                let content = try image.contentsOfFile(at: ImagePath("/a-dir/").appending(first))
                #expect(content == Array("a".utf8), "the lookup read b-dir's file")
            }
            #expect(failure?.code == .corrupt, "\(failure.map { "\($0)" } ?? "no error")")
            #expect(failure?.message.contains("outside the directory's listing") == true)
            crafted.exerciseSurvives(patched, "index into b-dir")
        }
    }

    // MARK: - Defect 5: shared listings

    @Test("two directory inodes sharing one listing are corrupt when walked")
    func sharedListing() async throws {
        var tree = TreeSpecification()
        tree.root()
        tree.directory("dir-one")
        tree.file("dir-one/file-1", .bytes([1]))
        tree.directory("dir-two")
        tree.file("dir-two/file-2", .bytes([2]))
        try await withImage(tree) { crafted in
            let one = crafted.inodeOffset(of: try crafted.entry("dir-one"))
            let two = crafted.inodeOffset(of: try crafted.entry("dir-two"))
            try #require(crafted.original.le16(one) == 1 && crafted.original.le16(two) == 1, "basic directory inodes")
            // Basic directory inode: u32 start block at +16, u16 file size at +24, u16 offset at +26.
            let shared = crafted.patched { bytes in
                bytes.setLE32(two + 16, crafted.original.le32(one + 16))
                bytes.setLE16(two + 24, crafted.original.le16(one + 24))
                bytes.setLE16(two + 26, crafted.original.le16(one + 26))
            }
            crafted.expect(.corrupt, shared, "dir-two shares dir-one's listing") { try walkAll($0) }
        }
    }

    // MARK: - Defect 3: extended attributes

    @Test("an inode's attribute values are capped by maximumExtendedAttributeBytes")
    func sharedXattrValues() async throws {
        // ext4 keeps a file's attributes in one 4 KiB block: 24 values of 100 bytes fit.
        let value = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var tree = TreeSpecification()
        tree.root()
        tree.file(
            "many", .bytes([1]),
            xattrs: (0..<24).map { XattrSpecification("user.a\($0 < 10 ? "0" : "")\($0)", value) })
        try await withTemporaryDirectory { directory in
            let crafted = try await CraftedImage.build(tree, in: directory, options: ["-xattrs"])
            let image = try crafted.open(crafted.original)
            #expect(try image.extendedAttributes(of: image.inode(at: "/many")).count == 24)
            var options = SquashFSImage.Options()
            options.maximumExtendedAttributeBytes = 2000
            let strict = try crafted.open(crafted.original, options: options)
            let failure = error { _ = try strict.extendedAttributes(of: strict.inode(at: "/many")) }
            #expect(failure?.code == .limitExceeded, "\(failure.map { "\($0)" } ?? "read 2,400 bytes")")
            #expect(failure?.message.contains("maximumExtendedAttributeBytes") == true)
        }
    }

    @Test("out-of-line references to one value share one copy")
    func sharedOutOfLineValue() async throws {
        try await withTemporaryDirectory { directory in
            let crafted = try await CraftedImage.build(CraftedTrees.xattrs, in: directory, options: ["-xattrs"])
            // xa-file's attribute set is [user.shared (out of line), user.k]; xb-file's, stored right after it, is
            // [user.shared (out of line)]. Counting 3 attributes for xa-file reads both references to the value.
            let file = crafted.inodeOffset(of: try crafted.entry("xa-file"))
            let xattrIndex = Int(crafted.original.le32(file + 52))
            let header = Int(crafted.original.le64(SuperblockOffset.xattrTableStart))
            let idEntry = Int(crafted.original.le64(header + 16)) + 2 + 16 * xattrIndex
            try #require(crafted.original.le32(idEntry + 8) == 2, "xa-file has two attributes")
            let image = try crafted.open(crafted.patched { $0.setLE32(idEntry + 8, 3) })
            let attributes = try image.extendedAttributes(of: image.inode(at: "/xa-file"))
            let shared = attributes.filter { $0.name == Array("user.shared".utf8) }
            try #require(shared.count == 2, "\(attributes.map { ImagePath(bytes: $0.name) })")
            #expect(shared.allSatisfy { $0.value == StandardTree.sharedXattrValue })
            let storages = Set(shared.map { $0.value.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } })
            #expect(storages.count == 1, "the out-of-line value is shared, not copied per reference")
        }
    }

    // MARK: - Defect 10: messages

    @Test("messages escape control characters and cut what is too long")
    func printableMessages() async throws {
        let error = SquashFSError(.corrupt, "name \u{1B}[31mred\u{9B}2J\u{07} end")
        #expect(error.message == "name \\x1b[31mred\\x9b2J\\x07 end")
        let long = SquashFSError(.corrupt, "start " + String(repeating: "é", count: 1 << 20) + " end")
        #expect(long.message.utf8.count <= SquashFSError.maximumMessageBytes + 100)
        #expect(long.message.hasPrefix("start ") && long.message.hasSuffix(" end") && long.message.contains("cut"))

        try await withImage(CraftedTrees.basic) { crafted in
            let image = try crafted.open(crafted.original)
            let failure = self.error { _ = try image.inode(at: ImagePath("/\u{1B}]0;title\u{07}")) }
            #expect(failure?.code == .notFound)
            #expect(failure.map { !$0.message.utf8.contains(0x1B) && !$0.message.utf8.contains(0x07) } == true)
        }
    }
}
