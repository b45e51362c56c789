/// Flattened device-tree blobs: the header (magic 0xD00DFEED, total size, version) and the root node's `model` and
/// `compatible` properties, read from a bounded part of the structure block.
enum DeviceTree {
    /// The most bytes of the structure and strings blocks read.
    static let maximumBlockRead = 64 << 10
    /// The most tokens walked.
    static let maximumTokens = 4096

    /// The identification of a device-tree blob starting `head`, or `nil`.
    static func identify(head: [UInt8], probe: FileProbe) throws(BootAssetsError) -> ContentIdentification? {
        guard head.be32(0) == 0xD00D_FEED else { return nil }
        var result = ContentIdentification(kind: .deviceTree, summary: "")
        guard let totalSize = head.be32(4), let structOffset = head.be32(8), let stringsOffset = head.be32(12),
            let version = head.be32(20)
        else {
            result.set(ContentDetail.truncated, "header")
            result.summary = "device tree blob (truncated header)"
            return result
        }
        result.set("version", String(version))
        result.set("total-size", String(totalSize))
        if !probe.isPrefix && UInt64(totalSize) > probe.size {
            result.set(ContentDetail.truncated, "\(probe.size) of \(totalSize) bytes")
        }
        let structSize = version >= 17 ? head.be32(36) ?? 0 : totalSize &- min(totalSize, structOffset)
        let stringsSize = version >= 3 ? head.be32(32) ?? 0 : totalSize &- min(totalSize, stringsOffset)
        let structure = try probe.read(
            at: UInt64(structOffset), count: Int(min(structSize, UInt32(maximumBlockRead))))
        let strings = try probe.read(
            at: UInt64(stringsOffset), count: Int(min(stringsSize, UInt32(maximumBlockRead))))
        let (model, compatible) = rootProperties(structure: structure, strings: strings)
        if let model { result.set("model", model) }
        if let compatible { result.set("compatible", compatible) }
        var summary = "device tree blob v\(version)"
        if let model { summary += ", model \"\(model)\"" }
        if let compatible { summary += ", compatible \(compatible)" }
        if result.isTruncated { summary += ", truncated" }
        result.summary = summary
        return result
    }

    /// The root node's `model` and `compatible` (its strings joined by `, `).
    private static func rootProperties(structure: [UInt8], strings: [UInt8]) -> (String?, String?) {
        var offset = 0
        var depth = 0
        var model: String?
        var compatible: String?
        for _ in 0..<maximumTokens {
            guard let token = structure.be32(offset) else { break }
            offset += 4
            switch token {
            case 1:  // FDT_BEGIN_NODE: a NUL-terminated name, padded to 4 bytes
                depth += 1
                if depth > 1 { return (model, compatible) }  // the root's properties come before its children
                var end = offset
                while end < structure.count && structure[end] != 0 { end += 1 }
                offset = (end + 4) & ~3
            case 2:  // FDT_END_NODE
                return (model, compatible)
            case 3:  // FDT_PROP: length, name offset, value padded to 4 bytes
                guard let length = structure.be32(offset), let nameOffset = structure.be32(offset + 4) else {
                    return (model, compatible)
                }
                let valueStart = offset + 8
                guard length <= UInt32(structure.count), valueStart + Int(length) <= structure.count else {
                    return (model, compatible)
                }
                let value = Array(structure[valueStart..<(valueStart + Int(length))])
                let name = strings.cString(at: Int(nameOffset), maximum: 256)
                if depth == 1 && name == "model" {
                    model = value.cString(at: 0, maximum: value.count)
                } else if depth == 1 && name == "compatible" {
                    let parts = value.split(separator: 0).compactMap {
                        Array($0).cString(at: 0, maximum: $0.count)
                    }
                    if !parts.isEmpty { compatible = parts.joined(separator: ", ") }
                }
                offset = (valueStart + Int(length) + 3) & ~3
            case 4:  // FDT_NOP
                continue
            default:  // FDT_END or garbage
                return (model, compatible)
            }
        }
        return (model, compatible)
    }
}
