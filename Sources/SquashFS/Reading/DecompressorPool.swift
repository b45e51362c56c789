internal import Decompression
import Synchronization

/// A new block decompressor for the image's compressor; gzip blocks are decoded by `zlibEngine`, xz and lzma blocks
/// by `xzEngine`.
func makeDecompressor(for compressor: Compressor, zlibEngine: ZlibEngine, xzEngine: XZEngine) throws(SquashFSError)
    -> any BlockDecompressor
{
    let format: BlockFormat
    switch compressor {
    case .gzip: format = .zlib(zlibEngine)
    case .xz: format = .xz(xzEngine)
    case .lzma: format = .lzmaAlone(xzEngine)
    case .lz4: format = .lz4
    case .zstd: format = .zstd
    case .lzo: throw SquashFSError(.unsupported, "unsupported compressor: lzo")
    case .unknown(let id): throw SquashFSError(.unsupported, "unsupported compressor: unknown id \(id)")
    }
    do {
        return try makeBlockDecompressor(for: format)
    } catch {
        throw SquashFSError(.decompression, "\(error.library): \(error.detail)")
    }
}

extension BlockDecompressor {
    /// Decompresses `input` into `output` (at most its size) and returns the number of bytes written.
    ///
    /// - Throws: ``SquashFSError/Code/decompression`` with the library's ``DecompressorError`` as the underlying
    ///   error.
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(SquashFSError)
        -> Int
    {
        do {
            return try decompress(input, into: output)
        } catch {
            throw SquashFSError(
                .decompression, "\(error.library) could not decode the block",
                underlyingError: DecompressorError(library: error.library, code: error.code, detail: error.detail))
        }
    }
}

/// A decompressor together with a scratch buffer for the compressed bytes it decodes.
///
/// A slot is used by exactly one thread between ``DecompressorPool/withSlot(_:)`` taking it out of the pool and
/// putting it back, which is what makes the unchecked `Sendable` conformance sound.
final class DecompressionSlot: @unchecked Sendable {
    let decompressor: any BlockDecompressor
    /// Large enough for one data block or one metadata block with its header.
    let scratch: UnsafeMutableRawBufferPointer

    init(decompressor: any BlockDecompressor, scratchSize: Int) {
        self.decompressor = decompressor
        self.scratch = .allocate(byteCount: scratchSize, alignment: 16)
    }

    deinit { scratch.deallocate() }
}

/// Hands out decompressors so that each thread decoding blocks has its own C state and buffers.
final class DecompressorPool: Sendable {
    private let compressor: Compressor
    private let zlibEngine: ZlibEngine
    private let xzEngine: XZEngine
    private let scratchSize: Int
    private let idle = Mutex<[DecompressionSlot]>([])
    /// How many idle slots are kept; more are freed when returned.
    private let keep = 16

    init(compressor: Compressor, zlibEngine: ZlibEngine, xzEngine: XZEngine, blockSize: Int) throws(SquashFSError) {
        self.compressor = compressor
        self.zlibEngine = zlibEngine
        self.xzEngine = xzEngine
        self.scratchSize = max(blockSize, 8192 + 2)
        // Fail at open time, not at the first read, if the decompressor cannot be created.
        let first = DecompressionSlot(decompressor: try makeSlotDecompressor(), scratchSize: scratchSize)
        idle.withLock { $0.append(first) }
    }

    /// A new decompressor for this pool's compressor and engines.
    private func makeSlotDecompressor() throws(SquashFSError) -> any BlockDecompressor {
        try makeDecompressor(for: compressor, zlibEngine: zlibEngine, xzEngine: xzEngine)
    }

    func withSlot<Result>(_ body: (DecompressionSlot) throws(SquashFSError) -> Result) throws(SquashFSError) -> Result {
        let slot: DecompressionSlot
        if let taken = idle.withLock({ $0.popLast() }) {
            slot = taken
        } else {
            slot = DecompressionSlot(decompressor: try makeSlotDecompressor(), scratchSize: scratchSize)
        }
        defer {
            idle.withLock { slots in
                if slots.count < keep { slots.append(slot) }
            }
        }
        return try body(slot)
    }
}
