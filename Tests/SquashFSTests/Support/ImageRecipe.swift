import SquashFS
import Testing

/// How to make one test image from a source tree, and what the result must look like.
struct ImageRecipe: Sendable, CustomTestStringConvertible {
    /// The tool and its options (the source and output paths are added by ``ImageBuilder``).
    enum Builder: Sendable {
        /// `mksquashfs SOURCE IMAGE -noappend -quiet -no-progress OPTIONS`.
        case mksquashfs([String])
        /// `gensquashfs -q -f -k -x -D SOURCE OPTIONS IMAGE`.
        case gensquashfs([String])
        /// `tar --xattrs -cf - -C SOURCE . | tar2sqfs -q -f OPTIONS IMAGE`.
        case tar2sqfs([String])
    }

    /// A short unique name, also used for the image file.
    var name: String
    var builder: Builder
    var compressor: Compressor
    var blockSize: UInt32
    /// What the builder keeps of the source tree.
    var fidelity = Fidelity.full
    /// Superblock flags the image must have.
    var requiredFlags: Superblock.Flags = []
    /// The compressor options block the image must have (`nil`: none).
    var compressorOptions: CompressorOptions?

    var testDescription: String { name }
}

extension ImageRecipe {
    private static func mksquashfs(
        _ name: String, _ options: [String], compressor: Compressor = .gzip, blockSize: UInt32 = 131_072,
        fidelity: Fidelity = .full, flags: Superblock.Flags = [], compressorOptions: CompressorOptions? = nil
    ) -> ImageRecipe {
        ImageRecipe(
            name: name, builder: .mksquashfs(options), compressor: compressor, blockSize: blockSize,
            fidelity: fidelity, requiredFlags: flags, compressorOptions: compressorOptions)
    }

    /// Pseudo definitions (squashfs-tools 4.5.1 syntax) for devices, fifos and sockets under `/pseudo`.
    static let pseudoDefinitions = [
        "pseudo d 755 0 0", "pseudo/null c 666 0 0 1 3", "pseudo/sda b 660 0 6 8 0", "pseudo/big-minor c 600 0 0 4 300",
        "pseudo/fifo i 644 0 0 f", "pseudo/socket i 755 0 0 s", "pseudo/timed C 1234567890 640 7 8 10 200",
    ]

    /// What survives `tar | tar2sqfs`: no sockets and no hard links to fifos or devices (GNU tar), and tar2sqfs
    /// 1.2 stores directory link counts as 2 + all entries.
    private static let tarFidelity = Fidelity(
        sockets: false, specialFileHardLinks: false, directoryLinkCounts: false)

    /// What gensquashfs 1.2 keeps with `-D -k -x`: no hard links, no attributes with empty values, the root gets
    /// default attributes, directory link counts are 2 + all entries.
    private static let gensquashfsFidelity = Fidelity(
        rootAttributes: false, hardLinks: false, directoryLinkCounts: false, emptyXattrValues: false)

    /// The images the differential tests compare: every compressor but lzo, block sizes, fragment, duplicate,
    /// compression and xattr options, pseudo files, and the squashfs-tools-ng writers.
    static let differential: [ImageRecipe] = [
        mksquashfs("gzip", [], flags: [.exportable, .duplicatesRemoved]),
        mksquashfs("gzip-4k", ["-b", "4K"], blockSize: 4096),
        mksquashfs("gzip-1m", ["-b", "1M"], blockSize: 1 << 20),
        mksquashfs("lzma", ["-comp", "lzma"], compressor: .lzma),
        mksquashfs("xz", ["-comp", "xz"], compressor: .xz),
        mksquashfs(
            "xz-bcj-x86-arm-64k", ["-comp", "xz", "-Xbcj", "x86,arm", "-b", "64K"], compressor: .xz, blockSize: 65536,
            flags: .compressorOptionsPresent, compressorOptions: .xz(dictionarySize: 65536, filters: 0x9)),
        mksquashfs("xz-1m", ["-comp", "xz", "-b", "1M"], compressor: .xz, blockSize: 1 << 20),
        mksquashfs(
            "lz4", ["-comp", "lz4"], compressor: .lz4, flags: .compressorOptionsPresent,
            compressorOptions: .lz4(version: 1, flags: 0)),
        mksquashfs(
            "lz4-hc", ["-comp", "lz4", "-Xhc"], compressor: .lz4, flags: .compressorOptionsPresent,
            compressorOptions: .lz4(version: 1, flags: 1)),
        mksquashfs("zstd", ["-comp", "zstd"], compressor: .zstd),
        mksquashfs("zstd-4k", ["-comp", "zstd", "-b", "4K"], compressor: .zstd, blockSize: 4096),
        mksquashfs("gzip-no-fragments", ["-no-fragments"], flags: .noFragments),
        mksquashfs(
            "gzip-always-fragments-4k", ["-always-use-fragments", "-b", "4K"], blockSize: 4096, flags: .alwaysFragments),
        mksquashfs("gzip-no-duplicates", ["-no-duplicates"]),
        mksquashfs(
            "uncompressed", ["-noI", "-noD", "-noF", "-noX"],
            flags: [.uncompressedInodes, .uncompressedData, .uncompressedFragments, .uncompressedXattrs]),
        mksquashfs(
            "uncompressed-4k-no-fragments", ["-noI", "-noD", "-noF", "-noX", "-b", "4K", "-no-fragments"],
            blockSize: 4096, flags: [.uncompressedInodes, .uncompressedData, .noFragments]),
        mksquashfs("gzip-xattrs", ["-xattrs"]),
        mksquashfs(
            "xz-no-xattrs", ["-comp", "xz", "-no-xattrs"], compressor: .xz, fidelity: Fidelity(xattrs: false),
            flags: .noXattrs),
        mksquashfs(
            "gzip-pseudo", pseudoDefinitions.flatMap { ["-p", $0] },
            fidelity: Fidelity(extraSubtrees: ["/pseudo"])),
        ImageRecipe(
            name: "gensquashfs-xz", builder: .gensquashfs([]), compressor: .xz, blockSize: 131_072,
            fidelity: gensquashfsFidelity),
        ImageRecipe(
            name: "gensquashfs-gzip-4k", builder: .gensquashfs(["-c", "gzip", "-b", "4096"]), compressor: .gzip,
            blockSize: 4096, fidelity: gensquashfsFidelity),
        ImageRecipe(
            name: "tar2sqfs-xz", builder: .tar2sqfs([]), compressor: .xz, blockSize: 131_072,
            fidelity: tarFidelity),
        ImageRecipe(
            name: "tar2sqfs-zstd-no-tail-packing", builder: .tar2sqfs(["-c", "zstd", "-T"]), compressor: .zstd,
            blockSize: 131_072, fidelity: tarFidelity),
    ]

    /// Looks up a recipe of ``differential`` by name.
    static func named(_ name: String) throws -> ImageRecipe {
        guard let recipe = differential.first(where: { $0.name == name }) else {
            throw ToolError.missing(tool: "recipe \(name)")
        }
        return recipe
    }
}
