/// The source tree the differential tests pack: every edge case of the format notes' checklist that a writer can
/// produce from a directory.
///
/// Sizes cover the block boundaries of 4 KiB, 128 KiB and 1 MiB blocks; there are MBs of random and of compressible
/// data, sparse files, hard links (also to a symbolic link and a fifo), symbolic links of every shape, devices, a
/// fifo, a socket, a 3000-entry directory, 40-deep nesting, odd names, special permission bits, large ids, extreme
/// times and `user.`, `trusted.` and `security.` attributes, one value shared by two files (stored out of line).
enum StandardTree {
    /// The directory with ``bigDirectoryCount`` entries.
    static let bigDirectory = "bigdir"
    static let bigDirectoryCount = 3000
    /// How deep `deep/` nests.
    static let nestingDepth = 40
    /// The number of links in the `hops/` chain (one more than path resolution may follow).
    static let hopCount = 41
    /// A 4000-byte symbolic link target.
    static let longTarget: [UInt8] = Array(String(repeating: "long/", count: 799).utf8) + Array("end!!".utf8)
    /// A 400-byte value set on two files (mksquashfs stores the second use out of line).
    static let sharedXattrValue: [UInt8] = (0..<400).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    /// A valid version-2 `security.capability` value granting `cap_net_raw+ep`.
    static let capability: [UInt8] =
        [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00] + [UInt8](repeating: 0, count: 12)
    /// The names inside `odd/`: spaces, control characters, a leading dash, UTF-8, invalid UTF-8, 255 bytes.
    static let oddNames: [[UInt8]] = [
        Array("with space".utf8), Array("new\nline".utf8), Array("tab\there".utf8), Array("-leading-dash".utf8),
        Array("--".utf8), Array("ünïcødé-名前-🙂".utf8), [0xFF, 0xFE, 0x41], [0x61, 0xC3, 0x28, 0x62],
        [UInt8](repeating: UInt8(ascii: "n"), count: 255), Array(String(repeating: "€", count: 85).utf8),
        Array("back\\slash".utf8), Array("quote\"d'".utf8), Array("*glob?[x]".utf8), Array(" leading-space".utf8),
        Array("trailing-space ".utf8), Array(".hidden".utf8), Array("...".utf8), Array("a->b".utf8),
        Array("carriage\rreturn".utf8), Array("escape\u{1B}[0m".utf8), [0x7F, 0x80, 0x81],
    ]
    /// Regular file sizes around the block boundaries of every block size the tests use.
    static let boundarySizes = [
        0, 1, 2, 4095, 4096, 4097, 8192, 12289, 131_071, 131_072, 131_073, 262_144, 393_217, 1_048_575, 1_048_576,
        1_048_577, 2_097_152,
    ]

    /// The name of entry `index` of the big directory; lengths vary so the directory index has work to do.
    static func bigDirectoryName(_ index: Int) -> [UInt8] {
        let number = String(index)
        let padded = String(repeating: "0", count: max(0, 4 - number.count)) + number
        return Array(("entry-" + padded + String(repeating: "x", count: index % 23)).utf8)
    }

    /// The full specification.
    static func specification() -> TreeSpecification {
        var tree = TreeSpecification()
        tree.root(permissions: 0o755, uid: 0, gid: 0)
        addSystemFiles(&tree)
        addSizes(&tree)
        addData(&tree)
        addLinks(&tree)
        addSymlinks(&tree)
        addDevices(&tree)
        addXattrs(&tree)
        addBigDirectory(&tree)
        addNesting(&tree)
        addOddNames(&tree)
        return tree
    }

