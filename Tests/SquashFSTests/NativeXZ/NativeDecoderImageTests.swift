import Decompression
import Glibc
import Testing

@testable import SquashFS

/// The native xz and lzma decoders on real images: every flavour of xz and lzma image mksquashfs 4.5.1 and
/// gensquashfs 1.2 write (each BCJ filter alone and all of them mixed, dictionary sizes, block sizes from 4 KiB to
/// 1 MiB, lc/lp/pb, compression levels), built in the test from a small tree of real executables, code for each
/// BCJ filter's architecture, text, incompressible bytes, many small files and extended attributes.
///
/// For each image: every stored block (data, fragment, metadata) decodes to the same bytes with the native decoder
/// and with liblzma, and an extraction with ``XZDecoder/native`` is exactly what `unsquashfs -d` writes.
@Suite("Native xz/lzma decoder on images", .nativeDecoderSource)
struct NativeDecoderImageTests {
    /// One image flavour.
    struct Flavour: Sendable, CustomTestStringConvertible {
        var name: String
        var builder: ImageRecipe.Builder
        var compressor: Compressor
        /// The BCJ filter ids (`.xz` filter ids: 4 x86 ... 9 sparc) some block of the image must use.
        var filters: Set<UInt64> = []

        var testDescription: String { name }
    }

    /// The BCJ filters squashfs-tools 4.5.1 and squashfs-tools-ng 1.2 offer, with their `.xz` filter ids.
    static let bcjFilters: [(name: String, id: UInt64)] = [
        ("x86", 4), ("powerpc", 5), ("ia64", 6), ("arm", 7), ("armthumb", 8), ("sparc", 9),
    ]
    static let allFilterNames = bcjFilters.map(\.name).joined(separator: ",")

    static let flavours: [Flavour] =
        [
            Flavour(name: "mksquashfs xz", builder: .mksquashfs(["-comp", "xz"]), compressor: .xz)
        ]
        + bcjFilters.map { filter in
            Flavour(
                name: "mksquashfs xz -Xbcj \(filter.name)",
                builder: .mksquashfs(["-comp", "xz", "-Xbcj", filter.name]),
                compressor: .xz, filters: [filter.id])
        }
        + [
            Flavour(
                name: "mksquashfs xz -Xbcj all six", builder: .mksquashfs(["-comp", "xz", "-Xbcj", allFilterNames]),
                compressor: .xz, filters: Set(bcjFilters.map(\.id))),
            Flavour(name: "mksquashfs xz -b 4K", builder: .mksquashfs(["-comp", "xz", "-b", "4K"]), compressor: .xz),
            Flavour(
                name: "mksquashfs xz -b 64K -Xdict-size 8K -Xbcj x86",
                builder: .mksquashfs(["-comp", "xz", "-b", "64K", "-Xdict-size", "8K", "-Xbcj", "x86"]),
                compressor: .xz, filters: [4]),
            Flavour(
                name: "mksquashfs xz -Xdict-size 50%", builder: .mksquashfs(["-comp", "xz", "-Xdict-size", "50%"]),
                compressor: .xz),
            Flavour(
                name: "mksquashfs xz -b 1M -Xdict-size 37.5%",
                builder: .mksquashfs(["-comp", "xz", "-b", "1M", "-Xdict-size", "37.5%"]), compressor: .xz),
            Flavour(name: "mksquashfs lzma", builder: .mksquashfs(["-comp", "lzma"]), compressor: .lzma),
            Flavour(
                name: "mksquashfs lzma -b 4K", builder: .mksquashfs(["-comp", "lzma", "-b", "4K"]), compressor: .lzma),
            Flavour(name: "gensquashfs xz", builder: .gensquashfs(["-c", "xz"]), compressor: .xz),
            Flavour(
                name: "gensquashfs xz all six filters",
                builder: .gensquashfs(["-c", "xz", "-X", allFilterNames]), compressor: .xz,
                filters: Set(bcjFilters.map(\.id))),
            Flavour(
                name: "gensquashfs xz -b 1M x86", builder: .gensquashfs(["-c", "xz", "-b", "1048576", "-X", "x86"]),
                compressor: .xz, filters: [4]),
            Flavour(
                name: "gensquashfs xz dictsize=16K lc=0 lp=2 pb=0",
                builder: .gensquashfs(["-c", "xz", "-X", "dictsize=16K,lc=0,lp=2,pb=0"]), compressor: .xz),
            Flavour(
                name: "gensquashfs xz lc=1 lp=3 pb=1 armthumb",
                builder: .gensquashfs(["-c", "xz", "-X", "lc=1,lp=3,pb=1,armthumb"]), compressor: .xz, filters: [8]),
            Flavour(
                name: "gensquashfs xz lc=4 pb=4 level=9 extreme",
                builder: .gensquashfs(["-c", "xz", "-X", "lc=4,lp=0,pb=4,level=9,extreme"]), compressor: .xz),
            Flavour(
                name: "gensquashfs xz -b 4096 level=0",
                builder: .gensquashfs(["-c", "xz", "-b", "4096", "-X", "level=0"]), compressor: .xz),
            Flavour(name: "gensquashfs lzma", builder: .gensquashfs(["-c", "lzma"]), compressor: .lzma),
            Flavour(
                name: "gensquashfs lzma lc=0 lp=4 pb=4 dictsize=8K",
                builder: .gensquashfs(["-c", "lzma", "-X", "lc=0,lp=4,pb=4,dictsize=8K"]), compressor: .lzma),
            Flavour(
                name: "gensquashfs lzma -b 4096 lc=4 pb=0 level=9 extreme",
                builder: .gensquashfs(["-c", "lzma", "-b", "4096", "-X", "lc=4,lp=0,pb=0,level=9,extreme"]),
                compressor: .lzma),
        ]

