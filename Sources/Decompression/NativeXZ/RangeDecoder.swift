// The LZMA range decoder (LZMA SDK `lzma-specification.txt`, "The range decoder"), kept in a struct that the
// decode loop holds in locals, so that range, code and the input pointer live in registers.

/// The range decoder's state: `range`, `code` and the next input byte.
///
/// Reads are unchecked: the caller gives it input that is followed by at least ``RangeDecoder/overrunSlack``
/// readable bytes (zero padding or the rest of the caller's input) and checks after every symbol that the input
/// pointer has not gone past the end of the data.
struct RangeDecoder {
    /// The most bytes one LZMA symbol can read (one per bit at most, 48 bits for the longest match, plus the final
    /// normalisation), rounded up: the readable bytes the caller keeps after the data.
    static let overrunSlack = 64

    /// The current range (never below 2^24 after normalisation).
    var range: UInt32
    /// The current code value.
    var code: UInt32
    /// The next input byte.
    var next: UnsafePointer<UInt8>

    /// A decoder before its five initialisation bytes are read.
    @inline(__always)
    init(next: UnsafePointer<UInt8>) {
        range = 0xFFFF_FFFF
        code = 0
        self.next = next
    }

    /// Reads the five initialisation bytes (the first must be zero, as liblzma requires).
    ///
    /// - Returns: false when the first byte is not zero.
    @inline(__always)
    mutating func start() -> Bool {
        guard next[0] == 0 else { return false }
        code = UInt32(next[1]) &<< 24 | UInt32(next[2]) &<< 16 | UInt32(next[3]) &<< 8 | UInt32(next[4])
        next += 5
        return true
    }

    /// Reads one byte when the range is below 2^24.
    @inline(__always)
    mutating func normalize() {
        if range < 1 << 24 {
            range = range &<< 8
            code = code &<< 8 | UInt32(next.pointee)
            next += 1
        }
    }

    /// ``normalize()`` with conditional moves: the next byte is read whether it is needed or not.
    @inline(__always)
    mutating func normalizeWithoutBranch() {
        let needed = range < 1 << 24
        let byte = UInt32(next.pointee)
        let shift: UInt32 = needed ? 8 : 0
        range = range &<< shift
        code = needed ? code &<< 8 | byte : code
        next += Int(shift &>> 3)
    }

    /// Decodes one bit with the adaptive probability at `probability` and updates it.
    @inline(__always)
    mutating func bit(_ probability: UnsafeMutablePointer<UInt16>) -> UInt32 {
        normalize()
        let prob = UInt32(probability.pointee)
        let bound = (range &>> 11) &* prob
        if code < bound {
            range = bound
            probability.pointee = UInt16(truncatingIfNeeded: prob &+ ((2048 &- prob) &>> 5))
            return 0
        } else {
            range = range &- bound
            code = code &- bound
            probability.pointee = UInt16(truncatingIfNeeded: prob &- (prob &>> 5))
            return 1
        }
    }

    /// Decodes one bit like ``bit(_:)``, without a branch on the bit (for bit trees, whose bits are unpredictable):
    /// the updates are selected with a mask.
    @inline(__always)
    mutating func bitWithoutBranch(_ probability: UnsafeMutablePointer<UInt16>) -> UInt32 {
        bitWithoutBranch(probability, value: UInt32(probability.pointee))
    }

    /// Decodes one bit without a branch, with the probability's value `prob` already loaded.
    @inline(__always)
    mutating func bitWithoutBranch(_ probability: UnsafeMutablePointer<UInt16>, value prob: UInt32) -> UInt32 {
        normalizeWithoutBranch()
        let bound = (range &>> 11) &* prob
        let decoded: UInt32 = code >= bound ? 1 : 0
        let mask = 0 &- decoded
        range = bound ^ (((range &- bound) ^ bound) & mask)
        code = code &- (bound & mask)
        // Bit 0: prob + (2048 - prob) >> 5, computed as prob - (prob + 31 - 2048) >> 5 modulo 2^16; bit 1:
        // prob - prob >> 5.
        let adjust = ~mask & 0xFFFF_F81F
        probability.pointee = UInt16(truncatingIfNeeded: prob &- ((prob &+ adjust) &>> 5))
        return decoded
    }

    /// Decodes one bit and reports whether it is zero (for branching code).
    @inline(__always)
    mutating func isZero(_ probability: UnsafeMutablePointer<UInt16>) -> Bool {
        normalizeWithoutBranch()
        let prob = UInt32(probability.pointee)
        let bound = (range &>> 11) &* prob
        if code < bound {
            range = bound
            probability.pointee = UInt16(truncatingIfNeeded: prob &+ ((2048 &- prob) &>> 5))
            return true
        } else {
            range = range &- bound
            code = code &- bound
            probability.pointee = UInt16(truncatingIfNeeded: prob &- (prob &>> 5))
            return false
        }
    }

    /// Decodes a `count`-bit symbol from the bit tree at `probabilities` (indices 1 ..< 2^count).
    @inline(__always)
    mutating func bitTree(_ probabilities: UnsafeMutablePointer<UInt16>, count: Int) -> UInt32 {
        var symbol: UInt32 = 1
        var prob = UInt32(probabilities[1])
        for _ in 0..<count {
            bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        }
        return symbol &- (1 &<< UInt32(count))
    }

    /// Decodes an 8-bit literal from the bit tree at `probabilities`, unrolled; returns the symbol with its
    /// leading 1 (256 ... 511).
    @inline(__always)
    mutating func literalTree(_ probabilities: UnsafeMutablePointer<UInt16>) -> UInt32 {
        var symbol: UInt32 = 1
        var prob = UInt32(probabilities[1])
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        bitTreeStep(probabilities, symbol: &symbol, prob: &prob)
        return symbol
    }

    /// One level of a bit tree: decodes the bit at `symbol` (whose probability `prob` is already loaded) and
    /// loads the chosen child's probability.
    @inline(__always)
    mutating func bitTreeStep(_ probabilities: UnsafeMutablePointer<UInt16>, symbol: inout UInt32, prob: inout UInt32) {
        // Both children's probabilities, loaded while this bit is decoded: the next bit only waits for a select.
        // (The last level reads two entries past the tree, inside the probability array.)
        let children = UnsafeRawPointer(probabilities + Int(symbol &<< 1)).loadUnaligned(as: UInt32.self)
        let decoded = bitWithoutBranch(probabilities + Int(symbol), value: prob)
        symbol = symbol &<< 1 | decoded
        prob = decoded != 0 ? children &>> 16 : children & 0xFFFF
    }

    /// Decodes a `count`-bit symbol, least significant bit first, from the bit tree at `probabilities`.
    @inline(__always)
    mutating func reverseBitTree(_ probabilities: UnsafeMutablePointer<UInt16>, count: Int) -> UInt32 {
        var index: UInt32 = 1
        var symbol: UInt32 = 0
        for shift in 0..<count {
            let decoded = bitWithoutBranch(probabilities + Int(index))
            index = index &<< 1 | decoded
            symbol |= decoded &<< UInt32(shift)
        }
        return symbol
    }

    /// Decodes `count` bits with fixed probability one half (the middle bits of long distances).
    @inline(__always)
    mutating func directBits(_ count: UInt32) -> UInt32 {
        var result: UInt32 = 0
        var left = count
        repeat {
            normalizeWithoutBranch()
            range = range &>> 1
            code = code &- range
            let mask = 0 &- (code &>> 31)
            code = code &+ (range & mask)
            result = result &<< 1 &+ (mask &+ 1)
            left &-= 1
        } while left > 0
        return result
    }
}
