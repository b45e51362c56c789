internal import CLZ4
internal import CLZMA
internal import CZlib
internal import CZstd

/// A compressed stream format the prefix decoder reads.
package enum StreamFormat: Sendable, Hashable {
    /// gzip or zlib (the header is detected).
    case gzip
    /// xz.
    case xz
    /// The legacy "lzma alone" format.
    case lzma
    /// Zstandard.
    case zstd
    /// The LZ4 frame format.
    case lz4Frame
}

/// The first bytes of a compressed stream, decompressed within fixed limits.
package struct DecodedPrefix: Sendable {
    /// The decompressed bytes (at most the output limit).
    package var bytes: [UInt8]
    /// Whether the whole stream (or its first frame or member) ended within the limits.
    package var reachedEnd: Bool
    /// Why decompression stopped early with an error, if it did (a truncated or corrupt stream).
    package var failure: String?

    /// Creates a prefix.
    package init(bytes: [UInt8], reachedEnd: Bool, failure: String?) {
        self.bytes = bytes
        self.reachedEnd = reachedEnd
        self.failure = failure
    }
}

/// Streaming decoders that decompress the start of a stream, at most ``outputLimit`` bytes, from input chunks the
/// caller supplies (and bounds): what BootAssets uses to identify the content of compressed files.
///
/// Corrupt or truncated input is not an error: the result says how far decoding got and why it stopped
/// (``DecodedPrefix/failure``). Only the input closure's own errors are thrown.
package struct PrefixDecoder: Sendable {
    /// The format decoded.
    package var format: StreamFormat
    /// The most decompressed bytes kept.
    package var outputLimit: Int
    /// The memory liblzma may use (xz -9 needs 65 MiB).
    package var lzmaMemoryLimit: UInt64

    /// A decoder of `format` keeping at most `outputLimit` bytes.
    package init(format: StreamFormat, outputLimit: Int, lzmaMemoryLimit: UInt64 = 96 << 20) {
        self.format = format
        self.outputLimit = outputLimit
        self.lzmaMemoryLimit = lzmaMemoryLimit
    }

    /// Decodes chunks returned by `nextChunk` (an empty chunk: the end of the input) until the stream ends, the
    /// output limit is reached or the data turns out corrupt.
    package func decode<E: Error>(_ nextChunk: () throws(E) -> [UInt8]) throws(E) -> DecodedPrefix {
        switch format {
        case .gzip: return try inflate(nextChunk)
        case .xz: return try unxz(nextChunk, alone: false)
        case .lzma: return try unxz(nextChunk, alone: true)
        case .zstd: return try unzstd(nextChunk)
        case .lz4Frame: return try unlz4Frame(nextChunk)
        }
    }

    /// The largest compressed block of the legacy LZ4 format (`lz4 -l`, blocks of at most 8 MiB of output).
    package static let lz4LegacyMaximumBlockSize = UInt32(CLZ4_compressBound(8 << 20))

    /// Decodes the start of one legacy-LZ4 block (`block` may be cut short) into at most `outputLimit` bytes; `nil`
    /// when liblz4 reports the block corrupt.
    package static func decodeLZ4LegacyBlock(_ block: [UInt8], outputLimit: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: outputLimit)
        let decoded = block.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination -> Int32 in
                guard let from = source.baseAddress, let to = destination.baseAddress else { return -1 }
                return LZ4_decompress_safe_partial(
                    from.assumingMemoryBound(to: CChar.self), to.assumingMemoryBound(to: CChar.self),
                    Int32(source.count), Int32(outputLimit), Int32(outputLimit))
            }
        }
        guard decoded >= 0 else { return nil }
        return Array(output.prefix(Int(decoded)))
    }

    private func inflate<E: Error>(_ nextChunk: () throws(E) -> [UInt8]) throws(E)
        -> DecodedPrefix
    {
        var stream = z_stream()
        // 15 + 32: the largest window, gzip or zlib header detected automatically.
        guard CZlib_inflateInit2(&stream, 15 + 32) == Z_OK else {
            return DecodedPrefix(bytes: [], reachedEnd: false, failure: "zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        while produced < outputLimit {
            var chunk = try nextChunk()
            if chunk.isEmpty { return Self.finish(output, produced, end: false, failure: "truncated stream") }
            var status: Int32 = Z_OK
            chunk.withUnsafeMutableBufferPointer { source in
                output.withUnsafeMutableBufferPointer { destination in
                    stream.next_in = source.baseAddress
                    stream.avail_in = uInt(source.count)
                    while stream.avail_in > 0 && produced < outputLimit && status == Z_OK {
                        stream.next_out = destination.baseAddress.map { $0 + produced }
                        stream.avail_out = uInt(outputLimit - produced)
                        status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        produced = outputLimit - Int(stream.avail_out)
                    }
                }
            }
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: return Self.finish(output, produced, end: true, failure: nil)
            case Z_BUF_ERROR where produced >= outputLimit: break
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                return Self.finish(output, produced, end: false, failure: "gzip: \(message)")
            }
        }
        return Self.finish(output, produced, end: false, failure: nil)
    }

    private func unxz<E: Error>(_ nextChunk: () throws(E) -> [UInt8], alone: Bool) throws(E)
        -> DecodedPrefix
    {
        var stream = CLZMA_stream_init()
        let initStatus =
            alone
            ? lzma_alone_decoder(&stream, lzmaMemoryLimit)
            : lzma_stream_decoder(&stream, lzmaMemoryLimit, 0)
        defer { lzma_end(&stream) }
        guard initStatus == LZMA_OK else {
            return DecodedPrefix(bytes: [], reachedEnd: false, failure: "liblzma initialisation failed")
        }
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        let name = alone ? "lzma" : "xz"
        while produced < outputLimit {
            var chunk = try nextChunk()
            if chunk.isEmpty { return Self.finish(output, produced, end: false, failure: "truncated stream") }
            var status = LZMA_OK
            chunk.withUnsafeMutableBufferPointer { source in
                output.withUnsafeMutableBufferPointer { destination in
                    stream.next_in = UnsafePointer(source.baseAddress)
                    stream.avail_in = source.count
                    while stream.avail_in > 0 && produced < outputLimit && status == LZMA_OK {
                        stream.next_out = destination.baseAddress.map { $0 + produced }
                        stream.avail_out = outputLimit - produced
                        status = lzma_code(&stream, LZMA_RUN)
                        produced = outputLimit - stream.avail_out
                    }
                }
            }
            switch status {
            case LZMA_OK: continue
            case LZMA_STREAM_END: return Self.finish(output, produced, end: true, failure: nil)
            case LZMA_MEMLIMIT_ERROR:
                return Self.finish(output, produced, end: false, failure: "\(name): needs more memory than allowed")
            case LZMA_BUF_ERROR where produced >= outputLimit: break
            default:
                return Self.finish(output, produced, end: false, failure: "\(name): corrupt data (\(status.rawValue))")
            }
        }
        return Self.finish(output, produced, end: false, failure: nil)
    }

    private func unzstd<E: Error>(_ nextChunk: () throws(E) -> [UInt8]) throws(E)
        -> DecodedPrefix
    {
        guard let context = ZSTD_createDCtx() else {
            return DecodedPrefix(bytes: [], reachedEnd: false, failure: "zstd initialisation failed")
        }
        defer { ZSTD_freeDCtx(context) }
        // A window of at most 128 MiB (the library default, stated to be sure).
        _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, 27)
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        while produced < outputLimit {
            let chunk = try nextChunk()
            if chunk.isEmpty { return Self.finish(output, produced, end: false, failure: "truncated stream") }
            var result = 0
            var failed = false
            chunk.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { destination in
                    var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
                    while inBuffer.pos < inBuffer.size && produced < outputLimit {
                        var outBuffer = ZSTD_outBuffer(
                            dst: destination.baseAddress, size: outputLimit, pos: produced)
                        let consumedBefore = inBuffer.pos
                        result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                        let progressed = outBuffer.pos != produced || inBuffer.pos != consumedBefore
                        produced = outBuffer.pos
                        if ZSTD_isError(result) != 0 {
                            failed = true
                            return
                        }
                        if result == 0 { return }
                        if !progressed { return }
                    }
                }
            }
            if failed {
                let message = String(cString: ZSTD_getErrorName(result))
                return Self.finish(output, produced, end: false, failure: "zstd: \(message)")
            }
            if result == 0 { return Self.finish(output, produced, end: true, failure: nil) }
        }
        return Self.finish(output, produced, end: false, failure: nil)
    }

    private func unlz4Frame<E: Error>(_ nextChunk: () throws(E) -> [UInt8]) throws(E)
        -> DecodedPrefix
    {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            return DecodedPrefix(bytes: [], reachedEnd: false, failure: "lz4 initialisation failed")
        }
        defer { _ = LZ4F_freeDecompressionContext(context) }
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        while produced < outputLimit {
            let chunk = try nextChunk()
            if chunk.isEmpty { return Self.finish(output, produced, end: false, failure: "truncated stream") }
            var hint = 1
            var failure: String?
            chunk.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { destination in
                    var position = 0
                    while position < source.count && produced < outputLimit {
                        guard let base = source.baseAddress, let target = destination.baseAddress else { return }
                        var sourceSize = source.count - position
                        var destinationSize = outputLimit - produced
                        hint = LZ4F_decompress(
                            context, target + produced, &destinationSize, base + position, &sourceSize, nil)
                        if LZ4F_isError(hint) != 0 {
                            failure = "lz4: " + String(cString: LZ4F_getErrorName(hint))
                            return
                        }
                        position += sourceSize
                        produced += destinationSize
                        if hint == 0 || (sourceSize == 0 && destinationSize == 0) { return }
                    }
                }
            }
            if let failure { return Self.finish(output, produced, end: false, failure: failure) }
            if hint == 0 { return Self.finish(output, produced, end: true, failure: nil) }
        }
        return Self.finish(output, produced, end: false, failure: nil)
    }

    private static func finish(_ output: [UInt8], _ produced: Int, end: Bool, failure: String?) -> DecodedPrefix {
        DecodedPrefix(bytes: Array(output.prefix(max(0, produced))), reachedEnd: end, failure: failure)
    }
}
