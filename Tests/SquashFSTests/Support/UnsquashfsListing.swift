import Glibc
import SquashFS

/// One line of `unsquashfs -lln -d '' IMAGE` (run with `TZ=UTC`).
///
/// squashfs-tools 4.5.1 prints `MODE UID/GID SIZE DATE TIME PATH`, the size right-aligned in a padded field, or for
/// devices `%3d,%3d` of `rdev >> 8` and `rdev & 0xff` (so a minor above 255 is printed wrongly by unsquashfs), then
/// `YYYY-MM-DD HH:MM`, the path (empty for the root, otherwise starting with `/`) and ` -> target` for symbolic links.
struct ListingEntry: Hashable, Sendable {
    /// The size column: a size, or the two halves of a device number.
    enum SizeField: Hashable, Sendable, CustomStringConvertible {
        case size(UInt64)
        case device(high: UInt32, low: UInt32)

        var description: String {
            switch self {
            case .size(let size): "\(size)"
            case .device(let high, let low): "\(high),\(low)"
            }
        }
    }

    var modeString: String
    var uid: UInt32
    var gid: UInt32
    var sizeField: SizeField
    /// `YYYY-MM-DD HH:MM`.
    var time: String
    var path: ImagePath
    var symlinkTarget: [UInt8]?

    /// What `unsquashfs -lln` would print for an inode the reader returned.
    init(inode: Inode, path: ImagePath) {
        modeString = inode.modeString
        uid = inode.uid
        gid = inode.gid
        if let device = inode.device {
            sizeField = .device(high: device.rawValue >> 8, low: device.rawValue & 0xFF)
        } else {
            sizeField = .size(inode.size)
        }
        time = formatUTCMinutes(inode.modificationTime)
        self.path = path
        symlinkTarget = inode.symlinkTarget
    }

    init(
        modeString: String, uid: UInt32, gid: UInt32, sizeField: SizeField, time: String, path: ImagePath,
        symlinkTarget: [UInt8]?
    ) {
        self.modeString = modeString
        self.uid = uid
        self.gid = gid
        self.sizeField = sizeField
        self.time = time
        self.path = path
        self.symlinkTarget = symlinkTarget
    }
}

/// A malformed line.
struct ListingParseError: Error, CustomStringConvertible {
    var line: [UInt8]
    var reason: String
    var description: String { "cannot parse '\(ImagePath(bytes: line))': \(reason)" }
}

/// Parses `unsquashfs -lln` output.
enum UnsquashfsListing {
    /// Runs `unsquashfs -lln -d '' image` with `TZ=UTC` and parses it.
    static func list(_ image: String, extraArguments: [String] = []) async throws -> [ListingEntry] {
        let result = try await ProcessRunner.run(
            "unsquashfs", ["-lln", "-d", ""] + extraArguments + [image], environment: ["TZ": "UTC"])
        return try parse(result.standardOutput)
    }

    /// Parses the output bytes. A name containing a newline continues on the next line; a line that does not start
    /// like an entry (`MODE UID/GID`) is joined to the previous one with `\n`.
    static func parse(_ output: [UInt8]) throws -> [ListingEntry] {
        var records: [[UInt8]] = []
        var lines = output.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines {
            if startsEntry(line) || records.isEmpty {
                records.append(line)
            } else {
                records[records.count - 1] += [0x0A] + line
            }
        }
        return try records.map(parseRecord)
    }

    /// Whether a line begins with a mode string, a space and `digits/digits`.
    private static func startsEntry(_ line: [UInt8]) -> Bool {
        guard line.count > 13, Array("-dlcbps".utf8).contains(line[0]) else { return false }
        let permissionCharacters = Array("rwxsStT-".utf8)
        guard line[1..<10].allSatisfy(permissionCharacters.contains), line[10] == 0x20 else { return false }
        var index = 11
        var sawDigit = false
        while index < line.count, isDigit(line[index]) {
            index += 1
            sawDigit = true
        }
        return sawDigit && index < line.count && line[index] == UInt8(ascii: "/")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func parseRecord(_ line: [UInt8]) throws -> ListingEntry {
        var index = 0
        func fail(_ reason: String) -> ListingParseError { ListingParseError(line: line, reason: reason) }
        func skipSpaces() { while index < line.count, line[index] == 0x20 { index += 1 } }
        func number() throws -> UInt64 {
            let start = index
            while index < line.count, isDigit(line[index]) { index += 1 }
            guard index > start, let value = UInt64(String(decoding: line[start..<index], as: UTF8.self)) else {
                throw fail("number expected at \(start)")
            }
            return value
        }
        func expect(_ byte: UInt8) throws {
            guard index < line.count, line[index] == byte else {
                throw fail("'\(Character(Unicode.Scalar(byte)))' expected at \(index)")
            }
            index += 1
        }
        let modeString = String(decoding: line[0..<10], as: UTF8.self)
        index = 11
        let uid = try number()
        try expect(UInt8(ascii: "/"))
        let gid = try number()
        skipSpaces()
        let first = try number()
        let sizeField: ListingEntry.SizeField
        if index < line.count, line[index] == UInt8(ascii: ",") {
            index += 1
            skipSpaces()
            let second = try number()
            sizeField = .device(high: UInt32(first), low: UInt32(second))
        } else {
            sizeField = .size(first)
        }
        try expect(0x20)
        guard index + 17 <= line.count else { throw fail("date and time expected") }
        let time = String(decoding: line[index..<(index + 16)], as: UTF8.self)
        index += 16
        try expect(0x20)
        var name = Array(line[index...])
        var target: [UInt8]?
        if modeString.hasPrefix("l") {
            let arrow = Array(" -> ".utf8)
            guard let range = firstRange(of: arrow, in: name) else { throw fail("symbolic link without ' -> '") }
            target = Array(name[range.upperBound...])
            name = Array(name[..<range.lowerBound])
        }
        let path = name.isEmpty ? ImagePath.root : ImagePath(bytes: name)
        return ListingEntry(
            modeString: modeString, uid: UInt32(uid), gid: UInt32(gid), sizeField: sizeField, time: time, path: path,
            symlinkTarget: target)
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }
}

/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM` in UTC, as `unsquashfs -lln` prints it with `TZ=UTC`.
func formatUTCMinutes(_ seconds: UInt32) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2))"
}
