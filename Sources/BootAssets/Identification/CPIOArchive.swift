internal import Decompression
/// cpio archives (newc, crc, odc and old binary) and the initrds made of them.
///
/// Headers are walked by seeking over member data, never reading it, and at most ``maximumHeaders`` of them.
enum CPIOArchive {
    /// The most headers walked in one identification.
    static let maximumHeaders = 4096
    /// The longest member name accepted.
    static let maximumNameSize = 4096
    /// How many member names are kept.
    static let keptNames = 8
    /// The most zero bytes skipped between two archives.
    static let maximumPadding: UInt64 = 1 << 20
    /// The most archives (segments) followed in one initrd.
    static let maximumSegments = 8

    enum Format: String {
        case newc, crc, odc, binary

        /// The format of the header starting `bytes`, or `nil`.
        static func detect(_ bytes: [UInt8]) -> Format? {
            if bytes.matches("070701", at: 0) { return .newc }
            if bytes.matches("070702", at: 0) { return .crc }
            if bytes.matches("070707", at: 0) { return .odc }
            if bytes.matches([0xC7, 0x71], at: 0) || bytes.matches([0x71, 0xC7], at: 0) { return .binary }
            return nil
        }
    }

    /// What walking one archive found.
    struct Walk {
        var format: Format
        var members = 0
        var names: [String] = []
        var microcode: [String] = []
        /// Where the archive ends (after the trailer's padding).
        var end: UInt64 = 0
        var sawTrailer = false
        /// The data ended inside the archive.
        var ranOut = false
        /// A header was malformed.
        var corrupt = false
        /// The header cap was reached.
        var capped = false
    }

    /// Walks the archive at `start` of `probe`, charging its headers to `headerBudget`.
    static func walk(probe: FileProbe, at start: UInt64, headerBudget: inout Int) throws(BootAssetsError) -> Walk? {
        guard let format = Format.detect(try probe.read(at: start, count: 6)) else { return nil }
        var walk = Walk(format: format)
        var offset = start
        while true {
            guard headerBudget > 0 else {
                walk.capped = true
                break
            }
            headerBudget -= 1
            let header = try probe.read(at: offset, count: 512)
            guard Format.detect(header) == format else {
                if header.count < 6 { walk.ranOut = true } else { walk.corrupt = true }
                break
            }
            guard let parsed = parseHeader(header, format: format) else {
                if header.count < headerSize(format) { walk.ranOut = true } else { walk.corrupt = true }
                break
            }
            guard parsed.nameSize > 0, parsed.nameSize <= maximumNameSize else {
                walk.corrupt = true
                break
            }
            let nameStart = UInt64(headerSize(format))
            var nameBytes: [UInt8]
            if headerSize(format) + parsed.nameSize <= header.count {
                nameBytes = Array(header[headerSize(format)..<(headerSize(format) + parsed.nameSize)])
            } else {
                nameBytes = try probe.read(at: offset + nameStart, count: parsed.nameSize)
                if nameBytes.count < parsed.nameSize {
                    walk.ranOut = true
                    break
                }
            }
            if nameBytes.last == 0 { nameBytes.removeLast() }
            var name = String(decoding: nameBytes, as: UTF8.self)
            if name == "TRAILER!!!" {
                walk.sawTrailer = true
                let (end, overflow) = offset.addingReportingOverflow(align(nameStart + UInt64(parsed.nameSize), format))
                walk.end = overflow ? UInt64.max : end
                break
            }
            if name.hasPrefix("./") { name.removeFirst(2) }
            walk.members += 1
            if walk.names.count < keptNames { walk.names.append(name) }
            if name.hasPrefix("kernel/x86/microcode/") && walk.microcode.count < keptNames {
                walk.microcode.append(String(name.dropFirst("kernel/x86/microcode/".count)))
            }
            let headerAndName = align(nameStart + UInt64(parsed.nameSize), format)
            let data = align(parsed.dataSize, format)
            let (step, stepOverflow) = headerAndName.addingReportingOverflow(data)
            let (next, overflow) = offset.addingReportingOverflow(step)
            guard !stepOverflow, !overflow else {
                walk.corrupt = true
                break
            }
            offset = next
            if offset > probe.size {
                walk.ranOut = true
                break
            }
        }
        if !walk.sawTrailer { walk.end = min(offset, probe.size) }
        return walk
    }

    private static func headerSize(_ format: Format) -> Int {
        switch format {
        case .newc, .crc: 110
        case .odc: 76
        case .binary: 26
        }
    }

    /// Rounds a size up to the format's alignment (4 bytes for newc and crc, 2 for binary, none for odc).
    private static func align(_ value: UInt64, _ format: Format) -> UInt64 {
        let unit: UInt64 =
            switch format {
            case .newc, .crc: 4
            case .binary: 2
            case .odc: 1
            }
        let (sum, overflow) = value.addingReportingOverflow(unit - 1)
        return overflow ? UInt64.max & ~(unit - 1) : sum & ~(unit - 1)
    }

    private static func parseHeader(_ header: [UInt8], format: Format) -> (nameSize: Int, dataSize: UInt64)? {
        switch format {
        case .newc, .crc:
            guard let nameSize = number(header, at: 94, length: 8, radix: 16),
                let dataSize = number(header, at: 54, length: 8, radix: 16)
            else { return nil }
            return (Int(nameSize), dataSize)
        case .odc:
            guard let nameSize = number(header, at: 59, length: 6, radix: 8),
                let dataSize = number(header, at: 65, length: 11, radix: 8), nameSize < 1 << 20
            else { return nil }
            return (Int(nameSize), dataSize)
        case .binary:
            let bigEndian = header.matches([0x71, 0xC7], at: 0)
            guard let nameSize = header.unsigned(at: 20, width: 2, bigEndian: bigEndian),
                let high = header.unsigned(at: 22, width: 2, bigEndian: bigEndian),
                let low = header.unsigned(at: 24, width: 2, bigEndian: bigEndian)
            else { return nil }
            return (Int(nameSize), high << 16 | low)
        }
    }

