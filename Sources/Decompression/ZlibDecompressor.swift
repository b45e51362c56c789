internal import CZlib

/// zlib-format blocks through zlib's `inflate`, the reference decoder; one `z_stream` reused with `inflateReset`.
package final class ZlibDecompressor: BlockDecompressor {
    package init() {}

    private var stream = z_stream()
    private var initialized = false

    deinit {
        if initialized { inflateEnd(&stream) }
    }

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure)
        -> Int
    {
        guard let source = input.baseAddress, let destination = output.baseAddress else {
            throw decompressionFailure("zlib", -1, "empty buffer")
        }
        if initialized {
            if inflateReset(&stream) != Z_OK {
                inflateEnd(&stream)
                initialized = false
            }
        }
        if !initialized {
            stream = z_stream()
            let status = CZlib_inflateInit(&stream)
            guard status == Z_OK else { throw decompressionFailure("zlib", Int(status), "inflateInit failed") }
            initialized = true
        }
        stream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = destination.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(output.count)
        let status = inflate(&stream, Z_FINISH)
        switch status {
        case Z_STREAM_END:
            guard stream.avail_in == 0 else {
                throw decompressionFailure("zlib", Int(status), "\(stream.avail_in) bytes after the end of the stream")
            }
            return output.count - Int(stream.avail_out)
        case Z_BUF_ERROR where stream.avail_out == 0:
            throw decompressionFailure("zlib", Int(status), "output larger than \(output.count) bytes")
        case Z_BUF_ERROR:
            throw decompressionFailure("zlib", Int(status), "truncated stream")
        default:
            let detail = stream.msg.map { String(cString: $0) } ?? "error"
            inflateEnd(&stream)
            initialized = false
            throw decompressionFailure("zlib", Int(status), detail)
        }
    }
}
