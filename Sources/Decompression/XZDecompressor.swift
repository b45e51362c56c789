internal import CLZMA

/// xz blocks (a complete `.xz` stream each, BCJ filters included) and legacy "lzma alone" blocks through liblzma.
///
/// One `lzma_stream` is reused across blocks, which keeps liblzma's dictionary allocation; after any error it is
/// ended and started afresh (xz 5.8.4 fixed a reuse-after-failure bug).
package final class XZDecompressor: BlockDecompressor {
    /// The container: a complete `.xz` stream or a legacy "lzma alone" stream.
    package enum Format: Sendable { case xz, lzmaAlone }

    private let format: Format
    private var stream = CLZMA_stream_init()
    private var active = false

    package init(format: Format) { self.format = format }

    deinit {
        if active { lzma_end(&stream) }
    }

    private var library: String { format == .xz ? "liblzma (xz)" : "liblzma (lzma)" }

    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure)
        -> Int
    {
        guard let source = input.baseAddress, let destination = output.baseAddress else {
            throw decompressionFailure(library, -1, "empty buffer")
        }
        let initStatus: lzma_ret
        switch format {
        case .xz: initStatus = lzma_stream_decoder(&stream, blockLZMAMemoryLimit, 0)
        case .lzmaAlone: initStatus = lzma_alone_decoder(&stream, blockLZMAMemoryLimit)
        }
        active = true
        guard initStatus == LZMA_OK else {
            reset()
            throw decompressionFailure(library, Int(initStatus.rawValue), "decoder initialisation failed")
        }
        stream.next_in = source.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        stream.next_out = destination.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = output.count
        var status = LZMA_OK
        // Each call either makes progress or reports an error; the loop is bounded by input and output sizes.
        while status == LZMA_OK {
            let before = (stream.avail_in, stream.avail_out)
            status = lzma_code(&stream, LZMA_FINISH)
            if status == LZMA_OK && (stream.avail_in, stream.avail_out) == before { status = LZMA_BUF_ERROR }
        }
        switch status {
        case LZMA_STREAM_END:
            guard stream.avail_in == 0 else {
                reset()
                throw decompressionFailure(library, 0, "\(stream.avail_in) bytes after the end of the stream")
            }
            return output.count - stream.avail_out
        case LZMA_BUF_ERROR:
            let full = stream.avail_out == 0
            reset()
            throw decompressionFailure(
                library, Int(status.rawValue), full ? "output larger than \(output.count) bytes" : "truncated stream")
        case LZMA_MEMLIMIT_ERROR:
            reset()
            throw decompressionFailure(
                library, Int(status.rawValue), "needs more than \(blockLZMAMemoryLimit >> 20) MiB")
        default:
            reset()
            throw decompressionFailure(library, Int(status.rawValue), "bad data")
        }
    }

    private func reset() {
        if active { lzma_end(&stream) }
        stream = CLZMA_stream_init()
        active = false
    }
}
