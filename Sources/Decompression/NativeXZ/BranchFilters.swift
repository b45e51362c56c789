// The .xz format's non-last filters (file format spec 1.x, sections 5.3.2 and 5.3.3): the branch/call/jump (BCJ)
// converters, which turn the absolute addresses an encoder wrote back into the relative ones of the instructions,
// and the delta filter. Each decodes a whole block's output in place, as liblzma's streaming decoder does when it
// reaches the end of the data: instructions the buffer's end cuts short are left as they are.

/// A branch/call/jump filter of the .xz format, by filter ID.
package enum BranchFilter: UInt64, Sendable, Hashable, CaseIterable {
    /// x86 and x86-64 CALL/JMP (E8/E9) rel32.
    case x86 = 0x04
    /// Big-endian PowerPC `bl`.
    case powerPC = 0x05
    /// IA-64 (Itanium) branch bundles.
    case ia64 = 0x06
    /// 32-bit ARM `bl` (little endian).
    case arm = 0x07
    /// ARM Thumb `bl` pairs.
    case armThumb = 0x08
    /// SPARC `call`.
    case sparc = 0x09
    /// ARM64 `bl` and `adrp`.
    case arm64 = 0x0A
    /// RISC-V `jal` and `auipc` pairs (xz 5.6; liblzma 5.4 does not know it).
    case riscV = 0x0B

    /// The multiple the start offset property must be (liblzma refuses other offsets).
    package var alignment: UInt32 {
        switch self {
        case .x86: 1
        case .armThumb, .riscV: 2
        case .powerPC, .arm, .sparc, .arm64: 4
        case .ia64: 16
        }
    }

    /// Reverses the filter over `buffer` in place, the first byte being at position `startOffset` (positions wrap
    /// modulo 2^32, as the format's are).
    package func decode(_ buffer: UnsafeMutableRawBufferPointer, startOffset: UInt32) {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = buffer.count
        switch self {
        case .x86: Self.x86(base, count, startOffset)
        case .powerPC: Self.powerPC(base, count, startOffset)
        case .ia64: Self.ia64(base, count, startOffset)
        case .arm: Self.arm(base, count, startOffset)
        case .armThumb: Self.armThumb(base, count, startOffset)
        case .sparc: Self.sparc(base, count, startOffset)
        case .arm64: Self.arm64(base, count, startOffset)
        case .riscV: Self.riscV(base, count, startOffset)
        }
    }

    // MARK: - Byte access (callers keep every index inside the buffer)

    private static func load32LE(_ p: UnsafeMutablePointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(p[at]) | UInt32(p[at &+ 1]) &<< 8 | UInt32(p[at &+ 2]) &<< 16 | UInt32(p[at &+ 3]) &<< 24
    }

    private static func load32BE(_ p: UnsafeMutablePointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(p[at]) &<< 24 | UInt32(p[at &+ 1]) &<< 16 | UInt32(p[at &+ 2]) &<< 8 | UInt32(p[at &+ 3])
    }

    private static func store32LE(_ p: UnsafeMutablePointer<UInt8>, _ at: Int, _ value: UInt32) {
        p[at] = UInt8(truncatingIfNeeded: value)
        p[at &+ 1] = UInt8(truncatingIfNeeded: value &>> 8)
        p[at &+ 2] = UInt8(truncatingIfNeeded: value &>> 16)
        p[at &+ 3] = UInt8(truncatingIfNeeded: value &>> 24)
    }

    private static func store32BE(_ p: UnsafeMutablePointer<UInt8>, _ at: Int, _ value: UInt32) {
        p[at] = UInt8(truncatingIfNeeded: value &>> 24)
        p[at &+ 1] = UInt8(truncatingIfNeeded: value &>> 16)
        p[at &+ 2] = UInt8(truncatingIfNeeded: value &>> 8)
        p[at &+ 3] = UInt8(truncatingIfNeeded: value)
    }

    /// The position of byte `index` of the buffer.
    private static func position(_ start: UInt32, _ index: Int) -> UInt32 {
        start &+ UInt32(truncatingIfNeeded: index)
    }

    // MARK: - x86

    /// x86: an E8 (CALL) or E9 (JMP) byte followed by a 32-bit little-endian operand whose top byte is 00 or FF is
    /// converted, unless the recent history of E8/E9 bytes that were not converted (a bit mask of the previous
    /// five positions) says it is likely inside another instruction. A converted operand may be converted again
    /// while the byte the history selects stays 00 or FF; the result's top byte is the sign of bit 24.
    private static func x86(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        guard count >= 5 else { return }
        // The history: bit k set when position (last E8/E9 - k) held an E8/E9 that was not converted; bit k + 4
        // when that one's fifth byte was 00 or FF. `last` is the position of the previous E8/E9 seen.
        var history: UInt32 = 0
        var last: UInt32 = 0xFFFF_FFFB
        if start &- last > 5 { last = start &- 5 }
        let limit = count &- 5
        var index = 0
        while index <= limit {
            let opcode = p[index]
            guard opcode == 0xE8 || opcode == 0xE9 else {
                index &+= 1
                continue
            }
            let here = position(start, index)
            let distance = here &- last
            last = here
            if distance > 5 {
                history = 0
            } else {
                for _ in 0..<distance { history = (history & 0x77) &<< 1 }
            }
            let top = p[index &+ 4]
            let topIsSignFill = top == 0x00 || top == 0xFF
            let recent = history &>> 1
            if topIsSignFill && (recent == 0 || recent == 1 || recent == 2 || recent == 4) {
                var value = load32LE(p, index &+ 1)
                let next = here &+ 5
                var result = value &- next
                if recent != 0 {
                    // The byte of the result whose sign-fill decides another pass: 1, 2 or 3 bytes below the top.
                    let depth: UInt32 = recent == 4 ? 3 : recent
                    let shift = 24 &- depth &* 8
                    let lowMask: UInt32 = (1 &<< (32 &- depth &* 8)) &- 1
                    // liblzma repeats without a bound; from any state the input can reach it stops after at most
                    // one repetition (checked exhaustively for depths 2 and 3, sampled for 1). The bound only
                    // keeps this loop finite on principle.
                    var passes = 0
                    while passes < 8 {
                        let selected = UInt8(truncatingIfNeeded: result &>> shift)
                        guard selected == 0x00 || selected == 0xFF else { break }
                        value = result ^ lowMask
                        result = value &- next
                        passes &+= 1
                    }
                }
                let sign: UInt8 = (result &>> 24) & 1 == 1 ? 0xFF : 0x00
                p[index &+ 1] = UInt8(truncatingIfNeeded: result)
                p[index &+ 2] = UInt8(truncatingIfNeeded: result &>> 8)
                p[index &+ 3] = UInt8(truncatingIfNeeded: result &>> 16)
                p[index &+ 4] = sign
                index &+= 5
                history = 0
            } else {
                index &+= 1
                history |= topIsSignFill ? 0x11 : 0x01
            }
        }
    }

    // MARK: - 4-byte instruction sets

    /// PowerPC: `bl` (primary opcode 18 with AA = 0, LK = 1), big endian; the 24-bit word offset.
    private static func powerPC(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        var index = 0
        while count &- index >= 4 {
            if p[index] &>> 2 == 0x12 && p[index &+ 3] & 0x03 == 0x01 {
                let instruction = load32BE(p, index)
                let target = instruction & 0x03FF_FFFC
                let relative = target &- position(start, index)
                store32BE(p, index, 0x4800_0000 | (relative & 0x03FF_FFFC) | 0x01)
            }
            index &+= 4
        }
    }

    /// ARM: `bl` (condition "always", byte 3 = 0xEB), little endian; the 24-bit word offset from pc + 8.
    private static func arm(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        var index = 0
        while count &- index >= 4 {
            if p[index &+ 3] == 0xEB {
                let target = (load32LE(p, index) & 0x00FF_FFFF) &<< 2
                let relative = (target &- (position(start, index) &+ 8)) &>> 2
                p[index] = UInt8(truncatingIfNeeded: relative)
                p[index &+ 1] = UInt8(truncatingIfNeeded: relative &>> 8)
                p[index &+ 2] = UInt8(truncatingIfNeeded: relative &>> 16)
            }
            index &+= 4
        }
    }

    /// ARM Thumb: the two halfwords of a `bl` (F000 and F800 prefixes), the 22-bit halfword offset from pc + 4;
    /// halfword aligned.
    private static func armThumb(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        var index = 0
        while count &- index >= 4 {
            guard p[index &+ 1] & 0xF8 == 0xF0 && p[index &+ 3] & 0xF8 == 0xF8 else {
                index &+= 2
                continue
            }
            let high = UInt32(p[index &+ 1] & 0x07) &<< 19 | UInt32(p[index]) &<< 11
            let low = UInt32(p[index &+ 3] & 0x07) &<< 8 | UInt32(p[index &+ 2])
            let target = (high | low) &<< 1
            let relative = (target &- (position(start, index) &+ 4)) &>> 1
            p[index &+ 1] = 0xF0 | UInt8(truncatingIfNeeded: (relative &>> 19) & 0x07)
            p[index] = UInt8(truncatingIfNeeded: relative &>> 11)
            p[index &+ 3] = 0xF8 | UInt8(truncatingIfNeeded: (relative &>> 8) & 0x07)
            p[index &+ 2] = UInt8(truncatingIfNeeded: relative)
            index &+= 4
        }
    }

    /// SPARC: `call` whose 30-bit displacement fits in 23 signed bits (first byte 0x40 with the next two bits
    /// clear, or 0x7F with them set), big endian.
    private static func sparc(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        var index = 0
        while count &- index >= 4 {
            let first = p[index]
            let second = p[index &+ 1] & 0xC0
            if (first == 0x40 && second == 0x00) || (first == 0x7F && second == 0xC0) {
                let target = load32BE(p, index) &<< 2
                let relative = (target &- position(start, index)) &>> 2
                let signFill: UInt32 = (relative &>> 22) & 1 == 1 ? 0x3FC0_0000 : 0
                store32BE(p, index, 0x4000_0000 | signFill | (relative & 0x003F_FFFF))
            }
            index &+= 4
        }
    }

    /// ARM64: `bl` (26-bit word offset, always converted) and `adrp` (21-bit page offset, converted only within
    /// +/-512 MiB, that is when bits 17-20 of the page count are all equal), little endian.
    private static func arm64(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        var index = 0
        while count &- index >= 4 {
            let instruction = load32LE(p, index)
            let pc = position(start, index)
            if instruction &>> 26 == 0x25 {
                let relative = (instruction &- (pc &>> 2)) & 0x03FF_FFFF
                store32LE(p, index, 0x9400_0000 | relative)
            } else if instruction & 0x9F00_0000 == 0x9000_0000 {
                let pages = (instruction &>> 29) & 0x3 | (instruction &>> 3) & 0x001F_FFFC
                let band = pages & 0x001E_0000
                if band == 0 || band == 0x001E_0000 {
                    let relative = pages &- (pc &>> 12)
                    var result = instruction & 0x9000_001F
                    result |= (relative & 0x3) &<< 29
                    result |= (relative & 0x0003_FFFC) &<< 3
                    if relative & 0x0002_0000 != 0 { result |= 0x00E0_0000 }
                    store32LE(p, index, result)
                }
            }
            index &+= 4
        }
    }

    // MARK: - IA-64

    /// Which of a bundle's three slots hold branches, by template (the bundle's low five bits).
    private static let ia64BranchSlots: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        4, 4, 6, 6, 0, 0, 7, 7, 4, 4, 0, 0, 4, 4, 0, 0,
    ]

    /// IA-64: 16-byte bundles of a 5-bit template and three 41-bit slots; in branch slots an IP-relative branch
    /// (opcode 5, btype 0) has its 21-bit bundle offset converted.
    private static func ia64(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        var bundle = 0
        while count &- bundle >= 16 {
            let slots = ia64BranchSlots[Int(p[bundle] & 0x1F)]
            for slot in 0..<3 where (slots &>> UInt8(slot)) & 1 == 1 {
                let bitPosition = 5 &+ 41 &* slot
                let byteOffset = bundle &+ bitPosition &>> 3
                let bitShift = UInt64(bitPosition & 7)
                // Six bytes hold the 41-bit slot (at most 7 bits in): byteOffset + 5 <= bundle + 15.
                var raw: UInt64 = 0
                for byte in 0..<6 { raw |= UInt64(p[byteOffset &+ byte]) &<< UInt64(8 &* byte) }
                var slotBits = raw &>> bitShift
                guard (slotBits &>> 37) & 0xF == 0x5 && (slotBits &>> 9) & 0x7 == 0 else { continue }
                let immediate =
                    UInt32(truncatingIfNeeded: (slotBits &>> 13) & 0xF_FFFF)
                    | UInt32(truncatingIfNeeded: (slotBits &>> 36) & 1) &<< 20
                let relative = ((immediate &<< 4) &- position(start, bundle)) &>> 4
                slotBits &= ~(UInt64(0x8F_FFFF) &<< 13)
                slotBits |= UInt64(relative & 0xF_FFFF) &<< 13
                slotBits |= UInt64((relative &>> 20) & 1) &<< 36
                raw = raw & ((1 &<< bitShift) &- 1) | slotBits &<< bitShift
                for byte in 0..<6 { p[byteOffset &+ byte] = UInt8(truncatingIfNeeded: raw &>> UInt64(8 &* byte)) }
            }
            bundle &+= 16
        }
    }

    // MARK: - RISC-V

    /// RISC-V (xz 5.6's filter, halfword steps, eight bytes of lookahead):
    /// - `jal` with rd = x1 or x5: the encoder stored bits 20..1 of the absolute target, most significant first,
    ///   in the immediate's 20 bits (b1 high nibble = bits 20-17, b2 = bits 16-9, b3 = bits 8-1); decoding puts
    ///   back the J-type immediate of (target - pc).
    /// - `auipc` with rd other than x0 and x2, followed by a 32-bit instruction whose rs1 is that rd: a pair the
    ///   encoder stored in its "fake" form (the encoder's inverse of the special form below); decoding rebuilds
    ///   the special form: `auipc x2` carrying inst2's low 20 bits, then (auipc's upper 20 bits + inst2's upper 12
    ///   bits) as a little-endian word.
    /// - `auipc x2` carrying a packed inst2 (its opcode's low two bits set, rs1 not x0 or x2), followed by a
    ///   big-endian absolute address: the converted pair; decoding rebuilds `auipc rs1, hi20` and inst2 with the
    ///   low 12 bits of (address - pc), hi20 rounded for the sign of those 12 bits.
    private static func riscV(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ start: UInt32) {
        guard count >= 8 else { return }
        let limit = count &- 8
        var index = 0
        while index <= limit {
            let first = p[index]
            if first == 0xEF {
                // jal: opcode 0x6F with rd bit 0 set; rd bits 1-4 are the low nibble of byte 1.
                let b1 = UInt32(p[index &+ 1])
                guard b1 & 0x0D == 0 else {
                    index &+= 2
                    continue
                }
                let stored = (b1 & 0xF0) &<< 13 | UInt32(p[index &+ 2]) &<< 9 | UInt32(p[index &+ 3]) &<< 1
                let offset = stored &- position(start, index)
                // J-type: instruction bits 31..12 = imm[20], imm[10:1], imm[11], imm[19:12].
                p[index &+ 1] = UInt8(truncatingIfNeeded: (b1 & 0x0F) | ((offset &>> 12) & 0x0F) &<< 4)
                p[index &+ 2] = UInt8(
                    truncatingIfNeeded: (offset &>> 16) & 0x0F | ((offset &>> 11) & 1) &<< 4
                        | ((offset &>> 1) & 0x07) &<< 5)
                p[index &+ 3] = UInt8(truncatingIfNeeded: (offset &>> 4) & 0x7F | ((offset &>> 20) & 1) &<< 7)
                index &+= 4
            } else if first & 0x7F == 0x17 {
                let auipc = load32LE(p, index)
                let rd = (auipc &>> 7) & 0x1F
                if rd != 0 && rd != 2 {
                    let second = load32LE(p, index &+ 4)
                    let rs1 = (second &>> 15) & 0x1F
                    guard second & 0x3 == 0x3 && rs1 == rd else {
                        index &+= 6
                        continue
                    }
                    let sum = (auipc & 0xFFFF_F000) &+ (second &>> 20)
                    store32LE(p, index, 0x17 | 2 &<< 7 | second &<< 12)
                    store32LE(p, index &+ 4, sum)
                } else {
                    let packedRS1 = auipc &>> 27
                    guard rd == 2 && (auipc &>> 12) & 0x3 == 0x3 && packedRS1 != 0 && packedRS1 != 2 else {
                        index &+= 4
                        continue
                    }
                    let address = load32BE(p, index &+ 4) &- position(start, index)
                    let second = auipc &>> 12 | address &<< 20
                    let upper = (address &+ 0x800) & 0xFFFF_F000
                    store32LE(p, index, 0x17 | packedRS1 &<< 7 | upper)
                    store32LE(p, index &+ 4, second)
                }
                index &+= 8
            } else {
                index &+= 2
            }
        }
    }
}

/// The delta filter (ID 0x03): each byte was stored as its difference from the byte `distance` positions earlier
/// (bytes before the start count as zero).
package enum DeltaFilter {
    /// Reverses the filter over `buffer` in place; `distance` is 1...256.
    package static func decode(_ buffer: UnsafeMutableRawBufferPointer, distance: Int) {
        guard let p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), distance > 0 else { return }
        var index = distance
        let count = buffer.count
        while index < count {
            p[index] &+= p[index &- distance]
            index &+= 1
        }
    }
}
