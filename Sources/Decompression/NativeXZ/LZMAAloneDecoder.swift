// The legacy "lzma alone" format (.lzma, squashfs' "lzma" compression): a 13-byte header (properties byte,
// little-endian 32-bit dictionary size, little-endian 64-bit uncompressed size or all ones for "unknown") and raw
// LZMA data. The verdicts are liblzma 5.4's `lzma_alone_decoder` (not picky) with the 64 MiB memory limit.

/// A legacy "lzma alone" stream (13-byte header, raw LZMA1), exactly what `lzma_alone_decoder` accepts with
/// the 64 MiB memory limit `blockLZMAMemoryLimit`.
package final class NativeLZMAAloneDecompressor: BlockDecompressor {
    private let lzma = LZMADecoder(library: "native lzma")
    /// A copy of the LZMA data with zero padding after it, so that the decoder reads without bounds checks.
    private var dataCopy: UnsafeMutablePointer<UInt8>
    private var dataCopyCapacity = 0

    /// liblzma's memory use besides the dictionary: the largest dictionary size it accepts under the limit is
    /// `blockLZMAMemoryLimit - overhead` (measured: 67 043 456 bytes with 64 MiB).
    private static let memoryOverhead: UInt64 = 65408

    /// A decompressor; reusable, by one thread at a time.
    package init() {
        dataCopy = .allocate(capacity: 1)
    }

    deinit { dataCopy.deallocate() }

    private func failure(_ detail: String) -> DecompressionFailure {
        DecompressionFailure(library: "native lzma", code: -1, detail: detail)
    }

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure) -> Int
    {
        // As the liblzma wrapper does, an empty buffer (no base address) is refused.
        guard let inputBase = input.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let outputBase = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { throw failure("empty buffer") }
        // liblzma's alone decoder only makes progress while there is room for output: none, no verdict but failure.
        guard output.count > 0 else { throw failure("output larger than 0 bytes") }
        guard input.count >= 13 else { throw failure("truncated header") }
        guard let properties = LZMAProperties(byte: inputBase[0]) else {
            throw failure("invalid properties byte \(inputBase[0])")
        }
        var dictionarySize: UInt32 = 0
        for index in 0..<4 { dictionarySize |= UInt32(inputBase[1 &+ index]) &<< UInt32(8 &* index) }
        var uncompressedSize: UInt64 = 0
        for index in 0..<8 { uncompressedSize |= UInt64(inputBase[5 &+ index]) &<< UInt64(8 &* index) }
        guard UInt64(dictionarySize) &+ Self.memoryOverhead <= blockLZMAMemoryLimit else {
            throw failure("needs more than \(blockLZMAMemoryLimit >> 20) MiB")
        }
        let dataCount = input.count &- 13
        guard dataCount >= 5 else { throw failure("truncated stream") }
        let required = dataCount &+ RangeDecoder.overrunSlack
        if required > dataCopyCapacity {
            dataCopy.deallocate()
            dataCopy = .allocate(capacity: required)
            dataCopyCapacity = required
        }
        dataCopy.update(from: inputBase + 13, count: dataCount)
        (dataCopy + dataCount).update(repeating: 0, count: RangeDecoder.overrunSlack)
        let dataEnd = UnsafePointer(dataCopy + dataCount)
        var rc = RangeDecoder(next: dataCopy)
        guard rc.start() else { throw failure("range coder start byte is not zero") }
        lzma.reset(properties: properties)

        let sizeKnown = uncompressedSize != UInt64.max
        let outputCount = output.count
        let completes = sizeKnown && uncompressedSize <= UInt64(outputCount)
        let limit = completes ? Int(uncompressedSize) : outputCount
        var position = 0
        let effectiveDictionarySize = max(4096, (Int(dictionarySize) &+ 15) & ~15)
        let stop = try lzma.decode(
            &rc, inputEnd: dataEnd, dictionary: outputBase, position: &position, limit: limit,
            capacity: outputCount, dictionarySize: effectiveDictionarySize, allowEndMarker: !sizeKnown)
        if stop == .limit {
            guard rc.next <= dataEnd else { throw failure("truncated stream") }
            if completes {
                // The size is reached: the data may end here, or with an end marker.
                rc.normalize()
                guard rc.next <= dataEnd else { throw failure("truncated stream") }
                if rc.code == 0 {
                    guard rc.next == dataEnd else {
                        throw failure("\(dataEnd - rc.next) bytes after the end of the stream")
                    }
                    return position
                }
            } else if sizeKnown {
                throw failure("output larger than \(outputCount) bytes")
            }
            // The output is full: only an end marker may follow.
            guard lzma.decodeEndMarker(&rc, position: position), rc.next <= dataEnd else {
                throw failure(rc.next > dataEnd ? "truncated stream" : "output larger than \(outputCount) bytes")
            }
        }
        rc.normalize()
        guard rc.next <= dataEnd else { throw failure("truncated stream") }
        guard rc.code == 0 else { throw failure("range coder not finished at the end marker") }
        guard rc.next == dataEnd else { throw failure("\(dataEnd - rc.next) bytes after the end of the stream") }
        return position
    }
}
