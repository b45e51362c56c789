/// The bytes of POSIX pax (ustar + `x` extended header) entry headers.
///
/// Every header is a function of its fields only (no process id, no current time, no user or group names), so an
/// archive is byte-for-byte reproducible.
struct TarHeader {
    /// The ustar type flag.
    enum TypeFlag: UInt8 {
        case regularFile = 0x30  // '0'
        case hardLink = 0x31  // '1'
        case symbolicLink = 0x32  // '2'
        case characterDevice = 0x33  // '3'
        case blockDevice = 0x34  // '4'
        case directory = 0x35  // '5'
        case fifo = 0x36  // '6'
        case extendedHeader = 0x78  // 'x'
    }

    static let blockSize = 512
    /// The largest value of an 8-byte octal field (7 digits).
    static let maximumSmallOctal: UInt64 = 0o7777777
    /// The largest value of a 12-byte octal field (11 digits): 8 GiB - 1.
    static let maximumLargeOctal: UInt64 = 0o77777777777

    var path: [UInt8]
    var typeFlag: TypeFlag
    var mode: UInt32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    /// The bytes of data that follow the header (before padding).
    var size: UInt64 = 0
    var modificationTime: UInt32 = 0
    var linkName: [UInt8] = []
    var deviceMajor: UInt32 = 0
    var deviceMinor: UInt32 = 0
    /// Extended attributes, in the order given.
    var xattrs: [ExtendedAttribute] = []
    /// For a GNU sparse 1.0 file: its real size (the `path` is then its real name, carried in `GNU.sparse.name`).
    var sparseRealSize: UInt64?

    /// The header blocks: an `x` extended header with its records when some field does not fit ustar (or is not
    /// UTF-8), then the ustar header.
    func encoded() -> [UInt8] {
        var records: [UInt8] = []
        let pathFits = Self.split(path) != nil
        let binary = !Self.isUTF8(path) || !Self.isUTF8(linkName)
        if binary { Self.appendRecord(&records, "hdrcharset", Array("BINARY".utf8)) }
        if let realSize = sparseRealSize {
            Self.appendRecord(&records, "GNU.sparse.major", Array("1".utf8))
            Self.appendRecord(&records, "GNU.sparse.minor", Array("0".utf8))
            Self.appendRecord(&records, "GNU.sparse.name", path)
            Self.appendRecord(&records, "GNU.sparse.realsize", Array(String(realSize).utf8))
        } else if !pathFits || binary {
            Self.appendRecord(&records, "path", path)
        }
        if linkName.count > 100 || (binary && !linkName.isEmpty) {
            Self.appendRecord(&records, "linkpath", linkName)
        }
        if size > Self.maximumLargeOctal { Self.appendRecord(&records, "size", Array(String(size).utf8)) }
        if UInt64(uid) > Self.maximumSmallOctal { Self.appendRecord(&records, "uid", Array(String(uid).utf8)) }
        if UInt64(gid) > Self.maximumSmallOctal { Self.appendRecord(&records, "gid", Array(String(gid).utf8)) }
        for attribute in xattrs {
            Self.appendRecord(&records, Array("SCHILY.xattr.".utf8) + attribute.name, attribute.value)
        }

        var output: [UInt8] = []
        if !records.isEmpty {
            var extended = TarHeader(path: Self.extendedHeaderName(for: path), typeFlag: .extendedHeader)
            extended.mode = 0o644
            extended.size = UInt64(records.count)
            extended.modificationTime = modificationTime
            output.reserveCapacity(3 * Self.blockSize + records.count)
            extended.appendUstar(to: &output)
            output.append(contentsOf: records)
            Self.pad(&output)
        }
        var ustar = self
        if sparseRealSize != nil { ustar.path = Self.sparseName(for: path) }
        ustar.appendUstar(to: &output)
        return output
    }

