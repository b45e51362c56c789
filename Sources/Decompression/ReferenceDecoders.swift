internal import CLZMA

/// liblzma with an explicit filter chain, as the reference the native xz decoder's parts are tested against.
///
/// **For tests only.** The raw decoder checks a BCJ or delta filter in isolation: an LZMA2 stream decoded with the
/// chain `[lzma2]` gives the filtered bytes, with `[filter, lzma2]` liblzma's unfiltering of them. The encoders make
/// raw LZMA2 streams and complete `.xz` streams with any chain and check. Nothing here is hardened.
package enum ReferenceDecoders {
    /// One filter of a chain, in the order the `.xz` block header lists them (LZMA2 last).
    package enum Filter: Sendable, Hashable {
        /// LZMA2 from a preset (0...9), with the dictionary size and literal/position bits set.
        case lzma2(preset: UInt32 = 6, dictionarySize: UInt32 = 1 << 20, lc: UInt32 = 3, lp: UInt32 = 0, pb: UInt32 = 2)
        /// A BCJ filter by ID (0x04...0x0A in liblzma 5.4), with its start offset (0: no properties).
        case branch(id: UInt64, startOffset: UInt32 = 0)
        /// Delta with a distance of 1...256.
        case delta(distance: UInt32)
    }

    /// liblzma's raw decoder over `input` with `filters` into at most `capacity` bytes, or nil when it fails.
    package static func rawDecode(_ input: [UInt8], filters: [Filter], capacity: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(capacity, 1))
        var inputPosition = 0
        var outputPosition = 0
        let status = withChain(filters) { chain in
            lzma_raw_buffer_decode(chain, nil, input, &inputPosition, input.count, &output, &outputPosition, capacity)
        }
        guard status == LZMA_OK else { return nil }
        return Array(output.prefix(outputPosition))
    }

    /// A raw stream (no container) of `input` from liblzma's raw encoder with `filters`.
    package static func rawEncode(_ input: [UInt8], filters: [Filter]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: input.count + input.count / 2 + 4096)
        var position = 0
        let status = withChain(filters) { chain in
            lzma_raw_buffer_encode(chain, nil, input, input.count, &output, &position, output.count)
        }
        guard status == LZMA_OK else {
            throw EncoderFailure(library: "lzma_raw_buffer_encode", code: Int(status.rawValue))
        }
        return Array(output.prefix(position))
    }

    /// A complete `.xz` stream of `input` (one block) with `filters` and the check `checkID` (0 None, 1 CRC32,
    /// 4 CRC64, 10 SHA-256).
    package static func xzEncode(_ input: [UInt8], filters: [Filter], checkID: UInt32) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: input.count + input.count / 2 + 4096)
        var position = 0
        let status = withChain(filters) { chain in
            lzma_stream_buffer_encode(
                chain, lzma_check(checkID), nil, input, input.count, &output, &position, output.count)
        }
        guard status == LZMA_OK else {
            throw EncoderFailure(library: "lzma_stream_buffer_encode", code: Int(status.rawValue))
        }
        return Array(output.prefix(position))
    }

    /// Calls `body` with a terminated `lzma_filter` array for `filters`, its option structures alive meanwhile.
    private static func withChain(_ filters: [Filter], _ body: (UnsafeMutablePointer<lzma_filter>) -> lzma_ret)
        -> lzma_ret
    {
        var allocations: [UnsafeMutableRawPointer] = []
        defer { for allocation in allocations { allocation.deallocate() } }
        var chain: [lzma_filter] = []
        for filter in filters {
            switch filter {
            case .lzma2(let preset, let dictionarySize, let lc, let lp, let pb):
                let options = UnsafeMutablePointer<lzma_options_lzma>.allocate(capacity: 1)
                options.initialize(to: lzma_options_lzma())
                allocations.append(UnsafeMutableRawPointer(options))
                if lzma_lzma_preset(options, preset) != 0 { return LZMA_OPTIONS_ERROR }
                options.pointee.dict_size = dictionarySize
                options.pointee.lc = lc
                options.pointee.lp = lp
                options.pointee.pb = pb
                chain.append(lzma_filter(id: CLZMA_FILTER_LZMA2, options: UnsafeMutableRawPointer(options)))
            case .branch(let id, let startOffset):
                if startOffset == 0 {
                    chain.append(lzma_filter(id: id, options: nil))
                } else {
                    let options = UnsafeMutablePointer<lzma_options_bcj>.allocate(capacity: 1)
                    options.initialize(to: lzma_options_bcj())
                    allocations.append(UnsafeMutableRawPointer(options))
                    options.pointee.start_offset = startOffset
                    chain.append(lzma_filter(id: id, options: UnsafeMutableRawPointer(options)))
                }
            case .delta(let distance):
                let options = UnsafeMutablePointer<lzma_options_delta>.allocate(capacity: 1)
                options.initialize(to: lzma_options_delta())
                allocations.append(UnsafeMutableRawPointer(options))
                options.pointee.type = LZMA_DELTA_TYPE_BYTE
                options.pointee.dist = distance
                chain.append(lzma_filter(id: CLZMA_FILTER_DELTA, options: UnsafeMutableRawPointer(options)))
            }
        }
        chain.append(lzma_filter(id: CLZMA_VLI_UNKNOWN, options: nil))
        return chain.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return LZMA_PROG_ERROR }
            return body(base)
        }
    }
}

