// Overflow-checked arithmetic on values read from the image; an overflow is corruption, never a trap.

extension FixedWidthInteger {
    @inline(__always)
    func adding(_ other: Self, _ what: @autoclosure () -> String) throws(SquashFSError) -> Self {
        let (result, overflow) = addingReportingOverflow(other)
        if overflow { throw .corrupt("integer overflow computing \(what())") }
        return result
    }

    @inline(__always)
    func multiplied(by other: Self, _ what: @autoclosure () -> String) throws(SquashFSError) -> Self {
        let (result, overflow) = multipliedReportingOverflow(by: other)
        if overflow { throw .corrupt("integer overflow computing \(what())") }
        return result
    }
}

/// Little-endian loads from a byte buffer whose bounds the caller has checked.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func le16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inline(__always)
    func le32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inline(__always)
    func le64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}

extension Array where Element == UInt8 {
    /// Reads little-endian integers at `offset`; throws if the array is too short.
    @inline(__always)
    func le16(at offset: Int) throws(SquashFSError) -> UInt16 {
        guard offset >= 0, offset <= count - 2 else { throw .corrupt("record truncated at byte \(offset)") }
        return withUnsafeBytes { $0.le16(offset) }
    }
    @inline(__always)
    func le32(at offset: Int) throws(SquashFSError) -> UInt32 {
        guard offset >= 0, offset <= count - 4 else { throw .corrupt("record truncated at byte \(offset)") }
        return withUnsafeBytes { $0.le32(offset) }
    }
    @inline(__always)
    func le64(at offset: Int) throws(SquashFSError) -> UInt64 {
        guard offset >= 0, offset <= count - 8 else { throw .corrupt("record truncated at byte \(offset)") }
        return withUnsafeBytes { $0.le64(offset) }
    }
}
