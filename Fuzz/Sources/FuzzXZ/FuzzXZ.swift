import Glibc
@_spi(Fuzzing) import SquashFS

/// Differential fuzzing of the native xz and "lzma alone" decoders against liblzma.
///
/// The first input byte is the selector, the rest is the compressed stream:
/// - bit 0: the container, 0 `.xz`, 1 "lzma alone";
/// - bits 1-3: the output cap, 4 KiB, 8 KiB, 16 KiB, 32 KiB, 64 KiB, 128 KiB, 256 KiB or 1 MiB;
/// - bits 4-6: that many bytes (0-7) taken off the cap, to reach the edges of a full output buffer;
/// - bit 7 (xz only): repair the CRC32s of the container (stream header, block headers whose block has a declared
///   compressed size, index, stream footer) before decoding, so that mutated chunks, sizes and filter properties
///   reach the decoders instead of stopping at a header checksum.
///
/// The native decoder and liblzma decode the stream into separate buffers of exactly the cap (so AddressSanitizer
/// sees a write past it). Both must succeed with the same bytes or both fail; anything else prints both verdicts
/// and aborts. The one allowed difference: liblzma 5.4 refuses the RISC-V BCJ filter (id 0x0B), which the native
/// decoder supports. A second, fresh native decoder decodes each input too and must agree with the long-lived one
/// (no state may leak from one stream into the next). The decoders are reached through `SPIBlockDecoder`, the
/// `@_spi(Fuzzing)` entry point of SquashFS (the `Decompression` module is internal to the main package).
@main
enum FuzzXZ {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}

/// libFuzzer's driver, which parses the usual libFuzzer flags and calls `callback` for each input.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

private let formats: [SPIBlockDecoder.Format] = [.xz, .lzmaAlone]