    private static func addSystemFiles(_ tree: inout TreeSpecification) {
        tree.directory("etc")
        tree.file("etc/hostname", .bytes(Array("maas-test\n".utf8)))
        tree.symlink("etc/os-release", "../usr/lib/os-release")
        tree.directory("usr")
        tree.directory("usr/lib")
        tree.file("usr/lib/os-release", .text(count: 377, seed: 1))
        tree.directory("usr/bin")
        tree.file("usr/bin/setuid-tool", .random(count: 5000, seed: 2), permissions: 0o4755)
        tree.file("usr/bin/setgid-tool", .random(count: 300, seed: 3), permissions: 0o2755, gid: 50)
        tree.file("usr/bin/all-special", .random(count: 10, seed: 4), permissions: 0o7711)
        tree.file("usr/bin/suid-no-exec", .bytes([1, 2, 3]), permissions: 0o4644)
        tree.file("usr/bin/no-permissions", .bytes([]), permissions: 0o000)
        tree.directory("tmp", permissions: 0o1777, time: 0)
        tree.directory("srv", permissions: 0o2775, uid: 1000, gid: 1000, time: 1)
        tree.file("srv/nobody", .bytes(Array("nobody\n".utf8)), uid: 65534, gid: 65534, time: 1_234_567_890)
        tree.file("srv/large-ids", .bytes([0x42]), uid: 123_456, gid: 654_321, time: 2_147_483_647)
        tree.file("srv/after-2038", .bytes([0x43]), uid: 4_000_000_000, gid: 7, time: 4_000_000_000)
        tree.file("srv/epoch", .bytes([0x44]), permissions: 0o600, uid: 1, gid: 1, time: 0)
        tree.directory("empty-dir", permissions: 0o700)
    }

    private static func addSizes(_ tree: inout TreeSpecification) {
        tree.directory("sizes")
        for (index, size) in boundarySizes.enumerated() {
            tree.file("sizes/size-\(size)", .pattern(count: size, seed: 100 + UInt64(index)))
        }
    }

    private static func addData(_ tree: inout TreeSpecification) {
        tree.directory("data")
        tree.file("data/random-2m.bin", .random(count: 2_000_003, seed: 10))
        tree.file("data/text-3m.txt", .text(count: 3_000_001, seed: 11))
        tree.file("data/random-300k.bin", .random(count: 300_000, seed: 12))
        tree.file("data/random-300k-copy.bin", .random(count: 300_000, seed: 12))
        tree.file("data/small-a", .random(count: 100, seed: 13))
        tree.file("data/small-b-duplicate", .random(count: 100, seed: 13))
        tree.file("data/zeros-1m", .bytes([UInt8](repeating: 0, count: 1 << 20)))
        tree.directory("sparse")
        tree.file(
            "sparse/holes.bin",
            .sparse(
                size: 8 << 20,
                extents: [
                    SparseExtent(offset: 0, count: 5000, seed: 20),
                    SparseExtent(offset: 3_000_000, count: 10_000, seed: 21),
                    SparseExtent(offset: (8 << 20) - 1, count: 1, seed: 22),
                ]))
        tree.file(
            "sparse/hole-at-end.bin",
            .sparse(size: 1_500_000, extents: [SparseExtent(offset: 0, count: 200_000, seed: 23)]))
        tree.file("sparse/all-hole.bin", .sparse(size: 5 << 20, extents: []))
    }

    private static func addLinks(_ tree: inout TreeSpecification) {
        tree.directory("links")
        tree.file(
            "links/original", .text(count: 5000, seed: 30), permissions: 0o640, uid: 1000, gid: 100,
            xattrs: [XattrSpecification("user.linked", "yes")])
        tree.add("links/second", .hardLink(to: Array("links/original".utf8)))
        tree.directory("links/sub")
        tree.add("links/sub/third", .hardLink(to: Array("links/original".utf8)))
        tree.symlink("links/symlink", "original")
        tree.add("links/symlink-hard-link", .hardLink(to: Array("links/symlink".utf8)))
        tree.add("links/fifo", .fifo, permissions: 0o600)
        tree.add("links/fifo-hard-link", .hardLink(to: Array("links/fifo".utf8)))
    }

    private static func addSymlinks(_ tree: inout TreeSpecification) {
        tree.directory("symlinks")
        tree.symlink("symlinks/relative", "../etc/hostname")
        tree.symlink("symlinks/absolute", "/usr/lib/os-release")
        tree.symlink("symlinks/chain-1", "chain-2")
        tree.symlink("symlinks/chain-2", "./chain-3")
        tree.symlink("symlinks/chain-3", "/etc/os-release")
        tree.symlink("symlinks/dangling", "does/not/exist")
        tree.add("symlinks/long-target", .symlink(target: longTarget))
        tree.symlink("symlinks/above-root", "../../../../../../usr/lib/os-release")
        tree.symlink("symlinks/loop-a", "loop-b")
        tree.symlink("symlinks/loop-b", "loop-a")
        tree.symlink("symlinks/self", "self")
        tree.symlink("symlinks/to-directory", "../usr/lib")
        tree.symlink("symlinks/through-file", "../etc/hostname/child")
        tree.symlink("symlinks/to-root", "/")
        tree.symlink("symlinks/dot-dot", "..")
        tree.directory("hops")
        for index in 1...hopCount {
            let target = index == hopCount ? "../etc/hostname" : "link-\(index + 1)"
            tree.symlink("hops/link-\(index)", target)
        }
    }

