internal import CLZ4

/// LZ4 block-format blocks through liblz4's bounds-checked decoder.
package final class LZ4Decompressor: BlockDecompressor {
    package init() {}

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure)
        -> Int
    {
        guard let source = input.baseAddress, let destination = output.baseAddress,
            input.count <= Int(Int32.max), output.count <= Int(Int32.max)
        else {
            throw decompressionFailure("liblz4", -1, "empty or oversized buffer")
        }
        let result = LZ4_decompress_safe(
            source.assumingMemoryBound(to: CChar.self), destination.assumingMemoryBound(to: CChar.self),
            Int32(input.count), Int32(output.count))
        guard result >= 0 else {
            throw decompressionFailure("liblz4", Int(result), "bad data or output larger than \(output.count) bytes")
        }
        return Int(result)
    }
}
