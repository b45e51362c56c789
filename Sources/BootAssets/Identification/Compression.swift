internal import CLZ4
internal import CLZMA
internal import CZlib
internal import CZstd

/// A compression format recognised by its magic number.
public enum Compression: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// gzip (`1F 8B`), RFC 1952.
    case gzip
    /// xz (`FD 37 7A 58 5A 00`).
    case xz
    /// Zstandard (`28 B5 2F FD`).
    case zstd
    /// The LZ4 frame format (`04 22 4D 18`).
    case lz4
    /// The legacy LZ4 format (`02 21 4C 18`) of `lz4 -l`, which the kernel uses for initramfs.
    case lz4Legacy = "lz4-legacy"
    /// bzip2 (`BZh1`...`BZh9`); recognised but not decompressed, so its content is never inspected.
    case bzip2
    /// The legacy "lzma alone" format of `lzma` (`5D 00 00`).
    case lzma

    /// The name (`gzip`, `lz4-legacy`), as in the raw value.
    public var description: String { rawValue }

    /// The compression whose magic number starts `head`, or `nil`.
    static func detect(_ head: [UInt8]) -> Compression? {
        if head.matches([0x1F, 0x8B, 0x08], at: 0) { return .gzip }
        if head.matches([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], at: 0) { return .xz }
        if head.matches([0x28, 0xB5, 0x2F, 0xFD], at: 0) { return .zstd }
        if head.matches([0x04, 0x22, 0x4D, 0x18], at: 0) { return .lz4 }
        if head.matches([0x02, 0x21, 0x4C, 0x18], at: 0) { return .lz4Legacy }
        if head.matches("BZh", at: 0), let level = head.byte(at: 3), level >= 0x31, level <= 0x39,
            head.matches([0x31, 0x41, 0x59, 0x26, 0x53, 0x59], at: 4) || head.matches([0x17, 0x72, 0x45, 0x38], at: 4)
        {
            return .bzip2
        }
        // lzma alone: properties byte 0x5D (lc=3, lp=0, pb=2, what every encoder writes), a dictionary size that is
        // a power of two (or 2^n + 2^(n-1)) and at least 4 KiB, then the uncompressed size (often unknown, all ones).
        if head.byte(at: 0) == 0x5D, let dictionary = head.le32(1), dictionary >= 1 << 12,
            dictionary.nonzeroBitCount <= 2, let length = head.le64(5),
            length == UInt64.max || length < 1 << 48
        {
            return .lzma
        }
        return nil
    }
}

/// The first bytes of a compressed stream, decompressed within fixed limits.
struct DecompressedPrefix {
    /// The decompressed bytes (at most the output limit).
    var bytes: [UInt8]
    /// Whether the whole stream (or its first frame or member) ended within the limits.
    var reachedEnd: Bool
    /// Why decompression stopped early with an error, if it did (a truncated or corrupt stream).
    var failure: String?
}

/// Decompresses bounded prefixes: at most ``outputLimit`` bytes out, ``inputLimit`` bytes read.
enum PrefixDecompressor {
    /// The most decompressed bytes kept.
    static let outputLimit = 64 << 10
    /// The most compressed bytes read.
    static let inputLimit = 1 << 20
    /// The size of each read of compressed input.
    static let chunkSize = 16 << 10
    /// The memory liblzma may use (xz -9 needs 65 MiB).
    static let lzmaMemoryLimit: UInt64 = 96 << 20

    /// The decompressed prefix of the stream starting at `offset` of `probe`, or `nil` for bzip2, which is not
    /// decompressed.
    static func prefix(of probe: FileProbe, at offset: UInt64, compression: Compression, outputLimit: Int = outputLimit)
        throws(BootAssetsError) -> DecompressedPrefix?
    {
        var input = ChunkedInput(probe: probe, offset: offset)
        switch compression {
        case .gzip: return try inflate(&input, outputLimit: outputLimit)
        case .xz: return try unxz(&input, alone: false, outputLimit: outputLimit)
        case .lzma: return try unxz(&input, alone: true, outputLimit: outputLimit)
        case .zstd: return try unzstd(&input, outputLimit: outputLimit)
        case .lz4: return try unlz4Frame(&input, outputLimit: outputLimit)
        case .lz4Legacy: return try unlz4Legacy(probe: probe, offset: offset, outputLimit: outputLimit)
        case .bzip2: return nil
        }
    }

    /// Compressed input read in chunks, never more than ``inputLimit`` in all.
    struct ChunkedInput {
        let probe: FileProbe
        var offset: UInt64
        var consumed = 0

        init(probe: FileProbe, offset: UInt64) {
            self.probe = probe
            self.offset = offset
        }

        /// The next chunk, empty at the end of the data or the input limit.
        mutating func next() throws(BootAssetsError) -> [UInt8] {
            let count = min(PrefixDecompressor.chunkSize, PrefixDecompressor.inputLimit - consumed)
            guard count > 0 else { return [] }
            let chunk = try probe.read(at: offset, count: count)
            consumed += chunk.count
            let (next, overflow) = offset.addingReportingOverflow(UInt64(chunk.count))
            offset = overflow ? UInt64.max : next
            return chunk
        }
    }

