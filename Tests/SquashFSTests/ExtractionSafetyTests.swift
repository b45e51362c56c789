import Glibc
import SquashFS
import Synchronization
import TestSupport
import Testing

/// Hostile images and hostile destinations for `SquashFSImage.extract(to:)`: nothing is ever written outside the
/// destination, limits stop amplification before anything is written, and a failed or cancelled extraction leaves
/// no half-written file under its final name and no temporary file behind.
@Suite("Extraction safety")
struct ExtractionSafetyTests {
    /// An image built from a tree, opened and walked.
    struct Built {
        var path: String
        var image: SquashFSImage
        var snapshot: ImageSnapshot
    }

    /// Builds `tree` with mksquashfs (4 KiB blocks unless `options` say otherwise) in `directory`.
    static func build(
        _ tree: TreeSpecification, in directory: TemporaryDirectory, name: String = "image",
        options: [String] = ["-b", "4K"]
    ) async throws -> Built {
        let source = directory.appending("\(name)-source")
        try POSIX.makeDirectory(Array(source.utf8))
        try TreeBuilder.build(tree, at: Array(source.utf8))
        let path = directory.appending("\(name).sqfs")
        try await ImageBuilder.mksquashfs(source, path, options)
        let image = try SquashFSImage(path: path)
        return Built(path: path, image: image, snapshot: try ImageSnapshot(image))
    }

    /// Writes hand-built image bytes to `directory` and opens them.
    static func open(_ bytes: [UInt8], in directory: TemporaryDirectory, name: String) throws -> SquashFSImage {
        let path = directory.appending("\(name).sqfs")
        try POSIX.writeFile(Array(path.utf8), size: bytes.count, extents: [(0, bytes)])
        return try SquashFSImage(path: path)
    }

    /// Runs an extraction and returns its error (`nil` if it succeeded); anything but a `SquashFSError` is an issue.
    static func failure(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> ExtractionSummary
    ) async -> SquashFSError? {
        do {
            _ = try await body()
            return nil
        } catch let error as SquashFSError {
            return error
        } catch {
            Issue.record("\(error) is not a SquashFSError", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Everything about a path outside the destination that a write, `chown`, `chmod`, `setxattr`, `utimensat` or
    /// `rename` through a symbolic link would change: each entry's record (link counts aside), its change time and the
    /// bytes of regular files.
    struct Fingerprint: Equatable, CustomStringConvertible {
        var records: [ImagePath: EntryRecord] = [:]
        var changeTimes: [ImagePath: [Int]] = [:]
        var contents: [ImagePath: [UInt8]] = [:]

        init(_ path: String, changeTimes includeChangeTimes: Bool = true) throws {
            let root = Array(path.utf8)
            for (entryPath, record) in try DirectorySnapshot.take(root).entries {
                var record = record
                record.linkCount = 0
                records[entryPath] = record
                let disk = POSIX.join(root, ContentComparison.relative(entryPath))
                if includeChangeTimes {
                    let info = try POSIX.lstat(disk)
                    changeTimes[entryPath] = [info.st_ctim.tv_sec, info.st_ctim.tv_nsec]
                }
                if record.kind == .regularFile { contents[entryPath] = try POSIX.readFile(disk) }
            }
        }

        var description: String {
            records.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        }
    }

    /// The small tree most cases extract: a directory `etc` with a file, files with data blocks, hard links, a
    /// symbolic link, a fifo and a device.
    static var smallTree: TreeSpecification {
        var tree = TreeSpecification()
        tree.root(permissions: 0o751, time: 1_111_111_111)
        tree.directory("etc", permissions: 0o755, time: 1_222_222_222)
        tree.file("etc/hostname", .bytes(Array("from-the-image\n".utf8)), permissions: 0o640, uid: 1000, gid: 1001)
        tree.symlink("etc/os-release", "../usr/lib/os-release")
        tree.directory("usr")
        tree.directory("usr/lib")
        tree.file("usr/lib/os-release", .text(count: 9000, seed: 1))
        tree.directory("data")
        tree.file("data/big.bin", .random(count: 20_000, seed: 2))
        tree.file("data/hard-1", .text(count: 5000, seed: 3), xattrs: [XattrSpecification("user.k", "v")])
        tree.add("data/hard-2", .hardLink(to: Array("data/hard-1".utf8)))
        tree.add("data/fifo", .fifo, permissions: 0o600)
        tree.add("data/null", .characterDevice(major: 1, minor: 3), permissions: 0o666)
        return tree
    }

    // MARK: - Destinations

    @Test("a destination that is a symbolic link is refused and its target is not touched")
    func symlinkDestination() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let outside = directory.appending("outside")
            try POSIX.makeDirectory(Array(outside.utf8))
            let before = try Fingerprint(outside)

            let destination = directory.appending("link-to-outside")
            try POSIX.makeSymlink(Array(destination.utf8), target: Array(outside.utf8))
            var options = ExtractionOptions()
            for allowsNonEmpty in [false, true] {
                options.allowsNonEmptyDestination = allowsNonEmpty
                let error = await Self.failure { try await built.image.extract(to: destination, options: options) }
                #expect(
                    error?.code == .unsafeDestination, "allowsNonEmpty \(allowsNonEmpty): \(String(describing: error))")
                #expect(try Fingerprint(outside) == before, "the link's target changed")
                #expect(try POSIX.lstat(Array(destination.utf8)).st_mode & S_IFMT == S_IFLNK)
            }

            // A dangling link: the missing target must not be created.
            let missing = directory.appending("not-there")
            let dangling = directory.appending("dangling-link")
            try POSIX.makeSymlink(Array(dangling.utf8), target: Array(missing.utf8))
            let error = await Self.failure { try await built.image.extract(to: dangling) }
            #expect(error?.code == .unsafeDestination, "\(String(describing: error))")
            #expect((try? POSIX.lstat(Array(missing.utf8))) == nil, "the dangling link's target was created")

            // A relative link to a directory beside it.
            let relative = directory.appending("relative-link")
            try POSIX.makeSymlink(Array(relative.utf8), target: Array("outside".utf8))
            let relativeError = await Self.failure { try await built.image.extract(to: relative) }
            #expect(relativeError?.code == .unsafeDestination, "\(String(describing: relativeError))")
            #expect(try Fingerprint(outside) == before)
        }
    }

