import CBenchDeflate
import CBenchLZMA
import CBenchZlib
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The C decoders the bound can be measured with.
public enum BoundDecoder: String, CaseIterable, Sendable, CustomStringConvertible {
    /// liblzma, one reused `lzma_stream` per thread (`lzma_stream_decoder` + `lzma_code(LZMA_FINISH)`): xz images.
    case liblzma
    /// zlib's `inflate`, one reused `z_stream` per thread (`inflateReset`): gzip images, as `unsquashfs` decodes.
    case zlib
    /// libdeflate's whole-buffer `libdeflate_zlib_decompress`: gzip images, as the Swift reader decodes.
    case libdeflate

    public var description: String { rawValue }

    /// The decoders that can decode images made with the `SQFS_COMPRESSOR` `compressorID`.
    public static func decoders(forCompressor compressorID: UInt16) -> [BoundDecoder] {
        switch compressorID {
        case 1: [.zlib, .libdeflate]
        case 4: [.liblzma]
        default: []
        }
    }
}

/// One measurement of the decompression lower bound.
public struct DecodeBoundResult: Sendable {
    /// The decoder used.
    public var decoder: BoundDecoder
    /// The threads that decoded.
    public var threads: Int
    /// The blocks decoded.
    public var blocks: Int
    /// The stored bytes read.
    public var inputBytes: Int
    /// The bytes the blocks decoded to.
    public var outputBytes: Int
    /// From the first block taken to the last block done, all threads together.
    public var wallClock: Duration
}

/// The decompression lower bound of a full extraction: every block of a ``BlockInventory`` decoded once, on a number
/// of threads, into per-thread buffers of one block, with nothing else done: no file is written, nothing is parsed.
///
/// The image is mapped read-only (it is expected to be in the page cache, as for the extraction it bounds); threads
/// take the next block, in image order, from a shared atomic counter. Uncompressed blocks are copied. Every block must
/// decode completely, or ``run(decoder:threads:)`` throws.
public final class DecodeBound: Sendable {
    /// The online processors, the default number of threads (as the extraction's default `jobs`).
    public static var onlineProcessors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The blocks decoded by each run.
    public let inventory: BlockInventory
    private let mapping: Mapping

    /// Maps the image at `path` and enumerates its blocks.
    public init(imageAt path: String) throws {
        inventory = try BlockInventory(imageAt: path)
        mapping = try Mapping(path: path)
        guard let last = inventory.blocks.last, last.offset + UInt64(last.storedSize) <= UInt64(mapping.count) else {
            if inventory.blocks.isEmpty { return }
            throw DecodeBoundError("a block lies past the end of \(path)")
        }
    }

    /// Decodes every block once with `decoder` on `threads` threads.
    ///
    /// - Throws: ``DecodeBoundError`` if the decoder does not fit the image's compressor or a block fails to decode.
    public func run(decoder: BoundDecoder, threads: Int) throws -> DecodeBoundResult {
        guard BoundDecoder.decoders(forCompressor: inventory.compressorID).contains(decoder) else {
            throw DecodeBoundError("\(decoder) cannot decode \(inventory.compressorName) images")
        }
        let threads = max(1, threads)
        let blocks = inventory.blocks
        let mapping = mapping
        let capacity = max(inventory.blockSize, 8192)
        let next = Atomic<Int>(0)
        let produced = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let clock = ContinuousClock()
        let start = clock.now
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            guard let worker = try? BlockDecoder(decoder) else {
                failures.add(1, ordering: .relaxed)
                return
            }
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
            defer { output.deallocate() }
            var total = 0
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < blocks.count else { break }
                let block = blocks[index]
                let input = UnsafeRawBufferPointer(start: mapping.base + Int(block.offset), count: block.storedSize)
                let target = UnsafeMutableRawBufferPointer(rebasing: output[0..<block.decodedCapacity])
                if block.isCompressed {
                    guard let count = worker.decode(input, into: target) else {
                        failures.add(1, ordering: .relaxed)
                        continue
                    }
                    total += count
                } else {
                    guard input.count <= target.count else {
                        failures.add(1, ordering: .relaxed)
                        continue
                    }
                    target.copyMemory(from: input)
                    total += input.count
                }
            }
            produced.add(total, ordering: .relaxed)
        }
        let elapsed = clock.now - start
        let failed = failures.load(ordering: .relaxed)
        guard failed == 0 else { throw DecodeBoundError("\(failed) blocks failed to decode with \(decoder)") }
        return DecodeBoundResult(
            decoder: decoder, threads: threads, blocks: blocks.count, inputBytes: inventory.storedBytes,
            outputBytes: produced.load(ordering: .relaxed), wallClock: elapsed)
    }
}

