import SquashFS

/// What `maas-images squashfs info` prints: the superblock and what the image holds, as text or as JSON (keys in
/// snake_case through ``JSONOutput``; absent tables are left out).
struct ImageSummary: Encodable, CustomStringConvertible {
    /// The compressor's name (`xz`, `gzip`, ...).
    var compressor: String
    /// The compressor options, when the image records them (e.g. `dictionary=131072`).
    var compressorOptions: String?
    /// For xz and lzma images, the decoder that decodes the blocks: `native` or `liblzma` (``XZDecoder/resolved``).
    var xzDecoder: String?
    /// For xz and lzma images, the decoder asked for (`--xz-decoder`: `automatic`, `native` or `liblzma`).
    var xzDecoderOption: String?
    /// For xz and lzma images, the version of the liblzma this process runs with (`5.4.1`).
    var liblzmaVersion: String?
    var blockSize: UInt32
    var inodeCount: UInt32
    var fragmentCount: UInt32
    var idCount: UInt16
    /// The size of the image in bytes (without padding).
    var bytesUsed: UInt64
    /// When the image was made, seconds since 1970.
    var modificationTime: UInt32
    /// The superblock flag names that are set.
    var flags: [String]
    var hasXattrs: Bool
    var hasExportTable: Bool
    /// The table offsets, for diagnosis.
    var inodeTableStart: UInt64
    var directoryTableStart: UInt64
    var fragmentTableStart: UInt64?
    var exportTableStart: UInt64?
    var idTableStart: UInt64
    var xattrTableStart: UInt64?

    /// The summary of `image`.
    init(_ image: SquashFSImage) {
        let superblock = image.superblock
        let flagNames: [(Superblock.Flags, String)] = [
            (.uncompressedInodes, "uncompressed-inodes"), (.uncompressedData, "uncompressed-data"),
            (.uncompressedFragments, "uncompressed-fragments"), (.noFragments, "no-fragments"),
            (.alwaysFragments, "always-fragments"), (.duplicatesRemoved, "duplicates-removed"),
            (.exportable, "exportable"), (.uncompressedXattrs, "uncompressed-xattrs"), (.noXattrs, "no-xattrs"),
            (.compressorOptionsPresent, "compressor-options"), (.uncompressedIDs, "uncompressed-ids"),
        ]
        compressor = superblock.compressor.description
        compressorOptions = image.compressorOptions.map(Self.describe)
        if superblock.compressor == .xz || superblock.compressor == .lzma {
            xzDecoder = image.options.xzDecoder.resolved.rawValue
            xzDecoderOption = image.options.xzDecoder.rawValue
            liblzmaVersion = XZDecoder.liblzmaVersion
        }
        blockSize = superblock.blockSize
        inodeCount = superblock.inodeCount
        fragmentCount = superblock.fragmentCount
        idCount = superblock.idCount
        bytesUsed = superblock.bytesUsed
        modificationTime = superblock.modificationTime
        flags = flagNames.filter { superblock.flags.contains($0.0) }.map(\.1)
        hasXattrs = image.hasExtendedAttributes
        hasExportTable = superblock.hasExportTable
        inodeTableStart = superblock.inodeTableStart
        directoryTableStart = superblock.directoryTableStart
        fragmentTableStart = superblock.hasFragments ? superblock.fragmentTableStart : nil
        exportTableStart = superblock.hasExportTable ? superblock.exportTableStart : nil
        idTableStart = superblock.idTableStart
        xattrTableStart = superblock.hasXattrs ? superblock.xattrIDTableStart : nil
    }

    /// The compressor options as `name=value` words.
    private static func describe(_ options: CompressorOptions) -> String {
        switch options {
        case .gzip(let level, let window, let strategies):
            "level=\(level) window=\(window) strategies=0x\(String(strategies, radix: 16))"
        case .xz(let dictionary, let filters):
            "dictionary=\(dictionary)"
                + (filters == 0 ? "" : " filters=\(CompressorOptions.xzFilterNames(filters).joined(separator: ","))")
        case .lz4(let version, let flags): "version=\(version)" + (flags & 1 != 0 ? " hc" : "")
        case .zstd(let level): "level=\(level)"
        }
    }

    /// One `label: value` line per field.
    var description: String {
        var lines = [
            "compressor: \(compressor)" + (compressorOptions.map { " (\($0))" } ?? "")
        ]
        if let xzDecoder, let xzDecoderOption, let liblzmaVersion {
            lines.append("xz decoder: \(xzDecoder) (--xz-decoder \(xzDecoderOption); liblzma \(liblzmaVersion))")
        }
        lines += [
            "block size: \(blockSize)",
            "bytes used: \(bytesUsed)",
            "inodes: \(inodeCount)",
            "fragments: \(fragmentCount)",
            "ids: \(idCount)",
            "created: \(modificationTime)",
            "flags: \(flags.isEmpty ? "none" : flags.joined(separator: " "))",
            "xattrs: \(hasXattrs ? "yes" : "no")",
            "export table: \(hasExportTable ? "yes" : "no")",
        ]
        lines.append("inode table: \(inodeTableStart)")
        lines.append("directory table: \(directoryTableStart)")
        if let fragmentTableStart { lines.append("fragment table: \(fragmentTableStart)") }
        if let exportTableStart { lines.append("export table: \(exportTableStart)") }
        lines.append("id table: \(idTableStart)")
        if let xattrTableStart { lines.append("xattr table: \(xattrTableStart)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
