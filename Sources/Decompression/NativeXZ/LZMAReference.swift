internal import CLZMA

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
