/// Decodes one compressed block into a caller-provided buffer whose size is the hard output cap.
///
/// Implementations own their C state (a `final class` with `deinit`) and are used by one thread at a time: the
/// ``DecompressorPool`` hands each caller its own instance. They reject output that would exceed the buffer and any
/// input left over after the compressed stream ends.
protocol Decompressor: AnyObject {
    /// Decompresses `input` into `output` and returns the number of bytes written.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(SquashFSError)
        -> Int
}

/// Which implementation decodes zlib ("gzip") blocks.
enum ZlibEngine: Sendable {
    /// libdeflate: whole-buffer decoding, the fast default.
    case libdeflate
    /// zlib's `inflate`: the reference implementation.
    case zlib
}

/// The memory limit given to liblzma, as unsquashfs does; a hostile header cannot ask for a huge dictionary.
let lzmaMemoryLimit: UInt64 = 64 << 20

func makeDecompressor(for compressor: Compressor, zlibEngine: ZlibEngine) throws(SquashFSError) -> any Decompressor {
    switch compressor {
    case .gzip:
        switch zlibEngine {
        case .libdeflate: return try DeflateDecompressor()
        case .zlib: return ZlibDecompressor()
        }
    case .xz: return XZDecompressor(format: .xz)
    case .lzma: return XZDecompressor(format: .lzmaAlone)
    case .lz4: return LZ4Decompressor()
    case .zstd: return try ZstdDecompressor()
    case .lzo: throw SquashFSError(.unsupported, "unsupported compressor: lzo")
    case .unknown(let id): throw SquashFSError(.unsupported, "unsupported compressor: unknown id \(id)")
    }
}

func decompressionError(_ library: String, _ code: Int, _ detail: String = "") -> SquashFSError {
    SquashFSError(
        .decompression, "\(library) could not decode the block",
        underlyingError: DecompressorError(library: library, code: code, detail: detail))
}