    @Test(
        "every stored block decodes identically with native and liblzma; extraction equals unsquashfs -d",
        arguments: flavours)
    func image(_ flavour: Flavour) async throws {
        let fixture = try NativeDecoderSource.require()
        let file = flavour.name.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let path = fixture.directory.appending(String(file) + ".sqfs")
        let reference = fixture.directory.appending(String(file) + "-unsquashfs")
        let ours = fixture.directory.appending(String(file) + "-native")
        defer {
            removeTree(path)
            removeTree(reference)
            removeTree(ours)
        }
        let recipe = ImageRecipe(
            name: String(file), builder: flavour.builder, compressor: flavour.compressor, blockSize: 0)
        try await ImageBuilder.build(recipe, source: fixture.source, output: path, scratch: fixture.directory)

        var options = SquashFSImage.Options()
        options.xzDecoder = .native
        let image = try SquashFSImage(path: path, options: options)
        #expect(image.superblock.compressor == flavour.compressor)

        // (1) Every stored block, decoded by both engines.
        let bytes = try POSIX.readFile(Array(path.utf8))
        let blocks = try image.storedBlocks()
        for kind in [StoredBlock.Kind.data, .fragment, .metadata] {
            #expect(blocks.contains { $0.kind == kind && $0.isCompressed }, "no compressed \(kind) block")
        }
        let format: (XZEngine) -> BlockFormat = flavour.compressor == .xz ? { .xz($0) } : { .lzmaAlone($0) }
        let native = try makeBlockDecompressor(for: format(.native))
        let liblzma = try makeBlockDecompressor(for: format(.liblzma))
        var filters: Set<UInt64> = []
        var mismatches: [String] = []
        for block in blocks where block.isCompressed {
            let start = Int(block.position)
            let stored = try #require(
                start + block.storedSize <= bytes.count ? bytes[start..<(start + block.storedSize)] : nil,
                "block at \(start) is outside the image")
            let expected = try decode(stored, capacity: block.decodedCapacity, with: liblzma)
            do {
                let decoded = try decode(stored, capacity: block.decodedCapacity, with: native)
                if decoded != expected {
                    mismatches.append("\(block.kind) block at \(start): \(byteDifference(decoded, expected) ?? "?")")
                }
            } catch {
                mismatches.append("\(block.kind) block at \(start): native fails, liblzma decodes: \(error)")
            }
            if flavour.compressor == .xz { filters.formUnion(Self.bcjFilterIDs(stored)) }
        }
        #expect(mismatches.isEmpty, "\(flavour.name):\n\(summarize(mismatches))")
        #expect(filters == flavour.filters, "BCJ filters used by the blocks")

