// The LZMA decoder proper (LZMA SDK `lzma-specification.txt`), shared by the LZMA2 chunk decoder and the "lzma
// alone" decompressor. The caller's output buffer is the dictionary: the decoder writes straight into it and
// copies matches from it, so there is no window and no copy out.

/// Where the adaptive probabilities live in ``LZMADecoder``'s one array (offsets in 16-bit entries).
enum LZMAProbability {
    static let isMatch = 0
    static let isRep = 192
    static let isRepG0 = 204
    static let isRepG1 = 216
    static let isRepG2 = 228
    static let isRep0Long = 240
    static let positionSlot = 432
    /// The reverse bit trees of distance slots 4 ..< 14 (115 entries, indexed from 1 as in the specification).
    static let specialPosition = 688
    static let align = 803
    static let length = 819
    static let repeatLength = 1333
    static let literal = 1847
    /// Entries with the largest literal coder (lc + lp = 4).
    static let maximumCount = literal + 0x300 << 4
    /// Allocated: bit trees read the two entries after a tree's last level (never used), at most 512 entries on.
    static let allocatedCount = maximumCount + 512

    // Inside a length coder.
    static let lengthChoice2 = 1
    static let lengthLow = 2
    static let lengthMiddle = 130
    static let lengthHigh = 258
}

/// Why ``LZMADecoder/decode(_:inputEnd:dictionary:position:limit:capacity:dictionarySize:allowEndMarker:)``
/// stopped.
enum LZMAStop {
    /// The output position reached the limit.
    case limit
    /// An end-of-payload marker was decoded (only when allowed).
    case endMarker
}

/// LZMA properties: literal context bits, literal position bits, position bits.
struct LZMAProperties: Equatable {
    var lc: Int
    var lp: Int
    var pb: Int

    /// Decodes the properties byte as liblzma does: below 225 and lc + lp <= 4.
    init?(byte: UInt8) {
        guard byte < 225 else { return nil }
        let value = Int(byte)
        pb = value / 45
        lp = value % 45 / 9
        lc = value % 9
        guard lc + lp <= 4 else { return nil }
    }
}

/// The LZMA decoder's state that lasts across LZMA2 chunks: the probabilities, the state machine, the four
/// repeated distances and the properties. One thread at a time.
final class LZMADecoder {
    /// The adaptive probabilities, ``LZMAProbability/maximumCount`` entries.
    private let probabilities: UnsafeMutablePointer<UInt16>
    /// The library name in thrown failures.
    private let library: String
    private var state: UInt32 = 0
    private var rep0: UInt32 = 0
    private var rep1: UInt32 = 0
    private var rep2: UInt32 = 0
    private var rep3: UInt32 = 0
    private(set) var properties: LZMAProperties?

    /// A decoder whose failures name `library`.
    init(library: String) {
        self.library = library
        probabilities = .allocate(capacity: LZMAProbability.allocatedCount)
        probabilities.initialize(repeating: 1024, count: LZMAProbability.allocatedCount)
    }

    deinit { probabilities.deallocate() }

    /// Sets new properties and resets the state.
    func reset(properties: LZMAProperties) {
        self.properties = properties
        resetState()
    }

    /// Resets the probabilities, the state and the repeated distances (the properties stay).
    func resetState() {
        let literalCount = 0x300 << ((properties?.lc ?? 4) + (properties?.lp ?? 0))
        probabilities.update(repeating: 1024, count: LZMAProbability.literal + literalCount)
        state = 0
        rep0 = 0
        rep1 = 0
        rep2 = 0
        rep3 = 0
    }

    /// Forgets the properties (a new LZMA2 stream must set them).
    func forgetProperties() { properties = nil }

    func failure(_ detail: String) -> DecompressionFailure {
        DecompressionFailure(library: library, code: -1, detail: detail)
    }

