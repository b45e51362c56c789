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
        /// Benchmarks only: the native LZMA2 decoder alone on an xz block's LZMA2 data, the container skipped
        /// without checks (stream header, block header with one LZMA2 filter and no BCJ; no index, footer or
        /// integrity check), to tell the decoder's cost from the container's. The same as ``native`` for lzma.
        case nativeLZMA2 = "native-lzma2"
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
        if format == .xz && engine == .nativeLZMA2 {
            decompressor = LZMA2Only()
            return
        }
        let xzEngine: XZEngine = engine == .liblzma ? .liblzma : .native
        do {
            decompressor = try makeBlockDecompressor(for: format == .xz ? .xz(xzEngine) : .lzmaAlone(xzEngine))
        } catch {
            throw SquashFSError(.decompression, "\(error.library): \(error.detail)")
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

/// The native LZMA2 decoder on an xz block's LZMA2 data, the container skipped (``SPIBlockDecoder/Engine/nativeLZMA2``).
private final class LZMA2Only: BlockDecompressor {
    private let decoder = LZMA2Decoder()

    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionFailure) -> Int
    {
        // Stream header (12 bytes), then the block header: size byte (real size (b + 1) * 4), flags (filter count
        // - 1 in the low 2 bits), optional sizes, filter flags; for one LZMA2 filter the last filter property byte
        // before the padding and CRC32 is the dictionary size byte.
        let failure = DecompressionFailure(
            library: "native lzma2 (bench)", code: -1, detail: "not a plain LZMA2 xz block")
        guard input.count > 13 else { throw failure }
        let headerSize = (Int(input[12]) &+ 1) &* 4
        let flags = input[13]
        guard input[12] != 0, flags & 0x03 == 0, input.count > 12 &+ headerSize else { throw failure }
        var position = 14
        func varint() throws(DecompressionFailure) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < input.count, shift < 63 {
                let byte = input[position]
                position &+= 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift &+= 7
            }
            throw failure
        }
        if flags & 0x40 != 0 { _ = try varint() }
        if flags & 0x80 != 0 { _ = try varint() }
        guard try varint() == 0x21, try varint() == 1, position < input.count else { throw failure }
        // Dictionary sizes up to 48 MiB, as LZMA2Decoder expects of its callers.
        let bits = UInt32(input[position] & 0x3F)
        guard bits <= 27 else { throw failure }
        let dictionarySize: UInt32 = (2 | (bits & 1)) << (bits / 2 &+ 11)
        let start = 12 &+ headerSize
        return try decoder.decode(
            UnsafeRawBufferPointer(rebasing: input[start...]), into: output, dictionarySize: dictionarySize
        ).produced
    }
}
