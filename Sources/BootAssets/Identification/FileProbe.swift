internal import SystemLayer

/// Bounded, positional reads of the bytes being identified: a file read through the system layer's
/// `PositionalFile` (`pread`), or bytes in memory.
///
/// Reads past the end return fewer bytes (or none) instead of failing; every read is capped at
/// ``maximumReadSize`` and all reads together at ``budget`` bytes, so no input-derived offset or length can make
/// identification read much of a file. ``bytesRead`` counts what was actually read (tests check the bound).
final class FileProbe {
    private enum Storage {
        case file(PositionalFile)
        case memory([UInt8])
    }

    /// The largest single read.
    static let maximumReadSize = 1 << 20
    /// The most bytes one identification reads from a file, in all.
    static let defaultBudget: UInt64 = 8 << 20

    private let storage: Storage
    /// The number of bytes available (the file size, or the count of the bytes in memory).
    let size: UInt64
    /// Whether the bytes are only the first part of a longer stream (a decompressed prefix): the true size is
    /// unknown, so running off the end is not truncation.
    let isPrefix: Bool
    /// The name used in messages (a path, or `bytes`).
    let name: String
    /// The bytes read so far.
    private(set) var bytesRead: UInt64 = 0
    /// The bytes all reads together may return.
    let budget: UInt64

    /// Bytes in memory.
    init(bytes: [UInt8], isPrefix: Bool = false, name: String = "bytes") {
        storage = .memory(bytes)
        size = UInt64(bytes.count)
        self.isPrefix = isPrefix
        self.name = name
        budget = UInt64.max
    }

    /// Opens `path` for reading (a regular file or a block device; a directory is refused).
    init(path: String, budget: UInt64 = FileProbe.defaultBudget) throws(BootAssetsError) {
        let file: PositionalFile
        do {
            file = try PositionalFile(openingForReadAt: path)
        } catch {
            let problem =
                if case .wrongKind(let kind) = error.reason { "is \(kind)" } else { "cannot \(error.operation)" }
            throw BootAssetsError(.io, "\(path): \(problem)", underlyingError: error)
        }
        storage = .file(file)
        size = file.size
        isPrefix = false
        name = path
        self.budget = budget
    }

    /// Up to `count` bytes at `offset`: fewer at the end of the data or when the budget runs out, none past the
    /// end. Only a failing `pread` throws.
    func read(at offset: UInt64, count: Int) throws(BootAssetsError) -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let remainingBudget = budget &- min(budget, bytesRead)
        let wanted = min(UInt64(min(count, Self.maximumReadSize)), size - offset, remainingBudget)
        guard wanted > 0 else { return [] }
        let length = Int(wanted)
        switch storage {
        case .memory(let bytes):
            let start = Int(offset)
            bytesRead &+= wanted
            return Array(bytes[start..<(start + length)])
        case .file(let file):
            var buffer = [UInt8](repeating: 0, count: length)
            var done = 0
            while done < length {
                let start = offset + UInt64(done)
                let result = buffer.withUnsafeMutableBytes { raw in
                    Swift.Result { () throws(FileSystemError) -> Int in
                        try file.read(at: start, into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]))
                    }
                }
                let count: Int
                switch result {
                case .success(let read): count = read
                case .failure(let error):
                    throw BootAssetsError(.io, "\(name): read failed at offset \(start)", underlyingError: error)
                }
                if count == 0 { break }
                done += count
            }
            bytesRead &+= UInt64(done)
            if done < length { buffer.removeSubrange(done...) }
            return buffer
        }
    }
}

/// Little- and big-endian integers at offsets of a byte array, `nil` when out of bounds.
extension Array where Element == UInt8 {
    /// The byte at `offset`, or `nil`.
    func byte(at offset: Int) -> UInt8? {
        offset >= 0 && offset < count ? self[offset] : nil
    }

    /// An unsigned integer of `width` bytes at `offset`, or `nil` when it does not fit.
    func unsigned(at offset: Int, width: Int, bigEndian: Bool) -> UInt64? {
        guard offset >= 0, width > 0, width <= 8, offset <= count - width else { return nil }
        var value: UInt64 = 0
        for index in 0..<width {
            let byte = UInt64(self[bigEndian ? offset + index : offset + width - 1 - index])
            value = value << 8 | byte
        }
        return value
    }

    /// A little-endian `UInt16` at `offset`.
    func le16(_ offset: Int) -> UInt16? { unsigned(at: offset, width: 2, bigEndian: false).map { UInt16($0) } }
    /// A little-endian `UInt32` at `offset`.
    func le32(_ offset: Int) -> UInt32? { unsigned(at: offset, width: 4, bigEndian: false).map { UInt32($0) } }
    /// A little-endian `UInt64` at `offset`.
    func le64(_ offset: Int) -> UInt64? { unsigned(at: offset, width: 8, bigEndian: false) }
    /// A big-endian `UInt16` at `offset`.
    func be16(_ offset: Int) -> UInt16? { unsigned(at: offset, width: 2, bigEndian: true).map { UInt16($0) } }
    /// A big-endian `UInt32` at `offset`.
    func be32(_ offset: Int) -> UInt32? { unsigned(at: offset, width: 4, bigEndian: true).map { UInt32($0) } }

    /// Whether the bytes at `offset` are `pattern`.
    func matches(_ pattern: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count - pattern.count else { return false }
        for index in 0..<pattern.count where self[offset + index] != pattern[index] { return false }
        return true
    }

    /// Whether the bytes at `offset` are the ASCII `text`.
    func matches(_ text: String, at offset: Int) -> Bool { matches(Array(text.utf8), at: offset) }

    /// A NUL-terminated (or `maximum`-long) printable ASCII string at `offset`, or `nil` when empty or not
    /// printable.
    func cString(at offset: Int, maximum: Int) -> String? {
        guard offset >= 0, offset < count, maximum > 0 else { return nil }
        var end = offset
        let limit = offset + Swift.min(maximum, count - offset)
        while end < limit, self[end] != 0 { end += 1 }
        guard end > offset else { return nil }
        let slice = self[offset..<end]
        guard slice.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }
}