        // (2) Extraction with the native decoder, against unsquashfs.
        try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, path])
        _ = try await image.extract(to: ours)
        let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: ours)
        #expect(differences.isEmpty, "\(flavour.name):\n\(summarize(differences))")
    }

    /// The decoder an image uses is the one its options name: a damaged block is reported by that decoder.
    @Test("the xzDecoder option picks the decoder", arguments: [Compressor.xz, .lzma])
    func optionPicksDecoder(_ compressor: Compressor) async throws {
        let fixture = try NativeDecoderSource.require()
        let path = fixture.directory.appending("damaged-\(compressor).sqfs")
        defer { removeTree(path) }
        try await ImageBuilder.mksquashfs(fixture.source, path, ["-comp", "\(compressor)", "-no-fragments"])
        var bytes = try POSIX.readFile(Array(path.utf8))
        let image = try SquashFSImage(path: path)
        let first = try #require(try image.storedContent(of: image.inode(at: "/text.txt")).blocks.first)
        #expect(!first.isUncompressed)
        // The first byte of the stream: the xz magic, or lzma's properties byte (0xFF is out of range); both
        // decoders refuse the stream at its header.
        bytes[Int(first.position)] = compressor == .xz ? 0x00 : 0xFF
        try POSIX.writeFile(Array(path.utf8), size: bytes.count, extents: [(0, bytes)])

        let expectedLibrary: [XZDecoder: String] = [
            .native: compressor == .xz ? "native xz" : "native lzma",
            .liblzma: compressor == .xz ? "liblzma (xz)" : "liblzma (lzma)",
        ]
        for (decoder, library) in expectedLibrary {
            var options = SquashFSImage.Options()
            options.xzDecoder = decoder
            let damaged = try SquashFSImage(path: path, options: options)
            let error = try #require(throws: SquashFSError.self) {
                try damaged.fileReader(at: "/text.txt").read(at: 0, count: 4096)
            }
            #expect(error.code == .decompression)
            let underlying = try #require(error.underlyingError as? DecompressorError, "\(error)")
            #expect(underlying.library == library, "\(decoder): \(underlying)")
        }
    }

    @Test("automatic is the native decoder unless liblzma is 5.6.0 or newer")
    func automaticPolicy() throws {
        let parts = XZDecoder.liblzmaVersion.split(separator: ".").compactMap { Int($0.prefix { $0.isNumber }) }
        let version = try #require(parts.count >= 2 ? (parts[0], parts[1]) : nil, "\(XZDecoder.liblzmaVersion)")
        let expected: XZDecoder = version >= (5, 6) ? .liblzma : .native
        #expect(XZDecoder.automatic.resolved == expected)
        #expect(XZDecoder.native.resolved == .native)
        #expect(XZDecoder.liblzma.resolved == .liblzma)
        #expect(SquashFSImage.Options().xzDecoder == .automatic)
        #expect(XZDecoder.allCases.map(\.rawValue) == ["automatic", "native", "liblzma"])
    }

    /// Decodes `input` into a buffer of `capacity` bytes.
    private func decode(_ input: ArraySlice<UInt8>, capacity: Int, with decompressor: any BlockDecompressor) throws
        -> [UInt8]
    {
        var output = [UInt8](repeating: 0, count: capacity)
        let count = try input.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { destination in try decompressor.decompress(source, into: destination) }
        }
        return Array(output[0..<count])
    }

    /// The BCJ filter ids in the first block header of the `.xz` stream `stream` (empty when it uses LZMA2 alone or
    /// the header cannot be read).
    static func bcjFilterIDs(_ stream: ArraySlice<UInt8>) -> Set<UInt64> {
        let bytes = Array(stream)
        // Stream header (12 bytes), then the block header: size, flags, optional sizes, filter flags.
        guard bytes.count > 14 else { return [] }
        let flags = bytes[13]
        var position = 14
        func varint() -> UInt64? {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 63, by: 7) {
                guard position < bytes.count else { return nil }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte < 0x80 { return value }
            }
            return nil
        }
        if flags & 0x40 != 0 { _ = varint() }
        if flags & 0x80 != 0 { _ = varint() }
        var ids: Set<UInt64> = []
        for _ in 0...Int(flags & 0x03) {
            guard let id = varint(), let size = varint() else { return ids }
            position += Int(size)
            if id != 0x21 { ids.insert(id) }
        }
        return ids
    }
}

