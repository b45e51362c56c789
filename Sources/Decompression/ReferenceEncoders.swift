internal import CDeflate
internal import CLZ4
internal import CLZMA
internal import CZlib
internal import CZstd

/// An encoder that failed.
package struct EncoderFailure: Error, CustomStringConvertible {
    /// The C function that failed.
    package var library: String
    /// Its return code.
    package var code: Int
    package var description: String { "\(library) failed to encode (code \(code))" }
}

/// Makes reference compressed streams with the C libraries the decoders link, in the block formats squashfs uses.
///
/// **For tests and benchmarks only.** No library code path of the package compresses anything; these exist here so
/// that test targets (which must not depend on the C modules) can make streams for the decoders to read, crafted
/// images and the decompressor tests. Nothing here is tuned or hardened for production use.
package enum ReferenceEncoders {
    /// A zlib stream from zlib's `compress2`.
    package static func zlibCompress2(_ input: [UInt8], level: Int32 = 9) throws -> [UInt8] {
        var size = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&output, &size, input, uLong(input.count), level)
        guard status == Z_OK else { throw EncoderFailure(library: "zlib compress2", code: Int(status)) }
        return Array(output.prefix(Int(size)))
    }

    /// A zlib stream from zlib's streaming `deflate` (through the `CZlib_deflateInit` shim).
    package static func zlibDeflate(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        var status = CZlib_deflateInit(&stream, level)
        guard status == Z_OK else { throw EncoderFailure(library: "zlib deflateInit", code: Int(status)) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        var source = input
        status = source.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = uInt(destination.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw EncoderFailure(library: "zlib deflate", code: Int(status)) }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// A zlib stream from libdeflate.
    package static func libdeflate(_ input: [UInt8], level: Int32 = 12) throws -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(level) else {
            throw EncoderFailure(library: "libdeflate_alloc_compressor", code: -1)
        }
        defer { libdeflate_free_compressor(compressor) }
        var output = [UInt8](repeating: 0, count: libdeflate_zlib_compress_bound(compressor, input.count))
        let size = libdeflate_zlib_compress(compressor, input, input.count, &output, output.count)
        guard size > 0 else { throw EncoderFailure(library: "libdeflate_zlib_compress", code: 0) }
        return Array(output.prefix(size))
    }

    /// A complete `.xz` stream (CRC32 check, as mksquashfs writes) from `lzma_easy_buffer_encode`.
    package static func xz(_ input: [UInt8], preset: UInt32 = 6) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: input.count + input.count / 2 + 1024)
        var position = 0
        let status = lzma_easy_buffer_encode(
            preset, LZMA_CHECK_CRC32, nil, input, input.count, &output, &position, output.count)
        guard status == LZMA_OK else {
            throw EncoderFailure(library: "lzma_easy_buffer_encode", code: Int(status.rawValue))
        }
        return Array(output.prefix(position))
    }

    /// The liblzma filter ids (`LZMA_FILTER_*` are `LZMA_VLI_C` macros Swift does not import).
    package enum FilterID: UInt64 {
        case x86 = 0x04
        case arm = 0x07
    }

    /// A complete `.xz` stream whose block uses a BCJ filter before LZMA2, as `mksquashfs -Xbcj` writes.
    package static func xz(_ input: [UInt8], bcj: FilterID) throws -> [UInt8] {
        var options = lzma_options_lzma()
        guard lzma_lzma_preset(&options, 6) == 0 else { throw EncoderFailure(library: "lzma_lzma_preset", code: 1) }
        var output = [UInt8](repeating: 0, count: input.count + input.count / 2 + 1024)
        var position = 0
        let status = withUnsafeMutablePointer(to: &options) { lzma2 in
            var filters = [
                lzma_filter(id: bcj.rawValue, options: nil),
                lzma_filter(id: 0x21, options: UnsafeMutableRawPointer(lzma2)),
                lzma_filter(id: UInt64.max, options: nil),
            ]
            return lzma_stream_buffer_encode(
                &filters, LZMA_CHECK_CRC32, nil, input, input.count, &output, &position, output.count)
        }
        guard status == LZMA_OK else {
            throw EncoderFailure(library: "lzma_stream_buffer_encode", code: Int(status.rawValue))
        }
        return Array(output.prefix(position))
    }

    /// A legacy `.lzma` ("alone") stream from `lzma_alone_encoder` (size unknown in the header, end marker used).
    package static func lzmaAlone(_ input: [UInt8]) throws -> [UInt8] {
        var options = lzma_options_lzma()
        guard lzma_lzma_preset(&options, 6) == 0 else { throw EncoderFailure(library: "lzma_lzma_preset", code: 1) }
        var stream = CLZMA_stream_init()
        var status = lzma_alone_encoder(&stream, &options)
        guard status == LZMA_OK else { throw EncoderFailure(library: "lzma_alone_encoder", code: Int(status.rawValue)) }
        defer { lzma_end(&stream) }
        var output = [UInt8](repeating: 0, count: input.count + input.count / 2 + 1024)
        status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = source.count
                stream.next_out = destination.baseAddress
                stream.avail_out = destination.count
                var status = LZMA_OK
                while status == LZMA_OK { status = lzma_code(&stream, LZMA_FINISH) }
                return status
            }
        }
        guard status == LZMA_STREAM_END else { throw EncoderFailure(library: "lzma_code", code: Int(status.rawValue)) }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// A raw LZ4 block from `LZ4_compress_default`.
    package static func lz4(_ input: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(CLZ4_compressBound(Int32(input.count))))
        let size = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                LZ4_compress_default(
                    source.baseAddress?.assumingMemoryBound(to: CChar.self),
                    destination.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(source.count),
                    Int32(destination.count))
            }
        }
        guard size > 0 else { throw EncoderFailure(library: "LZ4_compress_default", code: Int(size)) }
        return Array(output.prefix(Int(size)))
    }

    /// One zstd frame from `ZSTD_compress`.
    package static func zstd(_ input: [UInt8], level: Int32 = 15) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let size = ZSTD_compress(&output, output.count, input, input.count, level)
        guard ZSTD_isError(size) == 0 else { throw EncoderFailure(library: "ZSTD_compress", code: size) }
        return Array(output.prefix(size))
    }

    /// zlib's CRC-32 of `bytes` (used to re-seal patched xz headers).
    package static func crc32(_ bytes: [UInt8]) -> UInt32 {
        UInt32(CZlib.crc32(0, bytes, uInt(bytes.count)))
    }
}
