/// A summary of an image, as `maas-images squashfs info` prints it.
public struct ImageInfo: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The compressor's name (`xz`, `gzip`, ...).
    public var compressor: String
    /// The compressor options, when the image records them (e.g. `level=9 window=15`).
    public var compressorOptions: String?
    /// The data block size in bytes.
    public var blockSize: UInt32
    /// The number of inodes.
    public var inodeCount: UInt32
    /// The number of fragment blocks.
    public var fragmentCount: UInt32
    /// The number of distinct uid/gid values.
    public var idCount: UInt16
    /// The size of the image in bytes (without padding).
    public var bytesUsed: UInt64
    /// When the image was made, seconds since 1970.
    public var modificationTime: UInt32
    /// The superblock flag names that are set.
    public var flags: [String]
    /// Whether the image stores extended attributes.
    public var hasXattrs: Bool
    /// Whether the image has an NFS export table.
    public var hasExportTable: Bool
    /// The table offsets, for diagnosis.
    public var inodeTableStart: UInt64
    public var directoryTableStart: UInt64
    public var fragmentTableStart: UInt64?
    public var exportTableStart: UInt64?
    public var idTableStart: UInt64
    public var xattrTableStart: UInt64?

    public var description: String {
        var lines = [
            "compressor: \(compressor)" + (compressorOptions.map { " (\($0))" } ?? ""),
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

extension SquashFSImage {
    /// A summary of the superblock and tables.
    public func info() -> ImageInfo {
        let sb = superblock
        let flagNames: [(Superblock.Flags, String)] = [
            (.uncompressedInodes, "uncompressed-inodes"), (.uncompressedData, "uncompressed-data"),
            (.uncompressedFragments, "uncompressed-fragments"), (.noFragments, "no-fragments"),
            (.alwaysFragments, "always-fragments"), (.duplicatesRemoved, "duplicates-removed"),
            (.exportable, "exportable"), (.uncompressedXattrs, "uncompressed-xattrs"), (.noXattrs, "no-xattrs"),
            (.compressorOptionsPresent, "compressor-options"), (.uncompressedIDs, "uncompressed-ids"),
        ]
        let options: String? = compressorOptions.map { options in
            switch options {
            case .gzip(let level, let window, let strategies):
                "level=\(level) window=\(window) strategies=0x\(String(strategies, radix: 16))"
            case .xz(let dictionary, let filters):
                "dictionary=\(dictionary)"
                    + (filters == 0
                        ? "" : " filters=\(CompressorOptions.xzFilterNames(filters).joined(separator: ","))")
            case .lz4(let version, let flags): "version=\(version)" + (flags & 1 != 0 ? " hc" : "")
            case .zstd(let level): "level=\(level)"
            }
        }
        return ImageInfo(
            compressor: sb.compressor.description, compressorOptions: options, blockSize: sb.blockSize,
            inodeCount: sb.inodeCount, fragmentCount: sb.fragmentCount, idCount: sb.idCount,
            bytesUsed: sb.bytesUsed, modificationTime: sb.modificationTime,
            flags: flagNames.filter { sb.flags.contains($0.0) }.map(\.1), hasXattrs: xattrTable != nil,
            hasExportTable: sb.hasExportTable, inodeTableStart: sb.inodeTableStart,
            directoryTableStart: sb.directoryTableStart,
            fragmentTableStart: sb.hasFragments ? sb.fragmentTableStart : nil,
            exportTableStart: sb.hasExportTable ? sb.exportTableStart : nil, idTableStart: sb.idTableStart,
            xattrTableStart: sb.hasXattrs ? sb.xattrIDTableStart : nil)
    }
}
