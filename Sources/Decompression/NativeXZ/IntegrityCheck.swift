// The integrity checks of the .xz format (file format spec 1.x, section 3.4): the stream flags name one check ID,
// 0x00-0x0F; each block's uncompressed data is followed by that check's value. CRC32 is libdeflate's (carry-less
// multiplication where the CPU has it: about 20 times fewer instructions per byte than zlib 1.2.13's), CRC64
// (ECMA-182, reflected) and SHA-256 (FIPS 180-4) are computed here.

internal import CDeflate

/// The check a stream declares, computed over a block's uncompressed data.
enum IntegrityCheck {
    /// The size in bytes of the check field for each check ID (the spec's table: IDs 0x00-0x0F).
    static func size(ofID id: UInt8) -> Int {
        switch id & 0x0F {
        case 0x00: 0
        case 0x01...0x03: 4
        case 0x04...0x06: 8
        case 0x07...0x09: 16
        case 0x0A...0x0C: 32
        default: 64
        }
    }

    /// Whether the check ID is one this decoder (and liblzma) computes: None, CRC32, CRC64 and SHA-256. Fields of
    /// the other IDs are skipped unverified, as liblzma does when it is not asked to report unsupported checks.
    static func isVerified(_ id: UInt8) -> Bool { id == 0x01 || id == 0x04 || id == 0x0A }

    /// Whether `stored` (the block's check field, `size(ofID:)` bytes) matches the check `id` of `data`; always
    /// true for IDs that are not verified.
    static func matches(id: UInt8, data: UnsafeRawBufferPointer, stored: UnsafeRawBufferPointer) -> Bool {
        switch id {
        case 0x01:
            return stored.count == 4 && littleEndian32(stored) == crc32(data)
        case 0x04:
            return stored.count == 8 && littleEndian64(stored) == CRC64.checksum(data)
        case 0x0A:
            guard stored.count == 32 else { return false }
            var hash = SHA256Hasher()
            hash.update(data)
            let digest = hash.finish()
            for index in 0..<32 where stored[index] != digest[index] { return false }
            return true
        default:
            return true
        }
    }

    /// The CRC-32 of `data` (the .xz format's CRC32, zlib's: polynomial 0x04C11DB7, reflected, inverted), by
    /// libdeflate.
    static func crc32(_ data: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = data.baseAddress, data.count > 0 else { return 0 }
        return libdeflate_crc32(0, base, data.count)
    }

    /// The first four bytes of `bytes` as a little-endian integer (the caller guarantees four bytes).
    static func littleEndian32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var value: UInt32 = 0
        for index in (0..<min(4, bytes.count)).reversed() { value = value << 8 | UInt32(bytes[index]) }
        return value
    }

    /// The first eight bytes of `bytes` as a little-endian integer (the caller guarantees eight bytes).
    static func littleEndian64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<min(8, bytes.count)).reversed() { value = value << 8 | UInt64(bytes[index]) }
        return value
    }
}

/// CRC-64 as the .xz format uses it: the ECMA-182 polynomial, reflected (0xC96C5795D7870F42), initial value and
/// final XOR all ones. Eight lookup tables, eight bytes per step.
enum CRC64 {
    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt64] = {
        var tables = [UInt64](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt64(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The CRC-64 of `data`.
    static func checksum(_ data: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let count = data.count
        return tables.withUnsafeBufferPointer { table -> UInt64 in
            guard let t = table.baseAddress, table.count == 8 * 256 else { return 0 }
            var crc = ~UInt64(0)
            var index = 0
            while count &- index >= 8 {
                var word: UInt64 = 0
                for byte in 0..<8 { word |= UInt64(base[index &+ byte]) &<< (8 &* UInt64(byte)) }
                crc ^= word
                crc =
                    t[7 * 256 + Int(crc & 0xFF)] ^ t[6 * 256 + Int((crc >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((crc >> 16) & 0xFF)] ^ t[4 * 256 + Int((crc >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((crc >> 32) & 0xFF)] ^ t[2 * 256 + Int((crc >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((crc >> 48) & 0xFF)] ^ t[Int(crc >> 56)]
                index &+= 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt64(base[index])) & 0xFF)] ^ (crc >> 8)
                index &+= 1
            }
            return ~crc
        }
    }
}

/// SHA-256 (FIPS 180-4), for the .xz check ID 0x0A and the SBOM's name-based identifiers (ImageContents, which links
/// no crypto library): a small streaming implementation.
package struct SHA256Hasher {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0
    private var schedule = [UInt32](repeating: 0, count: 64)

    /// A hasher of the empty message.
    package init() {}

    /// The digest (32 bytes) of `message`.
    package static func hash(_ message: [UInt8]) -> [UInt8] {
        var hasher = SHA256Hasher()
        message.withUnsafeBytes { hasher.update($0) }
        return hasher.finish()
    }

    /// Adds `data` to the hashed message.
    mutating func update(_ data: UnsafeRawBufferPointer) {
        length &+= UInt64(data.count)
        var index = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, data.count)
            pending.append(contentsOf: data[0..<take])
            index = take
            if pending.count == 64 {
                let block = pending
                block.withUnsafeBytes { compress($0, at: 0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while data.count - index >= 64 {
            compress(data, at: index)
            index += 64
        }
        if index < data.count { pending.append(contentsOf: data[index...]) }
    }

    /// The digest of everything added (32 bytes); the hasher is spent afterwards.
    mutating func finish() -> [UInt8] {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> shift)) }
        tail.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                compress(bytes, at: offset)
                offset += 64
            }
        }
        pending.removeAll()
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in state {
            for shift in stride(from: 24, through: 0, by: -8) {
                digest.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return digest
    }

    /// One 64-byte block of `bytes` starting at `offset` (the caller guarantees 64 bytes).
    private mutating func compress(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        for index in 0..<16 {
            let base = offset + index * 4
            schedule[index] =
                UInt32(bytes[base]) << 24 | UInt32(bytes[base + 1]) << 16 | UInt32(bytes[base + 2]) << 8
                | UInt32(bytes[base + 3])
        }
        for index in 16..<64 {
            let w15 = schedule[index - 15]
            let w2 = schedule[index - 2]
            let s0 = rotate(w15, 7) ^ rotate(w15, 18) ^ (w15 >> 3)
            let s1 = rotate(w2, 17) ^ rotate(w2, 19) ^ (w2 >> 10)
            schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
        }
        var a = state[0]
        var b = state[1]
        var c = state[2]
        var d = state[3]
        var e = state[4]
        var f = state[5]
        var g = state[6]
        var h = state[7]
        for index in 0..<64 {
            let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ choice &+ Self.roundConstants[index] &+ schedule[index]
            let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }

    private func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { value >> count | value << (32 - count) }
}