    private static func addDevices(_ tree: inout TreeSpecification) {
        tree.directory("devices")
        tree.add("devices/null", .characterDevice(major: 1, minor: 3), permissions: 0o666)
        tree.add("devices/sda", .blockDevice(major: 8, minor: 0), permissions: 0o660, gid: 6)
        tree.add("devices/big-minor", .characterDevice(major: 4, minor: 300), permissions: 0o620, gid: 5)
        tree.add("devices/big-major", .blockDevice(major: 300, minor: 5), permissions: 0o600)
        tree.add("devices/fifo", .fifo, permissions: 0o644)
        tree.add("devices/socket", .socket, permissions: 0o755)
        tree.add("devices/null-hard-link", .hardLink(to: Array("devices/null".utf8)))
    }

    private static func addXattrs(_ tree: inout TreeSpecification) {
        tree.directory("xattrs", xattrs: [XattrSpecification("user.directory", "dir-value")])
        tree.file(
            "xattrs/plain", .bytes(Array("plain\n".utf8)),
            xattrs: [
                XattrSpecification("user.comment", "hello"), XattrSpecification("trusted.overlay.opaque", "y"),
                XattrSpecification("security.label", "system_u:object_r:etc_t:s0"),
            ])
        tree.file(
            "xattrs/capability", .random(count: 2000, seed: 40), permissions: 0o755,
            xattrs: [XattrSpecification("security.capability", capability)])
        tree.file(
            "xattrs/shared-1", .bytes([1]),
            xattrs: [XattrSpecification("user.shared", sharedXattrValue), XattrSpecification("user.id", "1")])
        tree.file(
            "xattrs/shared-2", .bytes([2]),
            xattrs: [XattrSpecification("user.shared", sharedXattrValue), XattrSpecification("user.id", "2")])
        tree.file("xattrs/empty-value", .bytes([]), xattrs: [XattrSpecification("user.empty", [])])
        tree.file(
            "xattrs/many", .bytes([3]),
            xattrs: (0..<20).map { index in
                XattrSpecification("user.key-\(index)", [UInt8](repeating: UInt8(index), count: index * 13))
            })
        tree.symlink("xattrs/symlink", "plain", xattrs: [XattrSpecification("trusted.link", "t")])
        tree.add("xattrs/fifo", .fifo, xattrs: [XattrSpecification("trusted.fifo", "f")])
    }

    private static func addBigDirectory(_ tree: inout TreeSpecification) {
        tree.directory(bigDirectory)
        for index in 0..<bigDirectoryCount {
            let content: FileContent = index % 10 == 0 ? .bytes(Array("\(index)\n".utf8)) : .bytes([])
            tree.add(bytes: Array("\(bigDirectory)/".utf8) + bigDirectoryName(index), .file(content))
        }
    }

    private static func addNesting(_ tree: inout TreeSpecification) {
        var path = "deep"
        tree.directory(path)
        for level in 1...nestingDepth {
            path += "/level-\(level)"
            tree.directory(path)
        }
        tree.file(path + "/leaf.txt", .bytes(Array("forty levels down\n".utf8)))
    }

    private static func addOddNames(_ tree: inout TreeSpecification) {
        tree.directory("odd")
        for (index, name) in oddNames.enumerated() {
            tree.add(bytes: Array("odd/".utf8) + name, .file(.bytes(Array("odd \(index)\n".utf8))))
        }
        tree.add(bytes: Array("odd/dir with\nnewline".utf8), .directory)
        tree.add(bytes: Array("odd/dir with\nnewline/".utf8) + [0xFF], .symlink(target: [0xFE, 0x2F, 0x41]))
    }
}