    /// Decodes symbols into `dictionary[position ..< limit]`.
    ///
    /// - Parameters:
    ///   - rc: the range decoder, started; its input must stay readable ``RangeDecoder/overrunSlack`` bytes past
    ///     `inputEnd`.
    ///   - inputEnd: where the data ends: reading past it is an error (checked after each symbol).
    ///   - dictionary: the start of the dictionary (the last dictionary reset) in the caller's output buffer.
    ///   - position: the output position relative to `dictionary`; the bytes before it are the dictionary.
    ///   - limit: where to stop (relative to `dictionary`); a match that would cross it is an error.
    ///   - capacity: the writable end of the output buffer (relative to `dictionary`), `>= limit`.
    ///   - dictionarySize: the largest distance plus one (liblzma's rounded dictionary size).
    ///   - allowEndMarker: whether an end-of-payload marker ends the data (else it is an error).
    /// - Returns: why decoding stopped.
    func decode(
        _ rangeDecoder: inout RangeDecoder, inputEnd: UnsafePointer<UInt8>, dictionary: UnsafeMutablePointer<UInt8>,
        position outputPosition: inout Int, limit: Int, capacity: Int, dictionarySize: Int, allowEndMarker: Bool
    ) throws(DecompressionFailure) -> LZMAStop {
        guard let properties else { throw failure("LZMA properties missing") }
        let probs = probabilities
        let lc = UInt32(properties.lc)
        let literalPositionMask = (1 &<< properties.lp) &- 1
        let positionMask = (1 &<< properties.pb) &- 1
        var state = self.state
        var rep0 = self.rep0
        var rep1 = self.rep1
        var rep2 = self.rep2
        var rep3 = self.rep3
        var rc = rangeDecoder
        var position = outputPosition
        var stop = LZMAStop.limit
        // The byte before `position` (zero at the dictionary start), kept in a register.
        var previous: UInt32 = position > 0 ? UInt32(dictionary[position &- 1]) : 0
        var problem: String?

        decoding: while position < limit {
            if rc.next > inputEnd {
                problem = "LZMA data longer than its chunk or stream"
                break decoding
            }
            let positionState = position & positionMask
            if rc.isZero(probs + (LZMAProbability.isMatch &+ Int(state &<< 4) &+ positionState)) {
                // Literal.
                let context = ((position & literalPositionMask) &<< lc) &+ Int(previous &>> (8 &- lc))
                let literal = probs + (LZMAProbability.literal &+ 0x300 &* context)
                var symbol: UInt32 = 1
                if state < 7 {
                    symbol = rc.literalTree(literal)
                } else {
                    guard Int(rep0) < position else {
                        problem = "match distance \(Int(rep0) + 1) beyond the dictionary"
                        break decoding
                    }
                    // The matched literal: while the decoded bits equal the match byte's, the probabilities come
                    // from the matched half (offset 0x100 plus the match bit); after the first difference, from
                    // the plain tree (offset 0).
                    var matchByte = UInt32(dictionary[position &- Int(rep0) &- 1]) &<< 1
                    var offset: UInt32 = 0x100
                    var matchBit = matchByte & offset
                    var index = offset &+ matchBit &+ symbol
                    var prob = UInt32(literal[Int(index)])
                    for _ in 0..<8 {
                        // Both possible next probabilities, loaded while this bit is decoded (never the entry
                        // this bit updates: the next level's symbols are larger).
                        let nextMatchByte = matchByte &<< 1
                        let offset0 = offset & ~matchBit
                        let offset1 = offset & matchBit
                        let index0 = offset0 &+ (nextMatchByte & offset0) &+ symbol &<< 1
                        let index1 = offset1 &+ (nextMatchByte & offset1) &+ symbol &<< 1 &+ 1
                        let prob0 = UInt32(literal[Int(index0)])
                        let prob1 = UInt32(literal[Int(index1)])
                        let decoded = rc.bitWithoutBranch(literal + Int(index), value: prob)
                        symbol = symbol &<< 1 | decoded
                        let one = decoded != 0
                        offset = one ? offset1 : offset0
                        index = one ? index1 : index0
                        prob = one ? prob1 : prob0
                        matchByte = nextMatchByte
                        matchBit = matchByte & offset
                    }
                }
                dictionary[position] = UInt8(truncatingIfNeeded: symbol)
                previous = symbol & 0xFF
                position &+= 1
                // The state after a literal (0 0 0 0 1 2 3 4 5 6 4 5), from a table in nibbles: no branch.
                state = UInt32(truncatingIfNeeded: (0x54_6543_2100_00 as UInt64) &>> UInt64(state &<< 2)) & 0xF
                continue decoding
            }
            var length: Int
            if rc.isZero(probs + (LZMAProbability.isRep &+ Int(state))) {
                // A match with a new distance.
                length = Self.decodeLength(&rc, probs + LZMAProbability.length, positionState: positionState)
                let lengthState = min(length &- 2, 3)
                let slot = rc.bitTree(probs + (LZMAProbability.positionSlot &+ lengthState &<< 6), count: 6)
                var distance: UInt32
                if slot < 4 {
                    distance = slot
                } else {
                    let directCount = (slot &>> 1) &- 1
                    distance = (2 | (slot & 1)) &<< directCount
                    if slot < 14 {
                        let tree = probs + (LZMAProbability.specialPosition &+ Int(distance) &- Int(slot))
                        distance = distance &+ rc.reverseBitTree(tree, count: Int(directCount))
                    } else {
                        distance = distance &+ rc.directBits(directCount &- 4) &<< 4
                        distance = distance &+ rc.reverseBitTree(probs + LZMAProbability.align, count: 4)
                        if distance == 0xFFFF_FFFF {
                            if allowEndMarker {
                                stop = .endMarker
                                break decoding
                            }
                            problem = "end marker where none is allowed"
                            break decoding
                        }
                    }
                }
                guard Int(distance) < position && Int(distance) < dictionarySize else {
                    problem = "match distance \(Int(distance) + 1) beyond the dictionary"
                    break decoding
                }
                rep3 = rep2
                rep2 = rep1
                rep1 = rep0
                rep0 = distance
                state = state < 7 ? 7 : 10
            } else {
                // A repeated match.
                guard position > 0 else {
                    problem = "repeated match at the dictionary start"
                    break decoding
                }
                if rc.isZero(probs + (LZMAProbability.isRepG0 &+ Int(state))) {
                    if rc.isZero(probs + (LZMAProbability.isRep0Long &+ Int(state &<< 4) &+ positionState)) {
                        // Short rep: one byte at rep0.
                        let byte = dictionary[position &- Int(rep0) &- 1]
                        dictionary[position] = byte
                        previous = UInt32(byte)
                        position &+= 1
                        state = state < 7 ? 9 : 11
                        continue decoding
                    }
                } else {
                    let distance: UInt32
                    if rc.isZero(probs + (LZMAProbability.isRepG1 &+ Int(state))) {
                        distance = rep1
                    } else {
                        if rc.isZero(probs + (LZMAProbability.isRepG2 &+ Int(state))) {
                            distance = rep2
                        } else {
                            distance = rep3
                            rep3 = rep2
                        }
                        rep2 = rep1
                    }
                    rep1 = rep0
                    rep0 = distance
                }
                length = Self.decodeLength(&rc, probs + LZMAProbability.repeatLength, positionState: positionState)
                state = state < 7 ? 8 : 11
            }
            guard Int(rep0) < position else {
                problem = "match distance \(Int(rep0) + 1) beyond the dictionary"
                break decoding
            }
            guard length <= limit &- position else {
                problem = "match longer than the data"
                break decoding
            }
            let distance = Int(rep0) &+ 1
            let target = dictionary + position
            let source = UnsafePointer(target - distance)
            if distance >= 8 && length &+ 16 <= capacity &- position {
                // Eight bytes at a time, the first sixteen unconditionally: each load reads bytes already written,
                // as the distance is at least 8; the stores may run up to 15 bytes past the match, inside the
                // buffer, before later output.
                let from = UnsafeRawPointer(source)
                let to = UnsafeMutableRawPointer(target)
                to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
                let second = from.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                to.storeBytes(of: second, toByteOffset: 8, as: UInt64.self)
                var offset = 16
                while offset < length {
                    let word = from.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    to.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
                    offset &+= 8
                }
            } else if distance == 1 {
                target.update(repeating: source.pointee, count: length)
            } else {
                for index in 0..<length { target[index] = source[index] }
            }
            previous = UInt32(source[length &- 1])
            position &+= length
        }
        if let problem { throw failure(problem) }
        self.state = state
        self.rep0 = rep0
        self.rep1 = rep1
        self.rep2 = rep2
        self.rep3 = rep3
        _ = capacity
        rangeDecoder = rc
        outputPosition = position
        return stop
    }

