/// The SquashFS superblock: `hsqs`, inode count, block size, compressor, version and `bytes_used`.
enum SquashFSSuperblock {
    /// The identification of a SquashFS image starting `head`, or `nil`.
    static func identify(head: [UInt8], probe: FileProbe) -> ContentIdentification? {
        guard head.matches("hsqs", at: 0) else { return nil }
        var result = ContentIdentification(kind: .squashfs, summary: "")
        guard let inodes = head.le32(4), let blockSize = head.le32(12), let compressor = head.le16(20),
            let major = head.le16(28), let minor = head.le16(30), let bytesUsed = head.le64(40)
        else {
            result.set(ContentDetail.truncated, "superblock")
            result.summary = "SquashFS image (truncated superblock)"
            return result
        }
        let compressorName =
            switch compressor {
            case 1: "gzip"
            case 2: "lzma"
            case 3: "lzo"
            case 4: "xz"
            case 5: "lz4"
            case 6: "zstd"
            default: "unknown (\(compressor))"
            }
        result.set("version", "\(major).\(minor)")
        result.set("compressor", compressorName)
        result.set("block-size", String(blockSize))
        result.set("inodes", String(inodes))
        result.set("bytes-used", String(bytesUsed))
        if !probe.isPrefix {
            result.set("size", String(probe.size))
            if bytesUsed > probe.size {
                result.set(ContentDetail.truncated, "\(probe.size) of \(bytesUsed) bytes")
            }
        }
        var summary = "SquashFS \(major).\(minor), \(compressorName), block size \(blockSize), \(inodes) inodes"
        if major != 4 { summary += " (unsupported version)" }
        if result.isTruncated { summary += ", truncated (\(probe.size) of \(bytesUsed) bytes)" }
        result.summary = summary
        return result
    }
}