/// liblzma's raw LZMA2 decoder, the reference the native ``LZMA2Decoder`` is tested against (tests only).
///
/// - Parameters:
///   - input: LZMA2 chunks through the 0x00 end byte (bytes after it are not read).
///   - outputCapacity: the output buffer size; decoding more is a failure.
///   - dictionarySize: the filter's dictionary size.
/// - Returns: the input bytes consumed and the decoded bytes, or nil when liblzma refuses the data.
package func referenceLZMA2Decode(_ input: [UInt8], outputCapacity: Int, dictionarySize: UInt32)
    -> (consumed: Int, output: [UInt8])?
{
    var options = lzma_options_lzma()
    guard lzma_lzma_preset(&options, 6) == 0 else { return nil }
    options.dict_size = dictionarySize
    return withUnsafeMutablePointer(to: &options) { optionsPointer -> (consumed: Int, output: [UInt8])? in
        var filters = [
            lzma_filter(id: 0x21, options: UnsafeMutableRawPointer(optionsPointer)),
            lzma_filter(id: UInt64.max, options: nil),
        ]
        var stream = CLZMA_stream_init()
        guard lzma_raw_decoder(&stream, &filters) == LZMA_OK else { return nil }
        defer { lzma_end(&stream) }
        var output = [UInt8](repeating: 0, count: max(outputCapacity, 1))
        var status = LZMA_OK
        let consumed: Int = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = source.count
                stream.next_out = target.baseAddress
                stream.avail_out = outputCapacity
                while status == LZMA_OK {
                    let before = (stream.avail_in, stream.avail_out)
                    status = lzma_code(&stream, LZMA_FINISH)
                    if status == LZMA_OK && (stream.avail_in, stream.avail_out) == before { status = LZMA_BUF_ERROR }
                }
                return source.count - stream.avail_in
            }
        }
        guard status == LZMA_STREAM_END else { return nil }
        return (consumed, Array(output[0..<(outputCapacity - stream.avail_out)]))
    }
}

/// liblzma's verdict on an "lzma alone" stream: the decoded bytes, or nil when it refuses (tests only).
package func referenceLZMAAloneDecode(_ input: [UInt8], outputCapacity: Int) -> [UInt8]? {
    let decoder = XZDecompressor(format: .lzmaAlone)
    var output = [UInt8](repeating: 0, count: max(outputCapacity, 1))
    let produced: Int? = input.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { target in
            try? decoder.decompress(source, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<outputCapacity]))
        }
    }
    guard let produced else { return nil }
    return Array(output[0..<produced])
}
