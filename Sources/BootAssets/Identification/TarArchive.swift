/// tar archives: ustar and GNU headers (`ustar` at 257) and old v7 headers recognised by their checksum.
enum TarArchive {
    /// The identification of a tar archive whose first 512-byte header starts `head`, or `nil`.
    static func identify(head: [UInt8], probe: FileProbe, depth: Int) throws(BootAssetsError)
        -> ContentIdentification?
    {
        guard head.count >= 512 else { return nil }
        let format: String
        if head.matches("ustar  \0", at: 257) {
            format = "gnu"
        } else if head.matches("ustar", at: 257) {
            format = "ustar"
        } else {
            format = "v7"
        }
        guard checksumMatches(head) else { return nil }
        if format == "v7" && head.first == 0 { return nil }
        var result = ContentIdentification(kind: .tarArchive, summary: "")
        result.set("format", format)
        var name = head.cString(at: 0, maximum: 100) ?? ""
        if format == "ustar", let prefix = head.cString(at: 345, maximum: 155) { name = prefix + "/" + name }
        let typeFlag = head[156]
        let size = octal(head, at: 124, length: 12)
        result.set("first-member", name)
        let typeName =
            switch typeFlag {
            case 0, 0x30: "file"
            case 0x35: "directory"
            case 0x32: "symlink"
            case 0x31: "hard link"
            case 0x4C: "GNU long name"
            case 0x78, 0x67: "pax header"
            default: "type \(Character(Unicode.Scalar(typeFlag)))"
            }
        result.set("first-member-type", typeName)
        if let size { result.set("first-member-size", String(size)) }
        // A disk image tarball holds one file: look at the start of its data.
        if typeFlag == 0 || typeFlag == 0x30, let size, size > 0, depth < ContentIdentifier.maximumDepth {
            let count = Int(min(size, UInt64(PrefixDecompressor.outputLimit)))
            let data = try probe.read(at: 512, count: count)
            let inner = FileProbe(bytes: data, isPrefix: true)
            let content = try ContentIdentifier.identify(probe: inner, depth: depth + 1)
            result.set("first-member-content", content.kind.rawValue)
        }
        if !probe.isPrefix, let size {
            let (end, overflow) = size.addingReportingOverflow(512)
            if overflow || end > probe.size { result.set(ContentDetail.truncated, "first member's data") }
        }
        var summary = "tar archive (\(format)), first member \(name.isEmpty ? "(unnamed)" : name)"
        if let content = result.detail("first-member-content"), content != ContentKind.unknown.rawValue {
            summary += " (\(content))"
        }
        if result.isTruncated { summary += ", truncated" }
        result.summary = summary
        return result
    }

    /// Whether the header's checksum field (octal, at 148) is the sum of its bytes with the field read as spaces.
    static func checksumMatches(_ head: [UInt8]) -> Bool {
        guard head.count >= 512, let stored = octal(head, at: 148, length: 8) else { return false }
        var sum: UInt64 = 0
        for index in 0..<512 {
            sum += (148..<156).contains(index) ? 0x20 : UInt64(head[index])
        }
        return sum == stored && sum != 256
    }

    /// An octal field: optional leading spaces, digits, then NUL or space; or GNU base-256 for sizes.
    static func octal(_ bytes: [UInt8], at offset: Int, length: Int) -> UInt64? {
        guard offset >= 0, offset + length <= bytes.count else { return nil }
        let field = bytes[offset..<(offset + length)]
        if let first = field.first, first & 0x80 != 0 {
            var value: UInt64 = 0
            for byte in field.dropFirst().suffix(8) { value = value << 8 | UInt64(byte) }
            return value
        }
        var value: UInt64 = 0
        var digits = 0
        for byte in field {
            if byte == 0x20 && digits == 0 { continue }
            if byte == 0 || byte == 0x20 { break }
            guard byte >= 0x30, byte <= 0x37 else { return nil }
            guard digits < 22 else { return nil }
            value = value << 3 | UInt64(byte - 0x30)
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
