import Foundation
import ImageContents
import SquashFS
import TestSupport
import Testing

/// `ImageDifference` on images built with mksquashfs, checked against what was changed and against `sqfsdiff`.
@Suite("Image difference")
struct ImageDifferenceTests {
    private typealias Change = ImageDifference.Change

    /// A dpkg status stanza.
    private static func stanza(_ name: String, _ version: String, arch: String = "amd64", multiArch: Bool = false)
        -> String
    {
        "Package: \(name)\nStatus: install ok installed\nArchitecture: \(arch)\n"
            + (multiArch ? "Multi-Arch: same\n" : "") + "Version: \(version)\nDescription: x\n continued\n\n"
    }

    /// Runs a shell script with `$1` set to `directory`.
    private static func shell(_ script: String, in directory: String) async throws {
        try await ProcessRunner.run("sh", ["-e", "-c", script, "sh", directory])
    }

    /// Writes the old tree under `root`: small files (in fragments), large files (data blocks, one with a tail),
    /// links, a fifo, xattrs and a dpkg database.
    private static func makeOldTree(_ root: String) async throws {
        let status =
            stanza("dpkg", "1.21.22") + stanza("libc6", "2.36-9", multiArch: true)
            + stanza("libc6", "2.36-9", arch: "i386", multiArch: true) + stanza("alpha", "1.0")
            + stanza("beta", "2:3.0-1", arch: "all")
        try await shell(
            """
            r=$1
            mkdir -p $r/etc $r/usr/bin $r/usr/share/doc/alpha $r/gone/sub $r/var/lib/dpkg/updates
            printf 'hello\\n' > $r/etc/small
            printf 'grow\\n' > $r/etc/grow
            printf 'mode\\n' > $r/etc/mode
            printf 'owner\\n' > $r/etc/owner
            printf 'mtime\\n' > $r/etc/mtime
            printf 'type\\n' > $r/etc/type
            printf 'xattr\\n' > $r/etc/xattr
            setfattr -n user.test -v one $r/etc/xattr
            head -c 300000 /dev/urandom > $r/usr/bin/big
            printf 'A' | dd of=$r/usr/bin/big bs=1 seek=150000 conv=notrunc status=none
            yes blocks | head -c 262144 > $r/usr/bin/blocks
            head -c 5000 /dev/urandom > $r/usr/share/doc/alpha/changelog
            ln -s target1 $r/usr/bin/link
            mkfifo $r/usr/bin/fifo
            printf 'x\\n' > $r/gone/sub/file
            truncate -s 600000 $r/usr/bin/sparse
            printf 'data' | dd of=$r/usr/bin/sparse bs=1 seek=200000 conv=notrunc status=none
            truncate -s 600000 $r/usr/bin/sparse-same
            touch -d '2020-01-01 00:00:00' $r/etc/mtime
            """, in: root)
        try Data(status.utf8).write(to: URL(fileURLWithPath: root + "/var/lib/dpkg/status"))
    }

    /// Copies the old tree to `new` and changes one thing of each kind; returns the changes expected.
    private static func makeNewTree(from old: String, _ new: String) async throws {
        let status =
            stanza("dpkg", "1.21.22") + stanza("libc6", "2.36-10", multiArch: true)
            + stanza("libc6", "2.36-9", arch: "i386", multiArch: true) + stanza("beta", "2:3.0-1", arch: "all")
            + stanza("gamma", "0:0.1")
        try await shell(
            """
            cp -a \(old) $1
            r=$1
            printf 'hellO\\n' > $r/etc/small
            printf 'grown\\n' > $r/etc/grow
            chmod 600 $r/etc/mode
            chown 1000:1000 $r/etc/owner
            touch -d '2021-01-01 00:00:00' $r/etc/mtime
            rm $r/etc/type && mkdir $r/etc/type
            setfattr -n user.test -v two $r/etc/xattr
            printf 'Z' | dd of=$r/usr/bin/big bs=1 seek=150000 conv=notrunc status=none
            printf 'Z' | dd of=$r/usr/bin/sparse bs=1 seek=400000 conv=notrunc status=none
            ln -sfn target2 $r/usr/bin/link
            rm -r $r/gone
            mkdir -p $r/new/dir && printf 'n\\n' > $r/new/dir/file
            """, in: new)
        try Data(status.utf8).write(to: URL(fileURLWithPath: new + "/var/lib/dpkg/status"))
        // Keep the directories' times as they were, so that only the intended changes show.
        try await shell("touch -r \(old)/etc $1/etc; touch -r \(old)/usr/bin $1/usr/bin", in: new)
    }