/// A decoder, or the end of the run if the engine cannot be set up (the native decoder missing from this build).
private func makeDecoder(_ format: SPIBlockDecoder.Format, _ engine: SPIBlockDecoder.Engine) -> SPIBlockDecoder {
    do {
        return try SPIBlockDecoder(format: format, engine: engine)
    } catch {
        let message = Array("FuzzXZ: no \(engine.rawValue) \(format.rawValue) decoder: \(error)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
}

/// The long-lived decoders, indexed by container (xz, lzma alone); libFuzzer calls the target on one thread.
nonisolated(unsafe) private var nativeDecoders = formats.map { makeDecoder($0, .native) }
nonisolated(unsafe) private var referenceDecoders = formats.map { makeDecoder($0, .liblzma) }

/// `FUZZXZ_VERBOSE=1` prints both verdicts for every input (to look at a corpus or a reproducer).
private let verbose = getenv("FUZZXZ_VERBOSE") != nil

private let caps = [4 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 1 << 20]

/// One decoder's verdict on one input.
private enum Verdict {
    case success([UInt8])
    case failure(String)

    var summary: String {
        switch self {
        case .success(let bytes): return "success, \(bytes.count) bytes"
        case .failure(let reason): return "failure: \(reason)"
        }
    }
}

/// Output buffers of exactly each cap, one per decoder, allocated once (fresh megabyte allocations per input cost more
/// than the decoding); indexed by cap, then by fill byte.
nonisolated(unsafe) private var buffers: [Int: [UInt8: UnsafeMutableRawBufferPointer]] = [:]

private func decode(_ decoder: SPIBlockDecoder, _ input: UnsafeRawBufferPointer, cap: Int, fill: UInt8) -> Verdict {
    let output: UnsafeMutableRawBufferPointer
    if let existing = buffers[cap]?[fill] {
        output = existing
    } else {
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: cap, alignment: 16)
        buffers[cap, default: [:]][fill] = output
    }
    // A pattern that differs between the decoders, so bytes claimed as produced but never written show as different.
    output.initializeMemory(as: UInt8.self, repeating: fill)
    do {
        let produced = try decoder.decode(input, into: output)
        guard produced >= 0 && produced <= cap else { return .failure("impossible count \(produced) for cap \(cap)") }
        return .success(Array(output.prefix(produced)))
    } catch {
        return .failure("\(error)")
    }
}

private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let selector = data[0]
    let container = Int(selector & 1)
    let cap = caps[Int(selector >> 1) & 7] - (Int(selector >> 4) & 7)
    // libFuzzer's buffer ends exactly at the input's end, so a read past the stream is an AddressSanitizer report;
    // a repaired copy is allocated to its exact size for the same reason.
    var input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    if container == 0 && selector & 0x80 != 0 {
        var bytes = Array(input)
        repairChecksums(&bytes)
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        copy.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
        input = UnsafeRawBufferPointer(copy)
    }
    defer { if input.baseAddress != UnsafeRawPointer(data + 1) { input.deallocate() } }
    let native = decode(nativeDecoders[container], input, cap: cap, fill: 0xA5)
    let reference = decode(referenceDecoders[container], input, cap: cap, fill: 0x5A)
    let fresh = decode(makeDecoder(formats[container], .native), input, cap: cap, fill: 0x3C)
    let name = formats[container].rawValue
    if verbose {
        let line = "\(name) cap \(cap): native \(native.summary); liblzma \(reference.summary)\n"
        _ = Array(line.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
    check(native, against: fresh, "native (reused)", "native (fresh)", name, cap, input)
    switch (native, reference) {
    case (.success(let ours), .success(let theirs)) where ours == theirs: break
    case (.failure, .failure): break
    case (.success, .failure) where container == 0 && usesRISCVFilter(input): break
    default: report(native, reference, "native", "liblzma", name, cap, input)
    }
    return 0
}

private func check(
    _ first: Verdict, against second: Verdict, _ firstName: String, _ secondName: String, _ container: String,
    _ cap: Int, _ input: UnsafeRawBufferPointer
) {
    switch (first, second) {
    case (.success(let a), .success(let b)) where a == b: return
    case (.failure, .failure): return
    default: report(first, second, firstName, secondName, container, cap, input)
    }
}

private func report(
    _ first: Verdict, _ second: Verdict, _ firstName: String, _ secondName: String, _ container: String,
    _ cap: Int, _ input: UnsafeRawBufferPointer
) -> Never {
    var message = "FuzzXZ divergence (\(container), \(input.count) input bytes, output cap \(cap)):\n"
    message += "  \(firstName): \(first.summary)\n  \(secondName): \(second.summary)\n"
    if case .success(let a) = first, case .success(let b) = second {
        let common = zip(a, b).prefix { $0 == $1 }.count
        message += "  first difference at output offset \(common)\n"
    }
    _ = Array(message.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

/// Whether a block of this `.xz` stream declares the RISC-V BCJ filter (id 0x0B), found through the index (the
/// stream footer's backward size, then each record's unpadded size gives the next block header). Any structure that
/// does not parse answers `false`, so only well-formed streams get the exception.
private func usesRISCVFilter(_ stream: UnsafeRawBufferPointer) -> Bool {
    let bytes = Array(stream)
    guard bytes.count >= 32 else { return false }
    let footer = bytes.count - 12
    let stored =
        Int(bytes[footer + 4]) | (Int(bytes[footer + 5]) << 8) | (Int(bytes[footer + 6]) << 16)
        | (Int(bytes[footer + 7]) << 24)
    let backwardSize = (stored + 1) * 4
    let indexStart = footer - backwardSize
    guard indexStart >= 12, bytes[indexStart] == 0 else { return false }
    var cursor = indexStart + 1
    guard let count = readVLI(bytes, &cursor) else { return false }
    var blockStart = 12
    for _ in 0..<min(count, 1 << 16) {
        guard let unpadded = readVLI(bytes, &cursor), readVLI(bytes, &cursor) != nil else { return false }
        guard blockStart < indexStart else { return false }
        if headerDeclaresRISCV(bytes, at: blockStart) { return true }
        guard unpadded <= bytes.count else { return false }
        blockStart += (unpadded + 3) & ~3
    }
    return false
}

/// Whether the block header at `start` lists filter id 0x0B.
private func headerDeclaresRISCV(_ bytes: [UInt8], at start: Int) -> Bool {
    let headerSize = (Int(bytes[start]) + 1) * 4
    guard bytes[start] != 0, start + headerSize <= bytes.count else { return false }
    let flags = bytes[start + 1]
    var cursor = start + 2
    if flags & 0x40 != 0 { guard readVLI(bytes, &cursor) != nil else { return false } }
    if flags & 0x80 != 0 { guard readVLI(bytes, &cursor) != nil else { return false } }
    for _ in 0...Int(flags & 3) {
        guard let id = readVLI(bytes, &cursor), let propertiesSize = readVLI(bytes, &cursor) else { return false }
        if id == 0x0B { return true }
        guard propertiesSize <= headerSize else { return false }
        cursor += propertiesSize
        guard cursor < start + headerSize else { return false }
    }
    return false
}

/// A variable-length integer (7 bits a byte, at most 9 bytes), or `nil` past the end or if too long.
private func readVLI(_ bytes: [UInt8], _ cursor: inout Int) -> Int? {
    var value = 0
    for shift in stride(from: 0, to: 63, by: 7) {
        guard cursor < bytes.count else { return nil }
        let byte = bytes[cursor]
        cursor += 1
        value |= Int(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return value }
    }
    return nil
}

/// Recomputes the stream header CRC32, the CRC32 of each block header that can be found (the first, then each next one
/// while the block header declares its compressed size), the index CRC32 (found through the footer's backward size)
/// and the stream footer CRC32. Whatever does not parse is left as it is.
private func repairChecksums(_ bytes: inout [UInt8]) {
    guard bytes.count >= 12 else { return }
    store(crc32(bytes[6..<8]), in: &bytes, at: 8)
    let checkSizes = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64]
    let checkSize = checkSizes[Int(bytes[7] & 0x0F)]
    var start = 12
    while start < bytes.count, bytes[start] != 0 {
        let headerSize = (Int(bytes[start]) + 1) * 4
        guard start + headerSize <= bytes.count else { break }
        store(crc32(bytes[start..<(start + headerSize - 4)]), in: &bytes, at: start + headerSize - 4)
        guard start + 1 < bytes.count, bytes[start + 1] & 0x40 != 0 else { break }
        var cursor = start + 2
        guard let compressedSize = readVLI(bytes, &cursor), compressedSize < bytes.count else { break }
        start += headerSize + ((compressedSize + 3) & ~3) + checkSize
    }
    guard bytes.count >= 24 else { return }
    let footer = bytes.count - 12
    store(crc32(bytes[(footer + 4)..<(footer + 10)]), in: &bytes, at: footer)
    let stored =
        Int(bytes[footer + 4]) | (Int(bytes[footer + 5]) << 8) | (Int(bytes[footer + 6]) << 16)
        | (Int(bytes[footer + 7]) << 24)
    let indexStart = footer - (stored + 1) * 4
    guard indexStart >= 12, indexStart + 8 <= footer else { return }
    store(crc32(bytes[indexStart..<(footer - 4)]), in: &bytes, at: footer - 4)
}

private func store(_ value: UInt32, in bytes: inout [UInt8], at offset: Int) {
    for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
}

/// CRC32 (IEEE 802.3, reflected), as the xz container uses.
private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = crcTable[Int(UInt8(truncatingIfNeeded: crc) ^ byte)] ^ (crc >> 8) }
    return ~crc
}

private let crcTable: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
}
