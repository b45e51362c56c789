/// A small source tree for hostile-image tests: a few KB of images with 4 KiB blocks that still hold every structure
/// (multi-block files, fragments, a sparse file, hard links, symbolic links, devices, a directory with several
/// headers, extended attributes with an out-of-line value), so that mutations hit all of them.
enum SmallTree {
    /// Paths the exerciser resolves in every mutant.
    static let probePaths = [
        "/etc/os-release", "/usr/bin/tool", "/data/big.bin", "/data/sparse.bin", "/links/chain", "/links/loop",
        "/dir/sub/deeper/file", "/dir/name-20", "/data/hard-2", "/xattr-1", "/missing", "/etc/os-release/x",
    ]

    static func specification() -> TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        tree.directory("etc")
        tree.symlink("etc/os-release", "../usr/lib/os-release")
        tree.directory("usr")
        tree.directory("usr/lib")
        tree.file("usr/lib/os-release", .text(count: 300, seed: 1))
        tree.directory("usr/bin")
        tree.file("usr/bin/tool", .random(count: 6000, seed: 2), permissions: 0o4755, uid: 1000, gid: 1000)
        tree.directory("data")
        tree.file("data/big.bin", .random(count: 13_000, seed: 3))
        tree.file("data/text.txt", .text(count: 9000, seed: 4))
        tree.file("data/empty", .bytes([]))
        tree.file(
            "data/sparse.bin",
            .sparse(
                size: 20_000,
                extents: [
                    SparseExtent(offset: 0, count: 100, seed: 5),
                    SparseExtent(offset: 16_000, count: 100, seed: 6),
                ]))
        tree.file("data/hard-1", .bytes([1, 2]))
        tree.add("data/hard-2", .hardLink(to: Array("data/hard-1".utf8)))
        tree.file(
            "xattr-1", .bytes([3]),
            xattrs: [
                XattrSpecification("user.shared", StandardTree.sharedXattrValue), XattrSpecification("user.a", "1"),
                XattrSpecification("trusted.t", "x"),
            ])
        tree.file("xattr-2", .bytes([4]), xattrs: [XattrSpecification("user.shared", StandardTree.sharedXattrValue)])
        tree.directory("dir")
        for index in 0..<40 {
            tree.file("dir/name-\(index < 10 ? "0" : "")\(index)", .bytes([UInt8(index)]))
        }
        tree.directory("dir/sub")
        tree.directory("dir/sub/deeper")
        tree.file("dir/sub/deeper/file", .bytes(Array("deep\n".utf8)))
        tree.directory("links")
        tree.symlink("links/abs", "/usr/lib/os-release")
        tree.symlink("links/chain", "abs")
        tree.symlink("links/loop", "loop")
        tree.add("links/null", .characterDevice(major: 1, minor: 3))
        tree.add("links/fifo", .fifo)
        return tree
    }
}
