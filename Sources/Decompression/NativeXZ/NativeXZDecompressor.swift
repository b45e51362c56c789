/// A complete .xz stream (exactly what liblzma's lzma_stream_decoder accepts with flags 0 and the 64 MiB limit),
/// decoded in Swift.
///
/// One stream, nothing after it: the stream header, blocks (each: header, LZMA2 data decoded straight into the
/// caller's buffer, the BCJ and delta filters undone in place in reverse chain order, zero padding, the check the
/// stream declares), the index (which must list exactly the blocks decoded) and the footer. Checks liblzma does not
/// compute (IDs other than None, CRC32, CRC64 and SHA-256) are skipped, as liblzma does without
/// `LZMA_TELL_UNSUPPORTED_CHECK`. The one difference from liblzma 5.4: the RISC-V filter (ID 0x0B, xz 5.6) is
/// decoded, where liblzma 5.4 refuses it.
package final class NativeXZDecompressor: BlockDecompressor {
    private let lzma2 = LZMA2Decoder()

    /// A decoder, reusable for any number of streams by one thread at a time.
    package init() {}

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure) -> Int
    {
        // As the liblzma wrapper: both buffers must exist.
        guard input.baseAddress != nil, output.baseAddress != nil else {
            throw XZStream.failure(.buffer, "empty buffer")
        }
        let checkID = try XZStream.readHeader(input)
        let checkSize = IntegrityCheck.size(ofID: checkID)
        var position = XZStream.headerSize
        var produced = 0
        var records: [XZStream.Record] = []
        while true {
            guard position < input.count else { throw XZStream.failure(.buffer, "truncated stream") }
            if input[position] == 0 { break }
            let header = try XZStream.readBlockHeader(input, at: position, checkSize: checkSize)
            position += header.size

            // The compressed data, no further than the declared size; the output, no further than declared.
            var inputEnd = input.count
            if let declared = header.compressedSize, declared < UInt64(input.count - position) {
                inputEnd = position + Int(declared)
            }
            var outputEnd = output.count
            if let declared = header.uncompressedSize, declared < UInt64(output.count - produced) {
                outputEnd = produced + Int(declared)
            }
            let (consumed, count) = try lzma2.decode(
                UnsafeRawBufferPointer(rebasing: input[position..<inputEnd]),
                into: UnsafeMutableRawBufferPointer(rebasing: output[produced..<outputEnd]),
                dictionarySize: header.dictionarySize)
            guard consumed >= 0, consumed <= inputEnd - position, count >= 0, count <= outputEnd - produced else {
                throw XZStream.failure(.data, "LZMA2 decoder out of bounds")
            }
            if let declared = header.compressedSize, declared != UInt64(consumed) {
                throw XZStream.failure(.data, "compressed size differs from the block header's")
            }
            if let declared = header.uncompressedSize, declared != UInt64(count) {
                throw XZStream.failure(.data, "uncompressed size differs from the block header's")
            }
            let block = UnsafeMutableRawBufferPointer(rebasing: output[produced..<produced + count])
            for filter in header.filters.reversed() {
                switch filter {
                case .lzma2: break
                case .branch(let branch, let startOffset): branch.decode(block, startOffset: startOffset)
                case .delta(let distance): DeltaFilter.decode(block, distance: distance)
                }
            }
            position += consumed

            // Block padding to a multiple of four (blocks start at multiples of four), then the check.
            while position % 4 != 0 {
                guard position < input.count else { throw XZStream.failure(.buffer, "truncated block padding") }
                guard input[position] == 0 else { throw XZStream.failure(.data, "non-zero block padding") }
                position += 1
            }
            guard input.count - position >= checkSize else { throw XZStream.failure(.buffer, "truncated check") }
            let stored = UnsafeRawBufferPointer(rebasing: input[position..<position + checkSize])
            guard IntegrityCheck.matches(id: checkID, data: UnsafeRawBufferPointer(block), stored: stored) else {
                throw XZStream.failure(.data, "integrity check mismatch")
            }
            position += checkSize
            produced += count
            records.append(
                XZStream.Record(
                    unpaddedSize: UInt64(header.size) + UInt64(consumed) + UInt64(checkSize),
                    uncompressedSize: UInt64(count)))
        }
        let indexSize = try XZStream.readIndex(input, at: position, blocks: records)
        try XZStream.readFooter(input, at: position + indexSize, indexSize: indexSize, checkID: checkID)
        return produced
    }
}