/// The image file mapped read-only.
private final class Mapping: Sendable {
    nonisolated(unsafe) let base: UnsafeRawPointer
    let count: Int

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DecodeBoundError("cannot open \(path): errno \(errno)") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else {
            throw DecodeBoundError("cannot stat \(path) or it is empty")
        }
        count = Int(status.st_size)
        guard let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0),
            mapped != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            throw DecodeBoundError("cannot map \(path): errno \(errno)")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }
}

/// One thread's decoder state.
private final class BlockDecoder {
    private let kind: BoundDecoder
    private var lzma = CBenchLZMA_stream_init()
    private var zstream = z_stream()
    private var deflater: OpaquePointer?

    init(_ kind: BoundDecoder) throws {
        self.kind = kind
        switch kind {
        case .liblzma:
            break
        case .zlib:
            guard CBenchZlib_inflateInit(&zstream) == Z_OK else { throw DecodeBoundError("inflateInit failed") }
        case .libdeflate:
            guard let handle = libdeflate_alloc_decompressor() else {
                throw DecodeBoundError("libdeflate_alloc_decompressor failed")
            }
            deflater = handle
        }
    }

    deinit {
        switch kind {
        case .liblzma: lzma_end(&lzma)
        case .zlib: inflateEnd(&zstream)
        case .libdeflate: if let deflater { libdeflate_free_decompressor(deflater) }
        }
    }

    /// Decodes one block; the decoded size, or `nil` unless the whole input decoded into `output`.
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard let source = input.baseAddress, let destination = output.baseAddress else { return nil }
        switch kind {
        case .liblzma:
            // Re-initialising an existing stream keeps liblzma's allocations.
            guard lzma_stream_decoder(&lzma, UInt64.max, 0) == LZMA_OK else { return nil }
            lzma.next_in = source.assumingMemoryBound(to: UInt8.self)
            lzma.avail_in = input.count
            lzma.next_out = destination.assumingMemoryBound(to: UInt8.self)
            lzma.avail_out = output.count
            var status = LZMA_OK
            while status == LZMA_OK { status = lzma_code(&lzma, LZMA_FINISH) }
            guard status == LZMA_STREAM_END, lzma.avail_in == 0 else {
                lzma_end(&lzma)
                lzma = CBenchLZMA_stream_init()
                return nil
            }
            return output.count - lzma.avail_out
        case .zlib:
            guard inflateReset(&zstream) == Z_OK else { return nil }
            zstream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: Bytef.self))
            zstream.avail_in = uInt(input.count)
            zstream.next_out = destination.assumingMemoryBound(to: Bytef.self)
            zstream.avail_out = uInt(output.count)
            guard inflate(&zstream, Z_FINISH) == Z_STREAM_END, zstream.avail_in == 0 else { return nil }
            return output.count - Int(zstream.avail_out)
        case .libdeflate:
            var consumed = 0
            var produced = 0
            let result = libdeflate_zlib_decompress_ex(
                deflater, source, input.count, destination, output.count, &consumed, &produced)
            guard result == LIBDEFLATE_SUCCESS, consumed == input.count else { return nil }
            return produced
        }
    }
}
