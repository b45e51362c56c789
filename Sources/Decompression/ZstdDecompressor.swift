internal import CZstd

/// zstd blocks (exactly one frame each) through libzstd, one reused `ZSTD_DCtx`.
package final class ZstdDecompressor: BlockDecompressor {
    private let context: OpaquePointer

    package init() throws(DecompressionFailure) {
        guard let context = ZSTD_createDCtx() else {
            throw decompressionFailure("libzstd", -1, "cannot allocate a decompression context")
        }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure)
        -> Int
    {
        guard let source = input.baseAddress, let destination = output.baseAddress else {
            throw decompressionFailure("libzstd", -1, "empty buffer")
        }
        let frameSize = ZSTD_findFrameCompressedSize(source, input.count)
        if ZSTD_isError(frameSize) != 0 {
            throw decompressionFailure(
                "libzstd", Int(truncatingIfNeeded: frameSize), String(cString: ZSTD_getErrorName(frameSize)))
        }
        guard frameSize == input.count else {
            throw decompressionFailure("libzstd", 0, "\(input.count - frameSize) bytes after the end of the frame")
        }
        let result = ZSTD_decompressDCtx(context, destination, output.count, source, input.count)
        if ZSTD_isError(result) != 0 {
            throw decompressionFailure(
                "libzstd", Int(truncatingIfNeeded: result), String(cString: ZSTD_getErrorName(result)))
        }
        return result
    }
}
