// Decompression: the package's one wrapper of the C decompression libraries (zlib, libdeflate, liblzma, libzstd,
// liblz4), and the native xz/lzma decoder (NativeXZ/). Internal to the package (`package` access): SquashFS decodes
// its blocks with the block decompressors, BootAssets identifies compressed files with the streaming prefix decoders,
// and the tests make reference streams with the encoders. No other target links the C libraries.

internal import CLZMA

/// Decodes one compressed block into a caller-provided buffer whose size is the hard output cap.
///
/// Implementations own their state (a C library's, freed in `deinit`, or the native decoder's buffers) and are used
/// by one thread at a time (a pool hands each caller its own instance). They reject output that would exceed the
/// buffer and any input left over after the compressed stream ends.
package protocol BlockDecompressor: AnyObject {
    /// Decompresses `input` into `output` and returns the number of bytes written.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure) -> Int
}

/// A decoder's refusal to decode (or to set up its state), with its return code.
package struct DecompressionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The library that failed (`zlib`, `libdeflate`, `liblzma (xz)`, `liblzma (lzma)`, `native xz`, `native lzma`,
    /// `liblz4`, `libzstd`).
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

/// Which implementation decodes xz and "lzma alone" blocks.
package enum XZEngine: Sendable, Hashable {
    /// The Swift decoder of `NativeXZ/` (``NativeXZDecompressor``, ``NativeLZMAAloneDecompressor``).
    case native
    /// liblzma (``XZDecompressor``): the reference implementation.
    case liblzma
}

/// The first liblzma version that ``automaticXZEngine()`` prefers to the native decoder, as `lzma_version_number`
/// encodes it (major × 10^7 + minor × 10^4 + patch × 10 + stability): 5.6.0 (alpha and beta included).
package let liblzmaPreferredFromVersion: UInt32 = 50_060_000

/// The engine used when the caller does not choose: the native decoder, unless the liblzma this process runs with is
/// at least ``liblzmaPreferredFromVersion``.
package func automaticXZEngine() -> XZEngine {
    lzma_version_number() >= liblzmaPreferredFromVersion ? .liblzma : .native
}

/// The version of the liblzma this process runs with (`5.4.1`), from `lzma_version_string`.
package func liblzmaVersion() -> String {
    String(cString: lzma_version_string())
}

/// A block format the block decompressors decode.
package enum BlockFormat: Sendable, Hashable {
    /// A zlib stream (squashfs' "gzip"), decoded by the given engine.
    case zlib(ZlibEngine)
    /// A complete `.xz` stream, BCJ filters included, decoded by the given engine.
    case xz(XZEngine)
    /// A legacy "lzma alone" stream, decoded by the given engine.
    case lzmaAlone(XZEngine)
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
    case .xz(.native): return NativeXZDecompressor()
    case .xz(.liblzma): return XZDecompressor(format: .xz)
    case .lzmaAlone(.native): return NativeLZMAAloneDecompressor()
    case .lzmaAlone(.liblzma): return XZDecompressor(format: .lzmaAlone)
    case .lz4: return LZ4Decompressor()
    case .zstd: return try ZstdDecompressor()
    }
}

func decompressionFailure(_ library: String, _ code: Int, _ detail: String = "") -> DecompressionFailure {
    DecompressionFailure(library: library, code: code, detail: detail)
}
