/// The tiny trees the crafted-image tests patch. Every name is unique in the image bytes so that its directory
/// entry can be found by searching.
enum CraftedTrees {
    /// Two levels of directories, files with data blocks and fragments, a symbolic link and short names to rename.
    static var basic: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        tree.directory("alpha-dir")
        tree.directory("alpha-dir/beta-dir")
        tree.file("alpha-dir/file-in-alpha", .bytes(Array("in alpha\n".utf8)))
        tree.directory("gamma-dir")
        tree.directory("gamma-dir/delta-dir")
        tree.file("big-file", .random(count: 9000, seed: 1))
        tree.file("m1", .bytes([1]))
        tree.file("m2", .bytes([2]))
        tree.file("small-file", .bytes(Array("small\n".utf8)))
        tree.symlink("symlink-x", "target-of-the-link")
        tree.file("zz", .bytes([3]))
        return tree
    }

    /// A sparse file of three 4 KiB blocks (an extended inode).
    static var sparse: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        tree.file(
            "holey-file", .sparse(size: 3 * 4096, extents: [SparseExtent(offset: 4096, count: 4096, seed: 2)]))
        return tree
    }

    /// A 64 MiB file that is one big hole, and a small file.
    static var giantHole: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        tree.file("giant-hole", .sparse(size: 64 << 20, extents: []))
        tree.file("holey-file", .sparse(size: 3 * 4096, extents: [SparseExtent(offset: 4096, count: 4096, seed: 2)]))
        return tree
    }

    /// A directory large enough for an extended inode with a directory index: 200 hard links (one inode) with long
    /// names, so the listing spans two metadata blocks while the inode table stays one block.
    static var indexed: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        tree.directory("indexed")
        tree.file("indexed/original-target", .bytes([9]))
        for index in 0..<200 {
            let number = String(repeating: "0", count: 3 - String(index).count) + String(index)
            tree.add(
                "indexed/entry-with-a-rather-long-name-number-\(number)",
                .hardLink(to: Array("indexed/original-target".utf8)))
        }
        return tree
    }

    /// Two files whose `user.shared` values are equal, so the second is stored out of line.
    static var xattrs: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        tree.file(
            "xa-file", .bytes([1]),
            xattrs: [
                XattrSpecification("user.shared", StandardTree.sharedXattrValue), XattrSpecification("user.k", "v"),
            ])
        tree.file("xb-file", .bytes([2]), xattrs: [XattrSpecification("user.shared", StandardTree.sharedXattrValue)])
        return tree
    }
}
