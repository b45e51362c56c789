// LZMA2 (the .xz format's LZMA filter, spec 1.x section 5.3.1 and the LZMA SDK): a sequence of chunks, each
// uncompressed or LZMA with optional state, property and dictionary resets, ended by a 0x00 byte. The checks are
// liblzma 5.4's: the first chunk resets the dictionary, the first LZMA chunk after a dictionary reset sets the
// properties, each LZMA chunk's range coder ends finished (code 0) on exactly its packed size, distances stay
// within the bytes decoded since the last dictionary reset and within the dictionary size.

/// Decodes LZMA2 data (chunks up to and including the 0x00 end byte) into `output`, from its start.
package final class LZMA2Decoder {
    private let lzma = LZMADecoder(library: "native xz")
    /// A copy of a chunk that ends too near the end of the input to be read in place, with zero padding.
    private let chunkCopy: UnsafeMutablePointer<UInt8>
    private static let chunkCopyCapacity = 65536 + RangeDecoder.overrunSlack

    /// A decoder; reusable for any number of streams, by one thread at a time.
    package init() {
        chunkCopy = .allocate(capacity: Self.chunkCopyCapacity)
        chunkCopy.initialize(repeating: 0, count: Self.chunkCopyCapacity)
    }

    deinit { chunkCopy.deallocate() }

    private func failure(_ detail: String) -> DecompressionFailure {
        DecompressionFailure(library: "native xz", code: -1, detail: detail)
    }

    /// Decodes one LZMA2 stream into `output`.
    ///
    /// - Parameters:
    ///   - input: starts with the first chunk's control byte; bytes after the end byte are not read.
    ///   - output: the decoded bytes go to its start; decoding more than fits is an error.
    ///   - dictionarySize: from the filter properties (already validated by the caller, <= 48 MiB
    ///     accepted; the caller refuses larger as liblzma's 64 MiB memory limit does).
    /// - Returns: input bytes consumed (through the end byte) and output bytes produced.
    package func decode(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, dictionarySize: UInt32
    ) throws(DecompressionFailure) -> (consumed: Int, produced: Int) {
        guard let inputBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw failure("LZMA2 data missing")
        }
        let outputBase = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // liblzma's dictionary: at least 4 KiB, a multiple of 16; distances beyond it are refused.
        let effectiveDictionarySize = max(4096, (Int(dictionarySize) &+ 15) & ~15)
        let inputCount = input.count
        let outputCount = output.count
        var inputPosition = 0
        var outputPosition = 0
        var dictionaryStart = 0
        var needDictionaryReset = true
        var needProperties = true
        lzma.forgetProperties()

        while true {
            guard inputPosition < inputCount else { throw failure("LZMA2 data truncated") }
            let control = Int(inputBase[inputPosition])
            inputPosition &+= 1
            if control == 0 { return (inputPosition, outputPosition) }
            if control >= 0xE0 || control == 1 {
                needProperties = true
                needDictionaryReset = false
                dictionaryStart = outputPosition
            } else if needDictionaryReset {
                throw failure("first LZMA2 chunk does not reset the dictionary")
            }
            if control < 0x80 {
                guard control <= 2 else { throw failure("invalid LZMA2 control byte \(control)") }
                guard inputCount &- inputPosition >= 2 else { throw failure("LZMA2 data truncated") }
                let size = (Int(inputBase[inputPosition]) &<< 8 | Int(inputBase[inputPosition &+ 1])) &+ 1
                inputPosition &+= 2
                guard size <= inputCount &- inputPosition else { throw failure("LZMA2 data truncated") }
                guard size <= outputCount &- outputPosition, let outputBase else {
                    throw failure("output larger than \(outputCount) bytes")
                }
                (outputBase + outputPosition).update(from: inputBase + inputPosition, count: size)
                inputPosition &+= size
                outputPosition &+= size
                continue
            }
            let headerSize = control >= 0xC0 ? 5 : 4
            guard inputCount &- inputPosition >= headerSize else { throw failure("LZMA2 data truncated") }
            let unpackedSize =
                ((control & 0x1F) &<< 16 | Int(inputBase[inputPosition]) &<< 8 | Int(inputBase[inputPosition &+ 1]))
                &+ 1
            let packedSize = (Int(inputBase[inputPosition &+ 2]) &<< 8 | Int(inputBase[inputPosition &+ 3])) &+ 1
            switch control &>> 5 {
            case 4:
                guard !needProperties else { throw failure("LZMA2 chunk without the properties it needs") }
            case 5:
                guard !needProperties else { throw failure("LZMA2 chunk without the properties it needs") }
                lzma.resetState()
            default:
                guard let properties = LZMAProperties(byte: inputBase[inputPosition &+ 4]) else {
                    throw failure("invalid LZMA properties byte \(inputBase[inputPosition &+ 4])")
                }
                needProperties = false
                lzma.reset(properties: properties)
            }
            inputPosition &+= headerSize
            guard unpackedSize <= outputCount &- outputPosition, let outputBase else {
                throw failure("output larger than \(outputCount) bytes")
            }
            guard packedSize <= inputCount &- inputPosition else { throw failure("LZMA2 data truncated") }
            guard packedSize >= 5 else { throw failure("LZMA2 chunk shorter than its range coder start") }
            // Read in place when the input goes on far enough past the chunk; otherwise from a padded copy.
            let chunk: UnsafePointer<UInt8>
            if inputCount &- inputPosition &- packedSize >= RangeDecoder.overrunSlack {
                chunk = inputBase + inputPosition
            } else {
                chunkCopy.update(from: inputBase + inputPosition, count: packedSize)
                (chunkCopy + packedSize).update(repeating: 0, count: RangeDecoder.overrunSlack)
                chunk = UnsafePointer(chunkCopy)
            }
            let chunkEnd = chunk + packedSize
            var rc = RangeDecoder(next: chunk)
            guard rc.start() else { throw failure("range coder start byte is not zero") }
            var position = outputPosition &- dictionaryStart
            let limit = position &+ unpackedSize
            _ = try lzma.decode(
                &rc, inputEnd: chunkEnd, dictionary: outputBase + dictionaryStart, position: &position, limit: limit,
                capacity: outputCount &- dictionaryStart, dictionarySize: effectiveDictionarySize,
                allowEndMarker: false)
            rc.normalize()
            guard rc.code == 0 else { throw failure("LZMA2 chunk's range coder not finished") }
            guard rc.next == chunkEnd else { throw failure("LZMA2 chunk's packed size does not match its data") }
            inputPosition &+= packedSize
            outputPosition = dictionaryStart &+ position
        }
    }
}