    private static func inflate(_ input: inout ChunkedInput, outputLimit: Int) throws(BootAssetsError)
        -> DecompressedPrefix
    {
        var stream = z_stream()
        // 15 + 32: the largest window, gzip or zlib header detected automatically.
        guard CZlib_inflateInit2(&stream, 15 + 32) == Z_OK else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        while produced < outputLimit {
            var chunk = try input.next()
            if chunk.isEmpty { return finish(output, produced, end: false, failure: "truncated stream") }
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
            case Z_STREAM_END: return finish(output, produced, end: true, failure: nil)
            case Z_BUF_ERROR where produced >= outputLimit: break
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                return finish(output, produced, end: false, failure: "gzip: \(message)")
            }
        }
        return finish(output, produced, end: false, failure: nil)
    }

    private static func unxz(_ input: inout ChunkedInput, alone: Bool, outputLimit: Int) throws(BootAssetsError)
        -> DecompressedPrefix
    {
        var stream = CLZMA_stream_init()
        let initStatus =
            alone
            ? lzma_alone_decoder(&stream, lzmaMemoryLimit)
            : lzma_stream_decoder(&stream, lzmaMemoryLimit, 0)
        defer { lzma_end(&stream) }
        guard initStatus == LZMA_OK else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "liblzma initialisation failed")
        }
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        let name = alone ? "lzma" : "xz"
        while produced < outputLimit {
            var chunk = try input.next()
            if chunk.isEmpty { return finish(output, produced, end: false, failure: "truncated stream") }
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
            case LZMA_STREAM_END: return finish(output, produced, end: true, failure: nil)
            case LZMA_MEMLIMIT_ERROR:
                return finish(output, produced, end: false, failure: "\(name): needs more memory than allowed")
            case LZMA_BUF_ERROR where produced >= outputLimit: break
            default:
                return finish(output, produced, end: false, failure: "\(name): corrupt data (\(status.rawValue))")
            }
        }
        return finish(output, produced, end: false, failure: nil)
    }

    private static func unzstd(_ input: inout ChunkedInput, outputLimit: Int) throws(BootAssetsError)
        -> DecompressedPrefix
    {
        guard let context = ZSTD_createDCtx() else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "zstd initialisation failed")
        }
        defer { ZSTD_freeDCtx(context) }
        // A window of at most 128 MiB (the library default, stated to be sure).
        _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, 27)
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        while produced < outputLimit {
            let chunk = try input.next()
            if chunk.isEmpty { return finish(output, produced, end: false, failure: "truncated stream") }
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
                return finish(output, produced, end: false, failure: "zstd: \(message)")
            }
            if result == 0 { return finish(output, produced, end: true, failure: nil) }
        }
        return finish(output, produced, end: false, failure: nil)
    }

    private static func unlz4Frame(_ input: inout ChunkedInput, outputLimit: Int) throws(BootAssetsError)
        -> DecompressedPrefix
    {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "lz4 initialisation failed")
        }
        defer { _ = LZ4F_freeDecompressionContext(context) }
        var output = [UInt8](repeating: 0, count: outputLimit)
        var produced = 0
        while produced < outputLimit {
            let chunk = try input.next()
            if chunk.isEmpty { return finish(output, produced, end: false, failure: "truncated stream") }
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
            if let failure { return finish(output, produced, end: false, failure: failure) }
            if hint == 0 { return finish(output, produced, end: true, failure: nil) }
        }
        return finish(output, produced, end: false, failure: nil)
    }

    /// The legacy format: the magic, then blocks of a 4-byte little-endian compressed size and at most 8 MiB of
    /// output each. Only the first block is needed for a prefix.
    private static func unlz4Legacy(probe: FileProbe, offset: UInt64, outputLimit: Int) throws(BootAssetsError)
        -> DecompressedPrefix
    {
        let (sizeOffset, overflow) = offset.addingReportingOverflow(4)
        guard !overflow else { return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "truncated stream") }
        let header = try probe.read(at: sizeOffset, count: 4)
        guard let blockSize = header.le32(0) else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "truncated stream")
        }
        let maximumBlock = UInt32(CLZ4_compressBound(8 << 20))
        guard blockSize > 0, blockSize <= maximumBlock else {
            return DecompressedPrefix(bytes: [], reachedEnd: false, failure: "lz4: invalid block size \(blockSize)")
        }
        let wanted = min(Int(blockSize), inputLimit)
        let block = try probe.read(at: sizeOffset + 4, count: wanted)
        var output = [UInt8](repeating: 0, count: outputLimit)
        let decoded = block.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination -> Int32 in
                guard let from = source.baseAddress, let to = destination.baseAddress else { return -1 }
                return LZ4_decompress_safe_partial(
                    from.assumingMemoryBound(to: CChar.self), to.assumingMemoryBound(to: CChar.self),
                    Int32(source.count), Int32(outputLimit), Int32(outputLimit))
            }
        }
        let truncated = block.count < Int(blockSize) && block.count < inputLimit
        guard decoded >= 0 else {
            return finish(output, 0, end: false, failure: truncated ? "truncated stream" : "lz4: corrupt block")
        }
        return finish(output, Int(decoded), end: false, failure: truncated ? "truncated stream" : nil)
    }

    private static func finish(_ output: [UInt8], _ produced: Int, end: Bool, failure: String?) -> DecompressedPrefix {
        DecompressedPrefix(bytes: Array(output.prefix(max(0, produced))), reachedEnd: end, failure: failure)
    }
}
