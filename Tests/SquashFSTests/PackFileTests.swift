import SquashFS
import Testing

extension StandardTreeTests {
    /// An image made by `gensquashfs` from a description ("pack") file rather than a directory: nodes that exist only
    /// in the description (devices, a fifo, a socket, a symbolic link, a hard link, implicit directories) and files
    /// taken from the standard source tree.
    @Suite("gensquashfs pack file")
    struct PackFileTests {
        /// The description, in gensquashfs 1.2's `gen_init_cpio`-like syntax; file sources are relative to `-D`.
        static let description = """
            dir /dev 0755 0 0
            nod /dev/console 0600 0 5 c 5 1
            nod /dev/sda 0660 0 6 b 8 0
            nod /dev/big-minor 0600 0 0 c 4 300
            pipe /run-fifo 0644 0 0
            sock /run-socket 0755 0 0
            slink /lib 0777 0 0 /usr/lib
            dir /usr 0755 0 0
            dir /usr/lib 0750 1000 1000
            file /usr/lib/os-release 0644 0 0 usr/lib/os-release
            file "/with space/random data" 0600 1000 1000 data/random-2m.bin
            file /sparse 0644 0 0 sparse/holes.bin
            file /boundary 0644 0 0 sizes/size-131073
            link /hard-link 0644 0 0 /usr/lib/os-release
            file /setuid 04755 0 0 etc/hostname

            """

        @Test("nodes, attributes and contents are as described; unsquashfs agrees")
        func packFile() async throws {
            let fixture = try SourceTreeFixture.require()
            let descriptionPath = fixture.directory.appending("pack.txt")
            let output = fixture.directory.appending("pack.sqfs")
            defer {
                removeTree(descriptionPath)
                removeTree(output)
            }
            let text = Array(Self.description.utf8)
            try POSIX.writeFile(Array(descriptionPath.utf8), size: text.count, extents: [(0, text)])
            try await ProcessRunner.run(
                "gensquashfs",
                ["-q", "-f", "-c", "gzip", "-b", "4096", "-D", fixture.source, "-F", descriptionPath, output])
            let image = try SquashFSImage(path: output)
            let snapshot = try ImageSnapshot(image)

            let expected: [(String, String, String, ListingEntry.SizeField?)] = [
                ("/dev/console", "crw-------", "0/5", .device(high: 5, low: 1)),
                ("/dev/sda", "brw-rw----", "0/6", .device(high: 8, low: 0)),
                ("/run-fifo", "prw-r--r--", "0/0", .size(0)),
                ("/run-socket", "srwxr-xr-x", "0/0", .size(0)),
                ("/lib", "lrwxrwxrwx", "0/0", .size(8)),
                ("/usr/lib", "drwxr-x---", "1000/1000", nil),
                ("/with space/random data", "-rw-------", "1000/1000", .size(2_000_003)),
                ("/setuid", "-rwsr-xr-x", "0/0", .size(10)),
            ]
            let entries = Dictionary(snapshot.walk.map { ($0.path, $0.inode) }, uniquingKeysWith: { first, _ in first })
            for (path, mode, owner, size) in expected {
                let inode = try #require(entries[ImagePath(path)], "\(path) missing")
                let line = ListingEntry(inode: inode, path: ImagePath(path))
                #expect(line.modeString == mode, "\(path)")
                #expect("\(line.uid)/\(line.gid)" == owner, "\(path)")
                if let size { #expect(line.sizeField == size, "\(path)") }
            }
            let bigMinor = try #require(entries["/dev/big-minor"]?.device)
            #expect(bigMinor.major == 4 && bigMinor.minor == 300)
            #expect(try image.symlinkTarget(at: "/lib") == Array("/usr/lib".utf8))
            #expect(try image.inode(at: "/lib/os-release") == (try image.inode(at: "/usr/lib/os-release")))
            #expect(entries["/hard-link"]?.reference == entries["/usr/lib/os-release"]?.reference)
            #expect(entries["/hard-link"]?.linkCount == 2)

            for (imagePath, sourcePath) in [
                ("/usr/lib/os-release", "usr/lib/os-release"), ("/with space/random data", "data/random-2m.bin"),
                ("/sparse", "sparse/holes.bin"), ("/boundary", "sizes/size-131073"), ("/setuid", "etc/hostname"),
            ] {
                let actual = try image.contentsOfFile(at: ImagePath(imagePath))
                let source = try POSIX.readFile(fixture.sourcePath(Array(sourcePath.utf8)))
                #expect(byteDifference(actual, source) == nil, "\(imagePath): \(byteDifference(actual, source) ?? "")")
            }

            let listing = try await UnsquashfsListing.list(output)
            #expect(snapshot.walk.map { ListingEntry(inode: $0.inode, path: $0.path) } == listing)
        }
    }
}