    /// Appends the 512-byte ustar header; fields that do not fit are cut or clamped (the `x` header carries them).
    private func appendUstar(to output: inout [UInt8]) {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        let (prefix, name) = Self.split(path) ?? ([], Array(path.prefix(100)))
        Self.put(name, at: 0, width: 100, in: &block)
        Self.putOctal(UInt64(mode & 0o7777), at: 100, width: 8, in: &block)
        Self.putOctal(min(UInt64(uid), Self.maximumSmallOctal), at: 108, width: 8, in: &block)
        Self.putOctal(min(UInt64(gid), Self.maximumSmallOctal), at: 116, width: 8, in: &block)
        Self.putOctal(min(size, Self.maximumLargeOctal), at: 124, width: 12, in: &block)
        Self.putOctal(UInt64(modificationTime), at: 136, width: 12, in: &block)
        block[156] = typeFlag.rawValue
        Self.put(Array(linkName.prefix(100)), at: 157, width: 100, in: &block)
        Self.put(Array("ustar\0".utf8), at: 257, width: 6, in: &block)
        Self.put(Array("00".utf8), at: 263, width: 2, in: &block)
        if typeFlag == .characterDevice || typeFlag == .blockDevice {
            Self.putOctal(min(UInt64(deviceMajor), Self.maximumSmallOctal), at: 329, width: 8, in: &block)
            Self.putOctal(min(UInt64(deviceMinor), Self.maximumSmallOctal), at: 337, width: 8, in: &block)
        }
        Self.put(prefix, at: 345, width: 155, in: &block)
        // The checksum is computed with its own field as eight spaces, then stored as six digits, NUL, space.
        for index in 148..<156 { block[index] = 0x20 }
        let sum = block.reduce(0) { $0 + UInt64($1) }
        Self.putOctal(sum, at: 148, width: 7, in: &block)
        block[155] = 0x20
        output.append(contentsOf: block)
    }

    /// `path` as ustar's prefix and name fields, or `nil` if it fits neither whole in the name nor split at a slash.
    static func split(_ path: [UInt8]) -> (prefix: [UInt8], name: [UInt8])? {
        if path.count <= 100 { return ([], path) }
        guard path.count <= 256 else { return nil }
        // The longest prefix (at most 155 bytes) ending just before a slash, leaving a name of 1 to 100 bytes.
        let slash = UInt8(ascii: "/")
        var index = min(155, path.count - 2)
        while index > 0 {
            if path[index] == slash && path.count - index - 1 <= 100 && path.count - index - 1 >= 1 {
                return (Array(path[..<index]), Array(path[(index + 1)...]))
            }
            if path.count - index - 1 > 100 { return nil }
            index -= 1
        }
        return nil
    }

    /// Appends one pax record, `"%d %s=%s\n"`, whose length prefix counts itself.
    static func appendRecord(_ records: inout [UInt8], _ key: String, _ value: [UInt8]) {
        appendRecord(&records, Array(key.utf8), value)
    }

    static func appendRecord(_ records: inout [UInt8], _ key: [UInt8], _ value: [UInt8]) {
        let body = 1 + key.count + 1 + value.count + 1  // " " key "=" value "\n"
        var length = body + String(body).utf8.count
        if String(length).utf8.count + body != length { length = body + String(length).utf8.count }
        records.append(contentsOf: Array(String(length).utf8))
        records.append(0x20)
        records.append(contentsOf: key)
        records.append(UInt8(ascii: "="))
        records.append(contentsOf: value)
        records.append(0x0A)
    }

    /// The ustar name of the `x` header before an entry: `PaxHeaders/` and the entry's last component, cut to fit.
    private static func extendedHeaderName(for path: [UInt8]) -> [UInt8] {
        Array((Array("PaxHeaders/".utf8) + lastComponent(path)).prefix(100))
    }

    /// The ustar name of a GNU sparse 1.0 file (its real name is in `GNU.sparse.name`): `GNUSparseFile.0/` and the
    /// last component, cut to fit.
    private static func sparseName(for path: [UInt8]) -> [UInt8] {
        Array((Array("GNUSparseFile.0/".utf8) + lastComponent(path)).prefix(100))
    }

    private static func lastComponent(_ path: [UInt8]) -> [UInt8] {
        var end = path.count
        while end > 0 && path[end - 1] == UInt8(ascii: "/") { end -= 1 }
        var start = end
        while start > 0 && path[start - 1] != UInt8(ascii: "/") { start -= 1 }
        return Array(path[start..<end])
    }

    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    private static func put(_ bytes: [UInt8], at offset: Int, width: Int, in block: inout [UInt8]) {
        for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
    }

    /// `value` in octal, zero-padded to `width - 1` digits and NUL-terminated.
    private static func putOctal(_ value: UInt64, at offset: Int, width: Int, in block: inout [UInt8]) {
        var digits = Array(String(value, radix: 8).utf8)
        if digits.count < width - 1 { digits = [UInt8](repeating: 0x30, count: width - 1 - digits.count) + digits }
        put(Array(digits.suffix(width - 1)) + [0], at: offset, width: width, in: &block)
    }

    /// Pads `output` with NULs to a multiple of 512 bytes.
    static func pad(_ output: inout [UInt8]) {
        let remainder = output.count % blockSize
        if remainder != 0 { output.append(contentsOf: [UInt8](repeating: 0, count: blockSize - remainder)) }
    }
}
