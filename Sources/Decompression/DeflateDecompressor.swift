internal import CDeflate

/// zlib-format blocks through libdeflate's whole-buffer decoder.
final class DeflateDecompressor: Decompressor {
    private let handle: OpaquePointer

    init() throws(SquashFSError) {
        guard let handle = libdeflate_alloc_decompressor() else {
            throw SquashFSError(.decompression, "libdeflate: cannot allocate a decompressor")
        }
        self.handle = handle
    }

    deinit { libdeflate_free_decompressor(handle) }

    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(SquashFSError)
        -> Int
    {
        guard let source = input.baseAddress, let destination = output.baseAddress else {
            throw decompressionError("libdeflate", -1, "empty buffer")
        }
        var consumed = 0
        var produced = 0
        let result = libdeflate_zlib_decompress_ex(
            handle, source, input.count, destination, output.count, &consumed, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS:
            guard consumed == input.count else {
                throw decompressionError("libdeflate", 0, "\(input.count - consumed) bytes after the end of the stream")
            }
            return produced
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw decompressionError("libdeflate", Int(result.rawValue), "output larger than \(output.count) bytes")
        default:
            throw decompressionError("libdeflate", Int(result.rawValue), "bad data")
        }
    }
}
