/// Little-endian field access on raw image bytes, for patching images.
extension Array where Element == UInt8 {
    /// The unsigned little-endian integer of `size` bytes at `offset`.
    func littleEndian(at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<size).reversed() { value = value << 8 | UInt64(self[offset + index]) }
        return value
    }

    func le16(_ offset: Int) -> UInt16 { UInt16(littleEndian(at: offset, size: 2)) }
    func le32(_ offset: Int) -> UInt32 { UInt32(littleEndian(at: offset, size: 4)) }
    func le64(_ offset: Int) -> UInt64 { littleEndian(at: offset, size: 8) }

    /// Stores `value` as `size` little-endian bytes at `offset`.
    mutating func setLittleEndian(_ value: UInt64, at offset: Int, size: Int) {
        for index in 0..<size { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    mutating func setLE16(_ offset: Int, _ value: UInt16) { setLittleEndian(UInt64(value), at: offset, size: 2) }
    mutating func setLE32(_ offset: Int, _ value: UInt32) { setLittleEndian(UInt64(value), at: offset, size: 4) }
    mutating func setLE64(_ offset: Int, _ value: UInt64) { setLittleEndian(value, at: offset, size: 8) }

    /// Every offset at which `needle` occurs.
    func offsets(of needle: [UInt8]) -> [Int] {
        guard !needle.isEmpty, needle.count <= count else { return [] }
        return (0...(count - needle.count)).filter { start in
            self[start] == needle[0] && self[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}

/// Offsets of the superblock fields (squashfs 4.0, 96 bytes).
enum SuperblockOffset {
    static let magic = 0
    static let inodeCount = 4
    static let modificationTime = 8
    static let blockSize = 12
    static let fragmentCount = 16
    static let compressor = 20
    static let blockLog = 22
    static let flags = 24
    static let idCount = 26
    static let versionMajor = 28
    static let versionMinor = 30
    static let rootInode = 32
    static let bytesUsed = 40
    static let idTableStart = 48
    static let xattrTableStart = 56
    static let inodeTableStart = 64
    static let directoryTableStart = 72
    static let fragmentTableStart = 80
    static let exportTableStart = 88
}