    /// Decodes one more symbol, which must be the end-of-payload marker (a match of distance 2^32), at `position`
    /// (relative to the last dictionary reset) when the output is complete.
    ///
    /// - Returns: whether it was the end marker.
    func decodeEndMarker(_ rc: inout RangeDecoder, position: Int) -> Bool {
        guard let properties else { return false }
        let probs = probabilities
        let positionState = position & ((1 << properties.pb) - 1)
        guard !rc.isZero(probs + (LZMAProbability.isMatch + Int(state << 4) + positionState)),
            rc.isZero(probs + (LZMAProbability.isRep + Int(state)))
        else { return false }
        let length = Self.decodeLength(&rc, probs + LZMAProbability.length, positionState: positionState)
        let slot = rc.bitTree(probs + (LZMAProbability.positionSlot + min(length - 2, 3) << 6), count: 6)
        guard slot == 63 else { return false }
        let distance = 0xC000_0000 | rc.directBits(26) << 4 | rc.reverseBitTree(probs + LZMAProbability.align, count: 4)
        return distance == 0xFFFF_FFFF
    }

    /// Decodes a match length (2 ... 273) with the length coder at `coder`.
    @inline(__always)
    static func decodeLength(
        _ rc: inout RangeDecoder, _ coder: UnsafeMutablePointer<UInt16>, positionState: Int
    ) -> Int {
        if rc.isZero(coder) {
            return 2 &+ Int(rc.bitTree(coder + (LZMAProbability.lengthLow &+ positionState &<< 3), count: 3))
        }
        if rc.isZero(coder + LZMAProbability.lengthChoice2) {
            return 10 &+ Int(rc.bitTree(coder + (LZMAProbability.lengthMiddle &+ positionState &<< 3), count: 3))
        }
        return 18 &+ Int(rc.bitTree(coder + LZMAProbability.lengthHigh, count: 8))
    }
}
