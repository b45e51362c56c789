import SquashFS
import Testing

extension StandardTreeTests {
    /// The reader's view of each image equals the source tree it was packed from, within what each writer preserves
    /// (gensquashfs does not detect hard links, tar drops sockets, the ng tools set the root's attributes
    /// themselves, `-no-xattrs` drops attributes).
    @Suite("Differential: reader vs source tree")
    struct DifferentialSourceTests {
        @Test("tree equals the source tree", arguments: ImageRecipe.differential)
        func matchesSource(_ recipe: ImageRecipe) async throws {
            let fixture = try SourceTreeFixture.require()
            let snapshot = try await fixture.opened(recipe).snapshot
            let differences = SnapshotComparison.differences(
                expected: fixture.snapshot, actual: snapshot.tree, fidelity: recipe.fidelity)
            #expect(differences.isEmpty, "\(summarize(differences))")
        }

        @Test("file contents and random ranges equal the source files", arguments: ImageRecipe.differential)
        func contentsMatchSource(_ recipe: ImageRecipe) async throws {
            let fixture = try SourceTreeFixture.require()
            let (image, snapshot) = try await fixture.opened(recipe).parts
            let root = Array(fixture.source.utf8)
            let differences = try ContentComparison.wholeFileDifferences(image: image, snapshot: snapshot, root: root)
            #expect(differences.isEmpty, "\(summarize(differences))")
            let rangeDifferences = try ContentComparison.rangeDifferences(
                image: image, snapshot: snapshot, root: root, seed: 0x5EED_0000 &+ UInt64(recipe.name.utf8.count))
            #expect(rangeDifferences.isEmpty, "\(summarize(rangeDifferences))")
        }

        @Test("hard links share one inode with the right link count", arguments: ImageRecipe.differential)
        func hardLinks(_ recipe: ImageRecipe) async throws {
            guard recipe.fidelity.hardLinks else { return }
            let image = try await SourceTreeFixture.require().opened(recipe).image
            let original = try image.inode(at: "/links/original")
            for path in ["/links/second", "/links/sub/third"] {
                let link = try image.inode(at: ImagePath(path))
                #expect(link.reference == original.reference, "\(path)")
                #expect(link.number == original.number, "\(path)")
            }
            #expect(original.linkCount == 3)
            #expect(original.isExtended)
            let symlink = try image.inode(at: "/links/symlink", followSymlinks: false)
            let symlinkLink = try image.inode(at: "/links/symlink-hard-link", followSymlinks: false)
            #expect(symlink.reference == symlinkLink.reference)
            #expect(symlink.linkCount == 2)
            guard recipe.fidelity.specialFileHardLinks else { return }
            let fifo = try image.inode(at: "/links/fifo")
            #expect(fifo.reference == (try image.inode(at: "/links/fifo-hard-link")).reference)
            #expect(fifo.linkCount == 2)
        }

        @Test("directory link counts are 2 + subdirectories", arguments: ImageRecipe.differential)
        func directoryLinkCounts(_ recipe: ImageRecipe) async throws {
            guard recipe.fidelity.directoryLinkCounts else { return }
            let snapshot = try await SourceTreeFixture.require().opened(recipe).snapshot
            var wrong: [String] = []
            for (path, children) in snapshot.children {
                guard let directory = snapshot.tree.entries[path] else { continue }
                let expected = 2 + UInt32(children.filter { $0.inode.kind == .directory }.count)
                if directory.linkCount != expected {
                    wrong.append("\(path): \(directory.linkCount), expected \(expected)")
                }
            }
            #expect(wrong.isEmpty, "\(summarize(wrong))")
        }

        @Test(
            "inode numbers, link counts and targets match libsquashfs (rdsquashfs -s)",
            arguments: ImageRecipe.differential)
        func matchesLibsquashfs(_ recipe: ImageRecipe) async throws {
            let opened = try await SourceTreeFixture.require().opened(recipe)
            let paths = [
                "/", "/bigdir", "/links", "/links/original", "/links/second", "/links/symlink", "/links/fifo",
                "/deep", "/empty-dir", "/devices/null", "/devices/socket", "/symlinks/long-target", "/sparse/holes.bin",
                "/xattrs/symlink",
            ]
            for path in paths {
                guard opened.snapshot.tree.entries[ImagePath(path)] != nil else { continue }
                let inode = try opened.image.inode(at: ImagePath(path), followSymlinks: false)
                let output = try await ProcessRunner.run("rdsquashfs", ["-s", path, opened.path]).outputText
                func field(_ label: String) -> String? {
                    output.split(separator: "\n").first { $0.hasPrefix(label) }.map {
                        String($0.dropFirst(label.count))
                    }
                }
                #expect(field("Inode number: ") == "\(inode.number)", "\(path)")
                #expect(field("Hard link count: ") == "\(inode.linkCount)", "\(path)")
                #expect(field("Access: ") == "0" + String(inode.permissions, radix: 8), "\(path)")
                if let target = inode.symlinkTarget {
                    #expect(field("Link target: ") == String(decoding: target, as: UTF8.self), "\(path)")
                }
            }
        }
    }
}