/// The source tree of ``NativeDecoderImageTests``, made by a Python script: code for each BCJ filter's architecture
/// (branch instructions that all reach one address: what the filter's encoder turns into a repeated pattern), two
/// executables of this system, text larger than a block and larger than 1 MiB, incompressible bytes, 300 small files
/// (several metadata blocks), a symbolic link and an extended attribute.
final class NativeDecoderSource: Sendable {
    @TaskLocal static var current: NativeDecoderSource?

    let directory: TemporaryDirectory
    let source: String

    static let script = #"""
        import lzma, os, random, shutil, sys
        root = sys.argv[1]
        for name in ["bin", "code", "many"]:
            os.makedirs(os.path.join(root, name))

        def ia64_bundle():
            value = 0x16  # template with a branch in every slot
            for slot in range(3):
                base = 5 + 41 * slot
                value |= 0x5 << (base + 37)
                value |= 0x01000 << (base + 13)
            return value.to_bytes(16, "little")

        patterns = {
            "x86": (lzma.FILTER_X86, b"\xE8\x00\x00\x10\x00\x90\x90\x90"),
            "powerpc": (lzma.FILTER_POWERPC, b"\x48\x00\x10\x01"),
            "ia64": (lzma.FILTER_IA64, ia64_bundle()),
            "arm": (lzma.FILTER_ARM, b"\x00\x00\x04\xEB"),
            "armthumb": (lzma.FILTER_ARMTHUMB, b"\x01\xF0\x00\xF8"),
            "sparc": (lzma.FILTER_SPARC, b"\x40\x00\x10\x00"),
        }
        size = 135000
        for name, (filter_id, pattern) in patterns.items():
            plain = (pattern * (size // len(pattern) + 1))[:size]
            packed = lzma.compress(plain, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2, "preset": 0}])
            code = lzma.decompress(
                packed, format=lzma.FORMAT_RAW, filters=[{"id": filter_id}, {"id": lzma.FILTER_LZMA2}])
            with open(os.path.join(root, "code", name + ".bin"), "wb") as f:
                f.write(code)
        for name in ["/usr/bin/ls", "/usr/bin/xz"]:
            if os.path.exists(name):
                shutil.copyfile(name, os.path.join(root, "bin", os.path.basename(name)))
        rng = random.Random(21)
        words = ["squashfs", "block", "xz", "lzma", "range", "coder", "literal", "match", "dictionary", "filter"]
        with open(os.path.join(root, "text.txt"), "w") as f:
            f.write(" ".join(rng.choice(words) for _ in range(60000)))
        with open(os.path.join(root, "large.txt"), "w") as f:
            f.write("".join("line %07d of a file larger than a megabyte\n" % i for i in range(26000)))
        with open(os.path.join(root, "random.bin"), "wb") as f:
            f.write(rng.randbytes(20000))
        for index in range(300):
            with open(os.path.join(root, "many", "file-%03d" % index), "w") as f:
                f.write(("file %d " % index) * (index % 7))
        os.symlink("text.txt", os.path.join(root, "link"))
        os.setxattr(os.path.join(root, "text.txt"), "user.comment", b"native xz")
        """#

    init() async throws {
        directory = try TemporaryDirectory(prefix: "squashfs-tests-native-xz")
        do {
            source = directory.appending("source")
            try await ProcessRunner.run("python3", ["-c", Self.script, source])
        } catch {
            directory.remove()
            throw error
        }
    }

    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> NativeDecoderSource {
        try #require(current, "the suite needs the .nativeDecoderSource trait", sourceLocation: sourceLocation)
    }
}

/// Makes the ``NativeDecoderSource`` tree before the suite and removes it (and the images) after.
struct NativeDecoderSourceTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try await NativeDecoderSource()
        defer { fixture.directory.remove() }
        try await NativeDecoderSource.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == NativeDecoderSourceTrait {
    /// Gives the suite a ``NativeDecoderSource``.
    static var nativeDecoderSource: Self { NativeDecoderSourceTrait() }
}
