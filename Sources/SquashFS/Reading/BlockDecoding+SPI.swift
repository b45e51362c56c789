internal import Decompression

/// One xz or "lzma alone" block decoded with a chosen engine, for the benchmarks (`xz-decode` in Benchmarks) and the
/// fuzz targets, which cannot see the package's `Decompression` module.
///
/// Not API: the `Benchmarks` and `Fuzzing` SPI groups only. An instance holds its engine's state (a reused
/// `lzma_stream`, or the native decoder's buffers) and is used by one thread at a time.
///
/// ```swift
/// @_spi(Benchmarks) import SquashFS
/// let decoder = try SPIBlockDecoder(format: .xz, engine: .native)
/// let count = try decoder.decode(storedBytes, into: blockBuffer)
/// ```
@_spi(Benchmarks) @_spi(Fuzzing)
public final class SPIBlockDecoder {
    /// The container of a block.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// A complete `.xz` stream (squashfs compressor 4).
        case xz
        /// A legacy "lzma alone" stream (squashfs compressor 2).
        case lzmaAlone = "lzma"
    }

    /// Which implementation decodes.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        /// The package's Swift decoder.
        case native
        /// The system liblzma, as the reader used before the native decoder.
        case liblzma
    }

    /// The container this instance decodes.
    public let format: Format
    /// The implementation this instance uses.
    public let engine: Engine
    private let decompressor: any BlockDecompressor

    /// A decoder of `format` blocks by `engine`.
    ///
    /// - Throws: ``SquashFSError/Code/decompression`` when the engine cannot set up its state.
    public init(format: Format, engine: Engine) throws(SquashFSError) {
        self.format = format
        self.engine = engine
        switch (format, engine) {
        case (.xz, .liblzma): decompressor = XZDecompressor(format: .xz)
        case (.lzmaAlone, .liblzma): decompressor = XZDecompressor(format: .lzmaAlone)
        case (.xz, .native), (.lzmaAlone, .native):
            throw SquashFSError(.unsupported, "the native \(format.rawValue) decoder is not built yet")
        }
    }

    /// Decodes the block `input` into `output` (at most its size) and returns the number of bytes written.
    ///
    /// - Throws: ``SquashFSError/Code/decompression`` with a ``DecompressorError`` as the underlying error when the
    ///   block does not decode completely into `output`.
    public func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(SquashFSError) -> Int
    {
        try decompressor.decode(input, into: output)
    }
}