    /// An ASCII number of `length` digits in `radix` at `offset`, or `nil` when a digit is invalid.
    private static func number(_ bytes: [UInt8], at offset: Int, length: Int, radix: UInt64) -> UInt64? {
        guard offset >= 0, offset + length <= bytes.count else { return nil }
        var value: UInt64 = 0
        for byte in bytes[offset..<(offset + length)] {
            let digit: UInt64
            switch byte {
            case 0x30...0x39: digit = UInt64(byte - 0x30)
            case 0x41...0x46: digit = UInt64(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt64(byte - 0x61 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            value = value * radix + digit  // at most 11 digits: cannot overflow
        }
        return value
    }

    /// The offset of the first non-zero byte at or after `offset`, looking at most ``maximumPadding`` bytes ahead;
    /// `nil` at the end of the data or when only zeros follow within the limit.
    static func skipZeros(probe: FileProbe, from offset: UInt64) throws(BootAssetsError) -> UInt64? {
        var position = offset
        while position - offset < maximumPadding {
            let chunk = try probe.read(at: position, count: 4096)
            if chunk.isEmpty { return nil }
            if let index = chunk.firstIndex(where: { $0 != 0 }) { return position + UInt64(index) }
            position += UInt64(chunk.count)
        }
        return nil
    }
}

/// Initrds: uncompressed cpio archives (early microcode, firmware) followed by the main archive, compressed or not.
enum Initrd {
    /// The identification of an initrd starting with an uncompressed cpio archive at the start of `probe`, or `nil`.
    static func identify(probe: FileProbe, head: [UInt8], depth: Int) throws(BootAssetsError)
        -> ContentIdentification?
    {
        guard CPIOArchive.Format.detect(head) != nil else { return nil }
        var headerBudget = CPIOArchive.maximumHeaders
        var walks: [CPIOArchive.Walk] = []
        var offset: UInt64 = 0
        var compressedMain: ContentIdentification?
        var trailing: String?
        var truncated: String?
        segments: while walks.count < CPIOArchive.maximumSegments {
            guard let walk = try CPIOArchive.walk(probe: probe, at: offset, headerBudget: &headerBudget) else { break }
            walks.append(walk)
            if walk.ranOut && !probe.isPrefix { truncated = "the data ends inside cpio archive \(walks.count)" }
            if walk.corrupt { trailing = "malformed cpio header in archive \(walks.count)" }
            guard walk.sawTrailer, let next = try CPIOArchive.skipZeros(probe: probe, from: walk.end) else { break }
            offset = next
            let segmentHead = try probe.read(at: offset, count: 16)
            if CPIOArchive.Format.detect(segmentHead) != nil { continue }
            guard let compression = Compression.detect(segmentHead) else {
                trailing = "unrecognised data at offset \(offset)"
                break
            }
            var main = ContentIdentification(kind: .compressedData, compression: compression, summary: "")
            if let prefix = try PrefixDecompressor.prefix(of: probe, at: offset, compression: compression),
                depth < ContentIdentifier.maximumDepth
            {
                let inner = FileProbe(bytes: prefix.bytes, isPrefix: true)
                if let innerResult = try identify(probe: inner, head: prefix.bytes, depth: depth + 1),
                    innerResult.kind == .initrd
                {
                    main = innerResult
                    main.compression = compression
                } else if prefix.failure != nil && prefix.bytes.count < PrefixDecompressor.outputLimit {
                    truncated = "\(compression) stream at offset \(offset) ends early"
                }
            }
            compressedMain = main
            break segments
        }
        guard let first = walks.first else { return nil }
        var result = ContentIdentification(kind: .initrd, summary: "")
        let early = compressedMain == nil ? walks.dropLast() : walks[...]
        let microcode = early.flatMap(\.microcode)
        let mainWalk = compressedMain == nil ? walks.last ?? first : nil
        if let compressedMain {
            result = compressedMain
            result.kind = .initrd
        } else if let mainWalk {
            result.set("format", mainWalk.format.rawValue)
            result.set("members", mainWalk.sawTrailer ? String(mainWalk.members) : "at least \(mainWalk.members)")
            result.set("first-members", mainWalk.names.joined(separator: ", "))
        }
        if !microcode.isEmpty { result.set("early-microcode", microcode.joined(separator: ", ")) }
        let archives = walks.count + (compressedMain == nil ? 0 : 1)
        if archives > 1 { result.set("archives", String(archives)) }
        if let trailing { result.set("trailing-data", trailing) }
        if let truncated { result.set(ContentDetail.truncated, truncated) }
        result.summary = summary(result)
        return result
    }

    /// The summary line of an initrd result, from its details and compression.
    static func summary(_ result: ContentIdentification) -> String {
        var parts: [String] = []
        if let microcode = result.detail("early-microcode") { parts.append("early microcode (\(microcode))") }
        var main = "cpio \(result.detail("format") ?? "archive")"
        if let compression = result.compression { main = "\(compression)-compressed " + main }
        if let members = result.detail("members") { main += ", \(members) members" }
        parts.append(main)
        var text = "initrd: " + parts.joined(separator: " + ")
        if let archives = result.detail("archives") { text += " (\(archives) archives)" }
        if result.isTruncated { text += ", truncated" }
        return text
    }
}
