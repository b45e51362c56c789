// Decompression: the package's one wrapper of the C decompression libraries (zlib, libdeflate, liblzma, libzstd,
// liblz4). Internal to the package (`package` access): SquashFS decodes its blocks with the block decompressors,
// BootAssets identifies compressed files with the streaming prefix decoders, and the tests make reference streams
// with the encoders. No other target links the C libraries.

/// Decodes one compressed block into a caller-provided buffer whose size is the hard output cap.
///
/// Implementations own their C state (a `final class` with `deinit`) and are used by one thread at a time (a pool
/// hands each caller its own instance). They reject output that would exceed the buffer and any input left over
/// after the compressed stream ends.
package protocol BlockDecompressor: AnyObject {
    /// Decompresses `input` into `output` and returns the number of bytes written.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure) -> Int
}

/// A C library's refusal to decode (or to set up a decoder), with its own return code.
package struct DecompressionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The library that failed (`zlib`, `libdeflate`, `liblzma (xz)`, `liblz4`, `libzstd`).
    package var library: String
    /// Its return code (-1 when the failure was found before calling it).
    package var code: Int
    /// Its explanation, or ours, when there is one.
    package var detail: String

    /// Creates a failure.
    package init(library: String, code: Int, detail: String = "") {
        self.library = library
        self.code = code
        self.detail = detail
    }

    package var description: String { "\(library) code \(code)\(detail.isEmpty ? "" : ": \(detail)")" }
}

/// Which implementation decodes zlib ("gzip") blocks.
package enum ZlibEngine: Sendable, Hashable {
    /// libdeflate: whole-buffer decoding, the fast default.
    case libdeflate
    /// zlib's `inflate`: the reference implementation.
    case zlib
}

/// A block format the block decompressors decode.
package enum BlockFormat: Sendable, Hashable {
    /// A zlib stream (squashfs' "gzip"), decoded by the given engine.
    case zlib(ZlibEngine)
    /// A complete `.xz` stream, BCJ filters included.
    case xz
    /// A legacy "lzma alone" stream.
    case lzmaAlone
    /// An LZ4 block (block format, not frame).
    case lz4
    /// Exactly one zstd frame.
    case zstd
}

/// The memory limit given to liblzma for blocks, as unsquashfs does; a hostile header cannot ask for a huge
/// dictionary.
package let blockLZMAMemoryLimit: UInt64 = 64 << 20

/// A new decompressor for `format`.
///
/// - Throws: ``DecompressionFailure`` when the library cannot allocate its state.
package func makeBlockDecompressor(for format: BlockFormat) throws(DecompressionFailure) -> any BlockDecompressor {
    switch format {
    case .zlib(.libdeflate): return try DeflateDecompressor()
    case .zlib(.zlib): return ZlibDecompressor()
    case .xz: return XZDecompressor(format: .xz)
    case .lzmaAlone: return XZDecompressor(format: .lzmaAlone)
    case .lz4: return LZ4Decompressor()
    case .zstd: return try ZstdDecompressor()
    }
}

func decompressionFailure(_ library: String, _ code: Int, _ detail: String = "") -> DecompressionFailure {
    DecompressionFailure(library: library, code: code, detail: detail)
}
