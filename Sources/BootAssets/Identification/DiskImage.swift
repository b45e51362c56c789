/// Disk images (GPT, MBR) and ext2/3/4 file system images.
enum DiskImage {
    /// The most GPT partition entries looked at.
    static let maximumEntries: UInt32 = 256

    /// The identification of a GPT or MBR disk image starting `head`, or `nil`.
    static func identifyDisk(head: [UInt8], probe: FileProbe) throws(BootAssetsError) -> ContentIdentification? {
        for sectorSize in [512, 4096] where head.matches("EFI PART", at: sectorSize) {
            return try gpt(head: head, probe: probe, sectorSize: sectorSize)
        }
        return mbr(head: head)
    }

    private static func gpt(head: [UInt8], probe: FileProbe, sectorSize: Int) throws(BootAssetsError)
        -> ContentIdentification
    {
        var result = ContentIdentification(kind: .diskImage, summary: "")
        result.set("partition-table", "gpt")
        result.set("sector-size", String(sectorSize))
        let header = sectorSize
        var partitions: Int?
        if let entriesLBA = head.le64(header + 72), let entryCount = head.le32(header + 80),
            let entrySize = head.le32(header + 84), entrySize >= 128, entrySize <= 4096
        {
            let (start, overflow) = entriesLBA.multipliedReportingOverflow(by: UInt64(sectorSize))
            let count = min(entryCount, maximumEntries)
            if !overflow {
                let table = try probe.read(at: start, count: Int(count) * Int(entrySize))
                var found = 0
                for index in 0..<Int(count) {
                    let offset = index * Int(entrySize)
                    guard offset + 16 <= table.count else { break }
                    if table[offset..<(offset + 16)].contains(where: { $0 != 0 }) { found += 1 }
                }
                if table.count >= Int(count) * Int(entrySize) || probe.isPrefix { partitions = found }
                if table.count < Int(count) * Int(entrySize) && !probe.isPrefix {
                    result.set(ContentDetail.truncated, "partition entries past the end")
                }
            }
        }
        if let last = head.le64(header + 32) {
            result.set("last-lba", String(last))
            let (end, overflow) = last.multipliedReportingOverflow(by: UInt64(sectorSize))
            if !probe.isPrefix && (overflow || end >= probe.size) && !result.isTruncated {
                result.set(ContentDetail.truncated, "backup GPT header past the end")
            }
        }
        if let partitions { result.set("partitions", String(partitions)) }
        var summary = "disk image, GPT"
        if let partitions { summary += ", \(partitions) partition\(partitions == 1 ? "" : "s")" }
        if result.isTruncated { summary += ", truncated" }
        result.summary = summary
        return result
    }

    private static func mbr(head: [UInt8]) -> ContentIdentification? {
        guard head.matches([0x55, 0xAA], at: 510) else { return nil }
        var partitions = 0
        for index in 0..<4 {
            let entry = 446 + index * 16
            guard let status = head.byte(at: entry), let type = head.byte(at: entry + 4) else { return nil }
            guard status == 0 || status == 0x80 else { return nil }
            if type != 0 { partitions += 1 }
        }
        guard partitions > 0 else { return nil }
        var result = ContentIdentification(kind: .diskImage, summary: "")
        result.set("partition-table", "mbr")
        result.set("partitions", String(partitions))
        result.summary = "disk image, MBR, \(partitions) partition\(partitions == 1 ? "" : "s")"
        return result
    }

    /// The identification of an ext2/3/4 file system starting `head` (magic 0xEF53 at 1024 + 56), or `nil`.
    static func identifyFilesystem(head: [UInt8], probe: FileProbe) -> ContentIdentification? {
        let superblock = 1024
        guard head.le16(superblock + 56) == 0xEF53, let blocks = head.le32(superblock + 4),
            let logBlockSize = head.le32(superblock + 24), logBlockSize <= 6,
            let compat = head.le32(superblock + 92), let incompat = head.le32(superblock + 96)
        else { return nil }
        var result = ContentIdentification(kind: .filesystemImage, summary: "")
        let type = incompat & (0x40 | 0x80 | 0x200) != 0 ? "ext4" : compat & 0x4 != 0 ? "ext3" : "ext2"
        let blockSize = UInt64(1024) << UInt64(logBlockSize)
        var blockCount = UInt64(blocks)
        if incompat & 0x80 != 0, let high = head.le32(superblock + 0x150) { blockCount |= UInt64(high) << 32 }
        result.set("filesystem", type)
        result.set("block-size", String(blockSize))
        result.set("blocks", String(blockCount))
        if let label = head.cString(at: superblock + 120, maximum: 16) { result.set("label", label) }
        let (size, overflow) = blockCount.multipliedReportingOverflow(by: blockSize)
        if !probe.isPrefix && (overflow || size > probe.size) {
            result.set(ContentDetail.truncated, "\(probe.size) of \(size) bytes")
        }
        var summary = "\(type) file system image, block size \(blockSize), \(blockCount) blocks"
        if let label = result.detail("label") { summary += ", label \"\(label)\"" }
        if result.isTruncated { summary += ", truncated" }
        result.summary = summary
        return result
    }
}