    @Test("a destination that is a file or a fifo is refused and left alone")
    func nonDirectoryDestination() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let file = directory.appending("a-file")
            try POSIX.writeFile(Array(file.utf8), size: 5, extents: [(0, Array("hello".utf8))])
            let fifo = directory.appending("a-fifo")
            try POSIX.makeNode(Array(fifo.utf8), type: S_IFIFO)
            for destination in [file, fifo] {
                let before = try Fingerprint(destination)
                var options = ExtractionOptions()
                options.allowsNonEmptyDestination = true
                let error = await Self.failure { try await built.image.extract(to: destination, options: options) }
                #expect(error?.code == .unsafeDestination, "\(destination): \(String(describing: error))")
                #expect(try Fingerprint(destination) == before)
            }
        }
    }

    @Test("a non-empty destination is refused unless allowed; an empty one is used")
    func nonEmptyDestination() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let destination = directory.appending("occupied")
            try POSIX.makeDirectory(Array(destination.utf8))
            try POSIX.writeFile(Array((destination + "/keep.txt").utf8), size: 4, extents: [(0, Array("keep".utf8))])
            let before = try Fingerprint(destination)
            let error = await Self.failure { try await built.image.extract(to: destination) }
            #expect(error?.code == .unsafeDestination, "\(String(describing: error))")
            #expect(try Fingerprint(destination) == before, "a refused extraction changed the destination")

            // Allowed: the image is extracted and the unrelated file stays.
            var options = ExtractionOptions()
            options.allowsNonEmptyDestination = true
            _ = try await built.image.extract(to: destination, options: options)
            #expect(try POSIX.readFile(Array((destination + "/keep.txt").utf8)) == Array("keep".utf8))
            #expect(try POSIX.readFile(Array((destination + "/etc/hostname").utf8)) == Array("from-the-image\n".utf8))

            // An existing empty directory gives the same tree as a missing one (root attributes included).
            let empty = directory.appending("empty")
            try POSIX.makeDirectory(Array(empty.utf8))
            let fresh = directory.appending("fresh")
            _ = try await built.image.extract(to: empty)
            _ = try await built.image.extract(to: fresh)
            let differences = try ExtractionChecks.treeDifferences(expected: fresh, actual: empty)
            #expect(differences.isEmpty, "\(summarize(differences))")
            let reference = directory.appending("reference")
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, built.path])
            let referenceDifferences = try ExtractionChecks.treeDifferences(expected: reference, actual: fresh)
            #expect(referenceDifferences.isEmpty, "\(summarize(referenceDifferences))")
        }
    }

    @Test("a planted symbolic link or file where the image has a directory is refused, its target untouched")
    func plantedWhereDirectoryGoes() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let outside = directory.appending("outside-etc")
            try POSIX.makeDirectory(Array(outside.utf8))
            try POSIX.writeFile(
                Array((outside + "/hostname").utf8), size: 8, extents: [(0, Array("outside\n".utf8))])
            try POSIX.changeMode(Array(outside.utf8), 0o700)
            try POSIX.setModificationTime(Array(outside.utf8), 1_000_000)
            let before = try Fingerprint(outside)
            var options = ExtractionOptions()
            options.allowsNonEmptyDestination = true

            // DEST/etc -> the outside directory (absolute), and DEST/usr/lib -> it (relative, one level down).
            let absolute = directory.appending("dest-absolute")
            try POSIX.makeDirectory(Array(absolute.utf8))
            try POSIX.makeSymlink(Array((absolute + "/etc").utf8), target: Array(outside.utf8))
            let relative = directory.appending("dest-relative")
            try POSIX.makeDirectory(Array((relative).utf8))
            try POSIX.makeDirectory(Array((relative + "/usr").utf8))
            try POSIX.makeSymlink(Array((relative + "/usr/lib").utf8), target: Array("../../outside-etc".utf8))
            for (destination, link) in [(absolute, "/etc"), (relative, "/usr/lib")] {
                let error = await Self.failure { try await built.image.extract(to: destination, options: options) }
                #expect(error?.code == .unsafeDestination, "\(link): \(String(describing: error))")
                #expect(try Fingerprint(outside) == before, "\(link): the outside directory changed")
                #expect(try POSIX.lstat(Array((destination + link).utf8)).st_mode & S_IFMT == S_IFLNK)
            }

            // A regular file where a directory goes.
            let file = directory.appending("dest-file")
            try POSIX.makeDirectory(Array(file.utf8))
            try POSIX.writeFile(Array((file + "/data").utf8), size: 3, extents: [(0, [1, 2, 3])])
            let error = await Self.failure { try await built.image.extract(to: file, options: options) }
            #expect(error?.code == .unsafeDestination, "\(String(describing: error))")
            #expect(try POSIX.readFile(Array((file + "/data").utf8)) == [1, 2, 3])
        }
    }

    @Test(
        "planted links, hard links and fifos where the image has files are replaced, never written through")
    func plantedWhereFilesGo() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let outsideFile = directory.appending("outside-file")
            try POSIX.writeFile(Array(outsideFile.utf8), size: 8, extents: [(0, Array("outside\n".utf8))])
            try POSIX.changeMode(Array(outsideFile.utf8), 0o604)
            try POSIX.setModificationTime(Array(outsideFile.utf8), 1_000_000)
            let linked = directory.appending("outside-hard-linked")
            try POSIX.writeFile(Array(linked.utf8), size: 6, extents: [(0, Array("linked".utf8))])
            let outsideDirectory = directory.appending("outside-directory")
            try POSIX.makeDirectory(Array(outsideDirectory.utf8))
            let beforeFile = try Fingerprint(outsideFile)
            let beforeLinked = try Fingerprint(linked, changeTimes: false)
            let beforeDirectory = try Fingerprint(outsideDirectory)

            let destination = directory.appending("dest")
            for path in ["", "/etc", "/data", "/usr", "/usr/lib"] {
                try POSIX.makeDirectory(Array((destination + path).utf8))
            }
            // Symbolic links at a file's path (absolute and relative) and at a symbolic link's path.
            try POSIX.makeSymlink(Array((destination + "/etc/hostname").utf8), target: Array(outsideFile.utf8))
            try POSIX.makeSymlink(Array((destination + "/data/big.bin").utf8), target: Array("../../outside-file".utf8))
            try POSIX.makeSymlink(Array((destination + "/etc/os-release").utf8), target: Array(outsideDirectory.utf8))
            // A hard link to an outside file at a hard-linked file's path, a fifo at a file's path (opening it for
            // writing would block), a symbolic link to a directory at a device's path.
            try POSIX.makeHardLink(Array((destination + "/data/hard-1").utf8), to: Array(linked.utf8))
            try POSIX.makeNode(Array((destination + "/usr/lib/os-release").utf8), type: S_IFIFO)
            try POSIX.makeSymlink(Array((destination + "/data/null").utf8), target: Array(outsideDirectory.utf8))

            var options = ExtractionOptions()
            options.allowsNonEmptyDestination = true
            _ = try await built.image.extract(to: destination, options: options)

            #expect(try Fingerprint(outsideFile) == beforeFile, "the outside file changed")
            #expect(try Fingerprint(linked, changeTimes: false) == beforeLinked, "the hard-linked outside file changed")
            #expect(try Fingerprint(outsideDirectory) == beforeDirectory, "the outside directory changed")
            // The result is the image, exactly as a fresh extraction writes it.
            let fresh = directory.appending("fresh")
            _ = try await built.image.extract(to: fresh)
            let differences = try ExtractionChecks.treeDifferences(expected: fresh, actual: destination)
            #expect(differences.isEmpty, "\(summarize(differences))")
            let hardLinked = try POSIX.lstat(Array((destination + "/data/hard-1").utf8))
            #expect(hardLinked.st_ino != (try POSIX.lstat(Array(linked.utf8))).st_ino)
            #expect(hardLinked.st_nlink == 2)
        }
    }

    // MARK: - Hostile images

    /// Builds a crafted image whose root holds `dup-a`, a symbolic link to `target`, then `dup-b` (made by
    /// `second`), and renames the link's entry to `dup-b`: two entries of one name, the link first (CVE-2021-41072).
    private func duplicateNameImage(
        target: String, in directory: TemporaryDirectory, name: String,
        second: (inout TreeSpecification) -> Void
    ) async throws -> SquashFSImage {
        var tree = TreeSpecification()
        tree.root()
        tree.symlink("dup-a", target)
        second(&tree)
        let crafted = try await CraftedImage.build(tree, in: directory, name: name)
        let entry = try crafted.entry("dup-a")
        let bytes = crafted.patched { $0[entry.nameField + 4] = UInt8(ascii: "b") }
        let path = directory.appending("\(name)-duplicate.sqfs")
        try POSIX.writeFile(Array(path.utf8), size: bytes.count, extents: [(0, bytes)])
        return try SquashFSImage(path: path)
    }

    @Test("duplicate names (a symbolic link, then a directory or file of the same name) write nothing outside")
    func duplicateNames() async throws {
        try await withTemporaryDirectory { directory in
            let outsideDirectory = directory.appending("outside-directory")
            try POSIX.makeDirectory(Array(outsideDirectory.utf8))
            let outsideFile = directory.appending("outside-file")
            try POSIX.writeFile(Array(outsideFile.utf8), size: 8, extents: [(0, Array("outside\n".utf8))])
            let beforeDirectory = try Fingerprint(outsideDirectory)
            let beforeFile = try Fingerprint(outsideFile)

            let throughDirectory = try await duplicateNameImage(
                target: outsideDirectory, in: directory, name: "dup-directory"
            ) { tree in
                tree.directory("dup-b")
                tree.file("dup-b/payload-file", .bytes(Array("payload\n".utf8)))
            }
            let throughFile = try await duplicateNameImage(target: outsideFile, in: directory, name: "dup-file") {
                tree in
                tree.file("dup-b", .bytes(Array("overwritten\n".utf8)), permissions: 0o777)
            }
            for (name, image) in [("directory", throughDirectory), ("file", throughFile)] {
                for allowsNonEmpty in [false, true] {
                    let destination = directory.appending("dest-\(name)-\(allowsNonEmpty)")
                    var options = ExtractionOptions()
                    options.allowsNonEmptyDestination = allowsNonEmpty
                    let error = await Self.failure { try await image.extract(to: destination, options: options) }
                    // The reader rejects duplicate names as corrupt; whatever happens, nothing may leak outside.
                    #expect(error != nil, "\(name): an image with a duplicate name was extracted")
                    #expect(try Fingerprint(outsideDirectory) == beforeDirectory, "\(name): outside directory changed")
                    #expect(try Fingerprint(outsideFile) == beforeFile, "\(name): outside file changed")
                    let leftovers = try ExtractionChecks.paths(under: destination).filter {
                        $0.string?.contains("payload") == true || $0.lastComponent.first == UInt8(ascii: ".")
                    }
                    #expect(leftovers.isEmpty, "\(name): \(leftovers)")
                }
            }
        }
    }

    @Test("absolute and '..' symbolic links are created verbatim and never followed, even to set their metadata")
    func symlinksNotFollowed() async throws {
        try await withTemporaryDirectory { directory in
            let outsideFile = directory.appending("outside-file")
            try POSIX.writeFile(Array(outsideFile.utf8), size: 8, extents: [(0, Array("outside\n".utf8))])
            try POSIX.changeMode(Array(outsideFile.utf8), 0o600)
            try POSIX.setModificationTime(Array(outsideFile.utf8), 1_000_000)
            let outsideDirectory = directory.appending("outside-directory")
            try POSIX.makeDirectory(Array(outsideDirectory.utf8))
            let beforeFile = try Fingerprint(outsideFile)
            let beforeDirectory = try Fingerprint(outsideDirectory)

            let escape = String(repeating: "../", count: 30) + outsideFile.dropFirst()
            let targets: [(name: String, target: String)] = [
                ("absolute-file", outsideFile), ("absolute-directory", outsideDirectory),
                ("dot-dot", "../outside-file"), ("many-dot-dots", escape),
                ("dot-dot-directory", "../outside-directory"),
            ]
            var tree = TreeSpecification()
            tree.root()
            for (index, (name, target)) in targets.enumerated() {
                tree.add(
                    name, .symlink(target: Array(target.utf8)), uid: 4321, gid: 8765, time: 900_000_000 + index,
                    xattrs: [XattrSpecification("trusted.link", name)])
            }
            let built = try await Self.build(tree, in: directory)
            let destination = directory.appending("dest")
            _ = try await built.image.extract(to: destination)

            #expect(try Fingerprint(outsideFile) == beforeFile, "the outside file changed")
            #expect(try Fingerprint(outsideDirectory) == beforeDirectory, "the outside directory changed")
            for (index, (name, target)) in targets.enumerated() {
                let path = Array((destination + "/" + name).utf8)
                let info = try POSIX.lstat(path)
                #expect(info.st_mode & S_IFMT == S_IFLNK, "\(name)")
                #expect(try POSIX.readLink(path) == Array(target.utf8), "\(name)")
                #expect(info.st_uid == 4321 && info.st_gid == 8765, "\(name): owner \(info.st_uid):\(info.st_gid)")
                #expect(info.st_mtim.tv_sec == 900_000_000 + index, "\(name): mtime \(info.st_mtim.tv_sec)")
                #expect(try POSIX.getXattr(path, Array("trusted.link".utf8)) == Array(name.utf8), "\(name)")
            }
        }
    }

    @Test("hard links are real hard links, to files of this extraction only")
    func hardLinks() async throws {
        try await withTemporaryDirectory { directory in
            var tree = TreeSpecification()
            tree.root()
            tree.file(
                "h1", .text(count: 7000, seed: 5), permissions: 0o4750, uid: 1000, gid: 100,
                xattrs: [XattrSpecification("user.shared", "yes")])
            tree.add("h2", .hardLink(to: Array("h1".utf8)))
            tree.directory("sub")
            tree.add("sub/h3", .hardLink(to: Array("h1".utf8)))
            tree.symlink("s1", "h1")
            tree.add("s2", .hardLink(to: Array("s1".utf8)))
            tree.add("f1", .fifo)
            tree.add("f2", .hardLink(to: Array("f1".utf8)))
            tree.file("empty-1", .bytes([]))
            tree.add("empty-2", .hardLink(to: Array("empty-1".utf8)))
            let built = try await Self.build(tree, in: directory)
            let destination = directory.appending("dest")
            let summary = try await built.image.extract(to: destination)
            // mksquashfs 4.5.1 stores the two names of a symbolic link as two inodes; files and fifos stay linked.
            let imageGroups = built.snapshot.tree.hardLinkGroups(kinds: [
                .regularFile, .symbolicLink, .fifo, .socket, .blockDevice, .characterDevice,
            ])
            let expectedGroups: Set<Set<ImagePath>> = [
                ["/h1", "/h2", "/sub/h3"], ["/f1", "/f2"], ["/empty-1", "/empty-2"],
            ]
            try #require(expectedGroups.isSubset(of: imageGroups), "\(imageGroups)")
            #expect(summary.hardLinks == ExpectedCounts(built.snapshot.walk).hardLinks, "\(summary)")

            func inode(_ path: String) throws -> stat { try POSIX.lstat(Array((destination + "/" + path).utf8)) }
            for group in imageGroups {
                let infos = try group.map { try inode(String(decoding: ContentComparison.relative($0), as: UTF8.self)) }
                #expect(Set(infos.map(\.st_ino)).count == 1, "\(group.sorted()) are not one inode")
                #expect(infos.allSatisfy { $0.st_nlink == group.count }, "\(group.sorted()): \(infos.map(\.st_nlink))")
            }
            let h1 = try inode("h1")
            #expect(h1.st_mode & 0o7777 == 0o4750 && h1.st_uid == 1000 && h1.st_gid == 100)
            let reference = directory.appending("reference")
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, built.path])
            let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: destination)
            #expect(differences.isEmpty, "\(summarize(differences))")
        }
    }

    @Test("restoresExtendedAttributes false writes no attributes, and changes nothing else")
    func withoutXattrs() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let destination = directory.appending("dest")
            var options = ExtractionOptions()
            options.restoresExtendedAttributes = false
            _ = try await built.image.extract(to: destination, options: options)
            let reference = directory.appending("reference")
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-no-xattrs", "-d", reference, built.path])
            let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: destination)
            #expect(differences.isEmpty, "\(summarize(differences))")
            let withXattrs = try DirectorySnapshot.take(Array(destination.utf8)).entries.filter {
                !$0.value.xattrs.isEmpty
            }
            #expect(withXattrs.isEmpty, "\(withXattrs.keys.sorted())")
        }
    }

    // MARK: - Limits

    @Test("a file of more than 1 TiB made of sparse blocks exceeds the default byte limit; nothing is written")
    func sparseAmplification() async throws {
        try await withTemporaryDirectory { directory in
            var handBuilt = HandBuiltImage()
            let size: UInt64 = (1 << 40) + (1 << 20)
            handBuilt.files = [
                HandBuiltImage.File(name: "a-first", size: 0, blockSizes: []),
                HandBuiltImage.sparseFile("huge", size: size),
            ]
            let image = try Self.open(handBuilt.bytes(), in: directory, name: "huge")
            #expect(try image.inode(at: "/huge").size == size)
            for preCreated in [false, true] {
                let destination = directory.appending("dest-\(preCreated)")
                if preCreated { try POSIX.makeDirectory(Array(destination.utf8)) }
                let error = await Self.failure { try await image.extract(to: destination) }
                #expect(error?.code == .limitExceeded, "\(String(describing: error))")
                let written = try ExtractionChecks.paths(under: destination)
                #expect(written.isSubset(of: [.root]), "written before the limit was checked: \(written)")
            }
            // A lower limit stops a smaller file the same way.
            var options = ExtractionOptions()
            options.maximumTotalBytes = 1 << 30
            let destination = directory.appending("dest-small-limit")
            let error = await Self.failure { try await image.extract(to: destination, options: options) }
            #expect(error?.code == .limitExceeded, "\(String(describing: error))")
            #expect(try ExtractionChecks.paths(under: destination).isSubset(of: [.root]))
        }
    }

    @Test("a 2 GiB sparse file within the limit is written as a hole")
    func largeSparseFileIsAHole() async throws {
        try await withTemporaryDirectory { directory in
            var handBuilt = HandBuiltImage()
            let size: UInt64 = 2 << 30
            handBuilt.files = [HandBuiltImage.sparseFile("hole", size: size)]
            let image = try Self.open(handBuilt.bytes(), in: directory, name: "hole")
            let destination = directory.appending("dest")
            let summary = try await image.extract(to: destination)
            #expect(summary.bytes == size)
            let info = try POSIX.lstat(Array((destination + "/hole").utf8))
            #expect(UInt64(info.st_size) == size)
            #expect(Int(info.st_blocks) * 512 < 1 << 20, "\(Int(info.st_blocks) * 512) bytes allocated")
        }
    }

    @Test("many inodes sharing one data block are each counted against the byte limit")
    func duplicateBlockAmplification() async throws {
        try await withTemporaryDirectory { directory in
            func image(copies: Int, name: String) throws -> SquashFSImage {
                var handBuilt = HandBuiltImage()
                var generator = SeededGenerator(seed: 77)
                handBuilt.data = generator.bytes(1 << 20)
                handBuilt.files = (0..<copies).map {
                    HandBuiltImage.File(name: "copy-\($0)", size: 1 << 20, blockSizes: [0x0100_0000 | (1 << 20)])
                }
                return try Self.open(handBuilt.bytes(), in: directory, name: name)
            }
            // 2048 files of 1 MiB from a 1 MiB image.
            let amplified = try image(copies: 2048, name: "amplified")
            var options = ExtractionOptions()
            options.maximumTotalBytes = 1 << 30
            let destination = directory.appending("dest-amplified")
            let error = await Self.failure { try await amplified.extract(to: destination, options: options) }
            #expect(error?.code == .limitExceeded, "\(String(describing: error))")
            #expect(try ExtractionChecks.paths(under: destination).isSubset(of: [.root]))

            // The limit is inclusive: 16 MiB fits 16 MiB, not 16 MiB - 1.
            let small = try image(copies: 16, name: "small")
            options.maximumTotalBytes = (16 << 20) - 1
            let over = directory.appending("dest-over")
            let overError = await Self.failure { try await small.extract(to: over, options: options) }
            #expect(overError?.code == .limitExceeded, "\(String(describing: overError))")
            #expect(try ExtractionChecks.paths(under: over).isSubset(of: [.root]))
            options.maximumTotalBytes = 16 << 20
            let summary = try await small.extract(to: directory.appending("dest-fits"), options: options)
            #expect(summary.bytes == 16 << 20 && summary.files == 16)
        }
    }

    @Test("the entry and byte limits are checked before anything is written")
    func limitsOnANormalImage() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.smallTree, in: directory)
            let expected = ExpectedCounts(built.snapshot.walk)
            var options = ExtractionOptions()
            options.maximumEntries = expected.entries - 2
            let destination = directory.appending("dest")
            try POSIX.makeDirectory(Array(destination.utf8))
            var error = await Self.failure { try await built.image.extract(to: destination, options: options) }
            #expect(error?.code == .limitExceeded, "\(String(describing: error))")
            #expect(try ExtractionChecks.paths(under: destination) == [.root])

            options = ExtractionOptions()
            options.maximumTotalBytes = expected.bytes - 1
            error = await Self.failure { try await built.image.extract(to: destination, options: options) }
            #expect(error?.code == .limitExceeded, "\(String(describing: error))")
            #expect(try ExtractionChecks.paths(under: destination) == [.root])

            options.maximumTotalBytes = expected.bytes
            options.maximumEntries = expected.entries
            let summary = try await built.image.extract(to: destination, options: options)
            #expect(ExpectedCounts(summary) == expected, "\(ExpectedCounts(summary)), expected \(expected)")
        }
    }

    // MARK: - Failures and cancellation

    /// Many compressible files (so every data block is compressed and a damaged one fails to decode).
    static var manyFilesTree: TreeSpecification {
        var tree = TreeSpecification()
        tree.root()
        for directoryIndex in 0..<4 {
            tree.directory("dir-\(directoryIndex)")
            for fileIndex in 0..<12 {
                tree.file(
                    "dir-\(directoryIndex)/file-\(fileIndex).txt",
                    .text(count: 40_000 + fileIndex * 1000, seed: UInt64(directoryIndex * 100 + fileIndex)))
            }
        }
        return tree
    }

    @Test("a corrupt data block fails the extraction without a half-written file or a temporary file left")
    func corruptDataBlock() async throws {
        try await withTemporaryDirectory { directory in
            let built = try await Self.build(Self.manyFilesTree, in: directory, options: ["-b", "4K", "-no-fragments"])
            var bytes = try POSIX.readFile(Array(built.path.utf8))
            let inodeTableStart = Int(bytes.le64(SuperblockOffset.inodeTableStart))
            let middle = (96 + inodeTableStart) / 2
            for offset in middle..<(middle + 64) { bytes[offset] = 0x55 }
            let corrupt = try Self.open(bytes, in: directory, name: "corrupt")
            // The files whose contents can no longer be read.
            var victims: [ImagePath] = []
            for entry in built.snapshot.walk where entry.inode.kind == .regularFile {
                if (try? corrupt.contentsOfFile(at: entry.path)) == nil { victims.append(entry.path) }
            }
            try #require(!victims.isEmpty, "the damage must hit a data block")

            for jobs in [1, 2, 4] {
                var options = ExtractionOptions()
                options.jobs = jobs
                let destination = directory.appending("dest-\(jobs)")
                let error = await Self.failure { try await corrupt.extract(to: destination, options: options) }
                #expect(error != nil, "jobs \(jobs): a corrupt image extracted without error")
                let problems = try ExtractionChecks.partialExtractionProblems(
                    root: destination, image: built.image, snapshot: built.snapshot)
                #expect(problems.isEmpty, "jobs \(jobs):\n\(summarize(problems))")
            }

            // Replacing: a file already at a damaged file's path keeps its old contents or gets the whole new ones.
            let destination = directory.appending("dest-replacing")
            let victim = victims[0]
            let relative = ContentComparison.relative(victim)
            let parent = ImagePath(bytes: Array(victim.bytes.dropLast(victim.lastComponent.count + 1)))
            try POSIX.makeDirectory(Array(destination.utf8))
            try POSIX.makeDirectory(POSIX.join(Array(destination.utf8), ContentComparison.relative(parent)))
            let old = Array("old contents\n".utf8)
            try POSIX.writeFile(POSIX.join(Array(destination.utf8), relative), size: old.count, extents: [(0, old)])
            var options = ExtractionOptions()
            options.allowsNonEmptyDestination = true
            let error = await Self.failure { try await corrupt.extract(to: destination, options: options) }
            #expect(error != nil)
            // The old file may have been removed, but never replaced by part of the new contents.
            if let left = try? POSIX.readFile(POSIX.join(Array(destination.utf8), relative)) {
                #expect(left == old, "\(victim): \(left.count) bytes under the final name instead of the old contents")
            }
            var problems = try ExtractionChecks.partialExtractionProblems(
                root: destination, image: built.image, snapshot: built.snapshot)
            problems.removeAll { $0.hasPrefix("\(victim):") }
            #expect(problems.isEmpty, "\(summarize(problems))")
        }
    }

    /// Holds the extraction task so that the progress callback can cancel it.
    final class Canceller: Sendable {
        private let state = Mutex<
            (task: Task<ExtractionSummary, any Error>?, requested: Bool, at: ExtractionProgress?)
        >(
            (nil, false, nil))

        func set(_ task: Task<ExtractionSummary, any Error>) {
            let cancelNow = state.withLock { state in
                state.task = task
                return state.requested
            }
            if cancelNow { task.cancel() }
        }

        /// Cancels the task (now, or as soon as it is set); remembers the first progress it was asked at.
        func cancel(at progress: ExtractionProgress) {
            let task = state.withLock { state -> Task<ExtractionSummary, any Error>? in
                if state.requested { return nil }
                state.requested = true
                state.at = progress
                return state.task
            }
            task?.cancel()
        }

        var requestedAt: ExtractionProgress? { state.withLock { $0.at } }
    }

    @Test("cancelling the task stops the extraction with .cancelled and leaves only complete files")
    func cancellation() async throws {
        try await withTemporaryDirectory { directory in
            var tree = TreeSpecification()
            tree.root()
            for directoryIndex in 0..<8 {
                tree.directory("dir-\(directoryIndex)")
                for fileIndex in 0..<60 {
                    tree.file(
                        "dir-\(directoryIndex)/file-\(fileIndex)",
                        .pattern(count: 60_000 + fileIndex * 3000, seed: UInt64(directoryIndex * 1000 + fileIndex)))
                }
            }
            let built = try await Self.build(tree, in: directory, options: ["-b", "4K"])

            // The cancel is issued from the first progress report that arrives before the end. Reports come from a
            // timer, so under heavy load none may arrive before the extraction finishes: such a run proves nothing
            // and is only checked for a complete tree. A cancel that lands after the last file is a no-op.
            for jobs in [1, 3] {
                let destination = directory.appending("dest-\(jobs)")
                var options = ExtractionOptions()
                options.jobs = jobs
                let canceller = Canceller()
                let image = built.image
                let task = Task { [options] in
                    try await image.extract(to: destination, options: options) { progress in
                        if progress.bytesWritten < progress.totalBytes { canceller.cancel(at: progress) }
                    }
                }
                canceller.set(task)
                do {
                    let summary = try await task.value
                    // Finished: every entry is there, complete.
                    #expect(summary.bytes == ExpectedCounts(built.snapshot.walk).bytes)
                    #expect(try ExtractionChecks.paths(under: destination) == Set(built.snapshot.tree.entries.keys))
                } catch let error as SquashFSError {
                    #expect(canceller.requestedAt != nil, "jobs \(jobs): failed without a cancel: \(error)")
                    #expect(error.code == .cancelled, "jobs \(jobs): \(error)")
                }
                let problems = try ExtractionChecks.partialExtractionProblems(
                    root: destination, image: built.image, snapshot: built.snapshot)
                #expect(problems.isEmpty, "jobs \(jobs):\n\(summarize(problems))")
            }

            // Cancelled before it starts: nothing is written.
            let destination = directory.appending("dest-precancelled")
            let image = built.image
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await image.extract(to: destination)
            }
            do {
                _ = try await task.value
                Issue.record("an extraction in a cancelled task finished")
            } catch let error as SquashFSError {
                #expect(error.code == .cancelled, "\(error)")
            }
            let written = try ExtractionChecks.paths(under: destination)
            #expect(written.isSubset(of: [.root]), "\(written.sorted().prefix(10))")
        }
    }

    /// The progress reports of one extraction, in the order they arrived.
    final class ProgressLog: Sendable {
        private let reports = Mutex<[ExtractionProgress]>([])
        func append(_ progress: ExtractionProgress) { reports.withLock { $0.append(progress) } }
        var all: [ExtractionProgress] { reports.withLock { $0 } }
    }

    @Test("progress: totals up front equal the sums, reports are monotonic, the last one equals the totals")
    func progress() async throws {
        try await withTemporaryDirectory { directory in
            var tree = Self.manyFilesTree
            tree.file("sparse", .sparse(size: 3 << 20, extents: [SparseExtent(offset: 100_000, count: 10, seed: 1)]))
            tree.file("hard", .bytes([1, 2, 3]))
            tree.add("hard-link", .hardLink(to: Array("hard".utf8)))
            tree.symlink("link", "hard")
            tree.add("fifo", .fifo)
            let built = try await Self.build(tree, in: directory)
            let expected = ExpectedCounts(built.snapshot.walk)
            for jobs in [1, 2] {
                let reports = ProgressLog()
                var options = ExtractionOptions()
                options.jobs = jobs
                let summary = try await built.image.extract(
                    to: directory.appending("dest-\(jobs)"), options: options
                ) { progress in
                    reports.append(progress)
                }
                let received = reports.all
                #expect(ExpectedCounts(summary) == expected, "\(ExpectedCounts(summary)), expected \(expected)")
                try #require(!received.isEmpty, "jobs \(jobs): no progress reported")
                let totals = Set(received.map { "\($0.totalBytes)/\($0.totalEntries)" })
                #expect(
                    received.allSatisfy { $0.totalBytes == expected.bytes && $0.totalEntries == expected.entries },
                    "jobs \(jobs): totals \(totals), expected \(expected.bytes)/\(expected.entries)")
                for (earlier, later) in zip(received, received.dropFirst()) {
                    #expect(
                        later.bytesWritten >= earlier.bytesWritten && later.entriesDone >= earlier.entriesDone,
                        "jobs \(jobs): \(later) after \(earlier)")
                }
                #expect(received.allSatisfy { $0.bytesWritten <= $0.totalBytes && $0.entriesDone <= $0.totalEntries })
                let last = try #require(received.last)
                #expect(last.bytesWritten == last.totalBytes && last.entriesDone == last.totalEntries, "\(last)")
                #expect(summary.bytes == last.totalBytes && summary.entries == last.totalEntries)
            }
        }
    }
}