    /// The old and new images of the standard change set, packed with `options`.
    private static func makeImages(
        in directory: TemporaryDirectory, _ options: [String] = ["-comp", "xz"], new newOptions: [String]? = nil
    ) async throws -> (old: String, new: String) {
        let (oldRoot, newRoot) = (directory.appending("old"), directory.appending("new"))
        try await makeOldTree(oldRoot)
        try await makeNewTree(from: oldRoot, newRoot)
        let (oldImage, newImage) = (directory.appending("old.sqfs"), directory.appending("new.sqfs"))
        try await ImageBuilder.mksquashfs(oldRoot, oldImage, options)
        try await ImageBuilder.mksquashfs(newRoot, newImage, newOptions ?? options)
        return (oldImage, newImage)
    }

    private static func changes(_ difference: ImageDifference) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for file in difference.files.changed { result[file.path.description] = file.changes.map(\.description) }
        return result
    }

    @Test(
        "each kind of change is reported, and packages are compared by name and architecture",
        arguments: [nil, ["-comp", "gzip", "-b", "4096", "-no-fragments"]])
    func everyKindOfChange(newLayout: [String]?) async throws {
        try await withTemporaryDirectory { directory in
            // With another layout on the new side, every content comparison decodes both files.
            let (oldPath, newPath) = try await Self.makeImages(in: directory, new: newLayout)
            let old = try SquashFSImage(path: oldPath)
            let new = try SquashFSImage(path: newPath)
            let difference = try ImageDifference(old: old, new: new)
            #expect(difference.files.added.map(\.path.description) == ["/new", "/new/dir", "/new/dir/file"])
            #expect(difference.files.added.map(\.kind) == [.directory, .directory, .regularFile])
            #expect(difference.files.removed.map(\.path.description) == ["/gone", "/gone/sub", "/gone/sub/file"])
            #expect(
                Self.changes(difference) == [
                    "/etc/small": ["content"], "/etc/grow": ["size", "content"], "/etc/mode": ["mode"],
                    "/etc/owner": ["owner"], "/etc/type": ["type"], "/etc/xattr": ["xattrs"],
                    "/usr/bin/big": ["content"], "/usr/bin/link": ["link-target"], "/usr/bin/sparse": ["content"],
                    "/var/lib/dpkg/status": ["size", "content"],
                ])
            // Tree order: the changed paths come sorted component by component.
            #expect(
                difference.files.changed.map(\.path.description) == [
                    "/etc/grow", "/etc/mode", "/etc/owner", "/etc/small", "/etc/type", "/etc/xattr", "/usr/bin/big",
                    "/usr/bin/link", "/usr/bin/sparse", "/var/lib/dpkg/status",
                ])
            #expect(difference.packages.added == [.init(name: "gamma", architecture: "amd64", version: "0.1")])
            #expect(difference.packages.removed == [.init(name: "alpha", architecture: "amd64", version: "1.0")])
            #expect(
                difference.packages.changed == [
                    .init(name: "libc6", architecture: "amd64", oldVersion: "2.36-9", newVersion: "2.36-10")
                ])
            #expect(!difference.isEmpty)

            var options = ImageDifference.Options()
            options.comparesModificationTimes = true
            let withTimes = try ImageDifference(old: old, new: new, options: options)
            #expect(Self.changes(withTimes)["/etc/mtime"] == ["mtime"])

            options = ImageDifference.Options()
            options.comparesFiles = false
            let packagesOnly = try ImageDifference(old: old, new: new, options: options)
            #expect(packagesOnly.files.isEmpty)
            #expect(packagesOnly.packages == difference.packages)

            // The other way round, everything is mirrored.
            let reversed = try ImageDifference(old: new, new: old)
            #expect(reversed.files.added == difference.files.removed)
            #expect(reversed.files.removed == difference.files.added)
            #expect(reversed.packages.added == difference.packages.removed)
        }
    }

    /// The paths `sqfsdiff` reports: `< path` removed, `> path` added, and the path of each other line.
    private static func sqfsdiffPaths(_ old: String, _ new: String) async throws -> (Int32, Set<String>) {
        let result = try await ProcessRunner.run("sqfsdiff", ["-a", old, "-b", new], check: false)
        var paths: Set<String> = []
        for line in result.outputText.split(separator: "\n") {
            // "has a basic type" / "has an extended type": sqfsdiff's report of the on-disk inode form, not a change.
            if line.contains("basic type") || line.contains("extended type") { continue }
            if line.hasPrefix("< ") || line.hasPrefix("> ") {
                paths.insert("/" + line.dropFirst(2))
            } else if let path = line.split(separator: " ").first(where: { $0.hasPrefix("/") }) {
                paths.insert(String(path))
            }
        }
        return (result.status, paths)
    }

    @Test("the same paths differ as sqfsdiff reports (xattrs aside, which sqfsdiff 1.2 does not compare)")
    func differentialAgainstSqfsdiff() async throws {
        try await withTemporaryDirectory { directory in
            let (oldPath, newPath) = try await Self.makeImages(in: directory, ["-comp", "gzip"])
            let difference = try ImageDifference(old: SquashFSImage(path: oldPath), new: SquashFSImage(path: newPath))
            var ours = Set(difference.files.added.map(\.path.description))
            ours.formUnion(difference.files.removed.map(\.path.description))
            ours.formUnion(
                difference.files.changed.filter { $0.changes != [.extendedAttributes] }.map(\.path.description))
            let (status, theirs) = try await Self.sqfsdiffPaths(oldPath, newPath)
            #expect(status == 1)
            #expect(ours == theirs)
            let (sameStatus, none) = try await Self.sqfsdiffPaths(oldPath, oldPath)
            #expect(sameStatus == 0 && none.isEmpty)
            #expect(try ImageDifference(old: SquashFSImage(path: oldPath), new: SquashFSImage(path: oldPath)).isEmpty)
        }
    }

    @Test(
        "the same tree stored with another compressor, block size or without fragments is not a change",
        arguments: [
            ["-comp", "gzip"], ["-comp", "xz", "-b", "4096"], ["-comp", "xz", "-no-fragments"],
            ["-comp", "zstd", "-b", "65536", "-always-use-fragments"], ["-comp", "xz", "-noD", "-noF"],
        ])
    func sameContentsStoredDifferently(options: [String]) async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.appending("root")
            try await Self.makeOldTree(root)
            let (reference, other) = (directory.appending("xz.sqfs"), directory.appending("other.sqfs"))
            try await ImageBuilder.mksquashfs(root, reference, ["-comp", "xz"])
            try await ImageBuilder.mksquashfs(root, other, options)
            var compare = ImageDifference.Options()
            compare.comparesModificationTimes = true
            let difference = try ImageDifference(
                old: SquashFSImage(path: reference), new: SquashFSImage(path: other), options: compare)
            #expect(difference.isEmpty, "\(difference)")
            let (status, paths) = try await Self.sqfsdiffPaths(reference, other)
            #expect(status == 0 && paths.isEmpty)
        }
    }

    @Test("stored bytes that are the same are never decompressed")
    func identicalStoredBytesAreNotDecoded() async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.appending("root")
            try await Self.makeOldTree(root)
            let path = directory.appending("image.sqfs")
            try await ImageBuilder.mksquashfs(root, path, ["-comp", "xz"])
            // Corrupt the compressed bytes of a data block and of the fragment block holding /etc/small, the same
            // way in two copies: the copies still compare equal, which they could not if either were decoded.
            let image = try SquashFSImage(path: path)
            let blocks = try image.storedContent(of: image.inode(at: "/usr/bin/blocks"))
            let small = try image.storedContent(of: image.inode(at: "/etc/small"))
            let fragment = try #require(small.fragment)
            let block = try #require(blocks.blocks.first)
            #expect(!block.isUncompressed && !fragment.block.isUncompressed)
            let holes = try image.storedContent(of: image.inode(at: "/usr/bin/sparse-same"))
            let hasHoles = holes.blocks.contains { $0.isSparse }
            #expect(hasHoles)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            for position in [block.position + 40, fragment.block.position + 40] {
                bytes[Int(position)] ^= 0x55
            }
            let (first, second) = (directory.appending("first.sqfs"), directory.appending("second.sqfs"))
            try bytes.write(to: URL(fileURLWithPath: first))
            try bytes.write(to: URL(fileURLWithPath: second))
            let corrupt = try SquashFSImage(path: first)
            #expect(throws: SquashFSError.self) { _ = try corrupt.contentsOfFile(at: "/usr/bin/blocks") }
            #expect(throws: SquashFSError.self) { _ = try corrupt.contentsOfFile(at: "/etc/small") }
            // The dpkg database shares the corrupt fragment block: compare the files only.
            var options = ImageDifference.Options()
            options.comparesPackages = false
            let difference = try ImageDifference(old: corrupt, new: SquashFSImage(path: second), options: options)
            #expect(difference.isEmpty)
            // Against the intact image, the corrupt blocks are decoded, and the failure is reported.
            #expect(throws: ImageContentsError.self) {
                try ImageDifference(old: image, new: corrupt, options: options)
            }
        }
    }

    @Test("hostile images: mutated copies give a difference or an error, never a crash")
    func mutatedImages() async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.appending("root")
            try await Self.makeOldTree(root)
            let path = directory.appending("image.sqfs")
            try await ImageBuilder.mksquashfs(root, path, ["-comp", "gzip", "-b", "4096"])
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let good = try SquashFSImage(path: path)
            var generator = SplitMix(seed: 20)
            let mutated = directory.appending("mutated.sqfs")
            var opened = 0
            for _ in 0..<120 {
                var bytes = original
                for _ in 0..<Int(generator.next() % 4 + 1) {
                    let position = Int(generator.next() % UInt64(bytes.count))
                    bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                }
                try bytes.write(to: URL(fileURLWithPath: mutated))
                guard let image = try? SquashFSImage(path: mutated) else { continue }
                opened += 1
                _ = try? ImageDifference(old: good, new: image)
                _ = try? ImageDifference(old: image, new: good)
            }
            #expect(opened > 0)
        }
    }
}

/// A small deterministic generator for the mutation test.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
