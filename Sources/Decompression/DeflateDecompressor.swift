internal import CDeflate

/// zlib-format blocks through libdeflate's whole-buffer decoder.
package final class DeflateDecompressor: BlockDecompressor {
    private let handle: OpaquePointer

    package init() throws(DecompressionFailure) {
        guard let handle = libdeflate_alloc_decompressor() else {
            throw decompressionFailure("libdeflate", -1, "cannot allocate a decompressor")
        }
        self.handle = handle
    }

    deinit { libdeflate_free_decompressor(handle) }

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure)
        -> Int
    {
        guard let source = input.baseAddress, let destination = output.baseAddress else {
            throw decompressionFailure("libdeflate", -1, "empty buffer")
        }
        var consumed = 0
        var produced = 0
        let result = libdeflate_zlib_decompress_ex(
            handle, source, input.count, destination, output.count, &consumed, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS:
            guard consumed == input.count else {
                throw decompressionFailure(
                    "libdeflate", 0, "\(input.count - consumed) bytes after the end of the stream")
            }
            return produced
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw decompressionFailure("libdeflate", Int(result.rawValue), "output larger than \(output.count) bytes")
        default:
            throw decompressionFailure("libdeflate", Int(result.rawValue), "bad data")
        }
    }
}
