internal import CLZMA
internal import CZlib
internal import CZstd

/// A streaming compressed-file format a ``StreamEncoder`` writes.
package enum CompressedFormat: Sendable, Hashable {
    /// A gzip member (RFC 1952) from zlib's `deflate`, modification time 0 and OS "Unix" in its header.
    case gzip
    /// An `.xz` stream (CRC64 check, as `xz` writes) from liblzma's multi-threaded encoder.
    case xz
    /// One zstd frame with a content checksum, as `zstd` writes, from libzstd.
    case zstd
}

/// Compresses a stream of bytes into one `.gz`, `.xz` or `.zst` file, in bounded memory.
///
/// Feed the input with ``encode(_:into:)`` in chunks of any size, then call ``finish(into:)`` once; each call appends
/// the compressed bytes produced so far to `output`, which the caller writes out and empties. The output depends only
/// on the input, the format and the level, never on `threads` or the chunking (xz in 24 MiB blocks, zstd in jobs of
/// its own fixed size whatever the number of workers), so archives are reproducible from machine to machine.
package final class StreamEncoder {
    private enum State {
        case gzip(UnsafeMutablePointer<z_stream>)
        case xz(UnsafeMutablePointer<lzma_stream>)
        case zstd(OpaquePointer)
    }

    private let state: State
    private let scratch: UnsafeMutableRawBufferPointer
    private var finished = false

    /// The default level of each format: gzip 6, xz 6, zstd 3 (each tool's own default).
    package static func defaultLevel(_ format: CompressedFormat) -> Int32 {
        switch format {
        case .gzip: 6
        case .xz: 6
        case .zstd: 3
        }
    }

    /// An encoder for `format` at `level` (the format's default when `nil`), compressing on up to `threads` threads
    /// (xz and zstd; gzip uses the caller's thread).
    package init(_ format: CompressedFormat, level: Int32? = nil, threads: Int = 1) throws(EncoderFailure) {
        let level = level ?? Self.defaultLevel(format)
        let threads = max(1, min(threads, 64))
        scratch = .allocate(byteCount: 1 << 18, alignment: 16)
        switch format {
        case .gzip:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
            let status = deflateInit2_(
                stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deallocate()
                scratch.deallocate()
                throw EncoderFailure(library: "zlib deflateInit2", code: Int(status))
            }
            state = .gzip(stream)
        case .xz:
            let stream = UnsafeMutablePointer<lzma_stream>.allocate(capacity: 1)
            stream.initialize(to: CLZMA_stream_init())
            var options = lzma_mt()
            options.flags = 0
            options.threads = UInt32(threads)
            // A fixed block size (3 × the preset-6 dictionary, liblzma's own default) keeps the output independent
            // of the number of threads.
            options.block_size = 24 << 20
            options.timeout = 0
            options.preset = UInt32(max(0, min(level, 9)))
            options.filters = nil
            options.check = LZMA_CHECK_CRC64
            let status = lzma_stream_encoder_mt(stream, &options)
            guard status == LZMA_OK else {
                stream.deallocate()
                scratch.deallocate()
                throw EncoderFailure(library: "lzma_stream_encoder_mt", code: Int(status.rawValue))
            }
            state = .xz(stream)
        case .zstd:
            guard let context = ZSTD_createCCtx() else {
                scratch.deallocate()
                throw EncoderFailure(library: "ZSTD_createCCtx", code: -1)
            }
            var result = ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
            if ZSTD_isError(result) == 0 { result = ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1) }
            // Workers ≥ 1 always (asynchronous mode): the frame is the same for 1 worker or many.
            if ZSTD_isError(result) == 0 {
                result = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(threads))
            }
            guard ZSTD_isError(result) == 0 else {
                ZSTD_freeCCtx(context)
                scratch.deallocate()
                throw EncoderFailure(library: "ZSTD_CCtx_setParameter", code: result)
            }
            state = .zstd(context)
        }
    }

    deinit {
        switch state {
        case .gzip(let stream):
            deflateEnd(stream)
            stream.deallocate()
        case .xz(let stream):
            lzma_end(stream)
            stream.deallocate()
        case .zstd(let context):
            ZSTD_freeCCtx(context)
        }
        scratch.deallocate()
    }

    /// Compresses `input`, appending what the encoder produces to `output`.
    package func encode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(EncoderFailure) {
        guard !finished else { throw EncoderFailure(library: "StreamEncoder", code: -1) }
        guard !input.isEmpty else { return }
        try run(input, finishing: false, into: &output)
    }

    /// Ends the stream, appending its last bytes to `output`; the encoder takes no more input.
    package func finish(into output: inout [UInt8]) throws(EncoderFailure) {
        guard !finished else { return }
        finished = true
        try run(UnsafeRawBufferPointer(start: nil, count: 0), finishing: true, into: &output)
    }

    private func run(_ input: UnsafeRawBufferPointer, finishing: Bool, into output: inout [UInt8])
        throws(EncoderFailure)
    {
        let out = scratch.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
        switch state {
        case .gzip(let stream):
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            var remaining = input.count
            repeat {
                // zlib counts in 32-bit units: feed at most 1 GiB at a time.
                let chunk = min(remaining, 1 << 30)
                stream.pointee.avail_in = uInt(chunk)
                remaining -= chunk
                let flush = finishing && remaining == 0 ? Z_FINISH : Z_NO_FLUSH
                while true {
                    stream.pointee.next_out = out
                    stream.pointee.avail_out = uInt(scratch.count)
                    let status = deflate(stream, flush)
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw EncoderFailure(library: "zlib deflate", code: Int(status))
                    }
                    let produced = scratch.count - Int(stream.pointee.avail_out)
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<produced]))
                    if status == Z_STREAM_END { break }
                    if flush != Z_FINISH && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break }
                    if status == Z_BUF_ERROR && produced == 0 && flush != Z_FINISH { break }
                }
            } while remaining > 0
        case .xz(let stream):
            stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_in = input.count
            let action = finishing ? LZMA_FINISH : LZMA_RUN
            while true {
                stream.pointee.next_out = out
                stream.pointee.avail_out = scratch.count
                let status = lzma_code(stream, action)
                guard status == LZMA_OK || status == LZMA_STREAM_END else {
                    throw EncoderFailure(library: "lzma_code", code: Int(status.rawValue))
                }
                let produced = scratch.count - stream.pointee.avail_out
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<produced]))
                if status == LZMA_STREAM_END { break }
                if !finishing && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break }
            }
        case .zstd(let context):
            var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            let directive = finishing ? ZSTD_e_end : ZSTD_e_continue
            while true {
                var destination = ZSTD_outBuffer(dst: scratch.baseAddress, size: scratch.count, pos: 0)
                let remaining = ZSTD_compressStream2(context, &destination, &source, directive)
                guard ZSTD_isError(remaining) == 0 else {
                    throw EncoderFailure(library: "ZSTD_compressStream2", code: remaining)
                }
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<destination.pos]))
                if finishing {
                    if remaining == 0 { break }
                } else if source.pos == source.size && destination.pos < destination.size {
                    break
                }
            }
        }
    }
}
