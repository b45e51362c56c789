// decode-bound: the decompression lower bound of extracting a squashfs image.
//
//     swift run -c release decode-bound IMAGE [--decoder liblzma|zlib|libdeflate]... [--threads N] [--rounds R]
//
// Enumerates every unique data, fragment and metadata block of IMAGE (through libsquashfs), then decodes all of them
// once per round on N threads (default: the online processors) with each decoder (default: every decoder for the
// image's compressor: liblzma for xz, zlib and libdeflate for gzip), into per-thread one-block buffers, and prints
// one line per round:
//
//     bound decoder=liblzma threads=2 round=1 seconds=1.234567 blocks=1146 in_bytes=... out_bytes=... mib_per_s=...
//
// `seconds` is the decode phase alone (enumeration and mapping excluded), the number the comparison script uses.

import DecodeBound
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("decode-bound: \(message)\n".utf8))
    exit(2)
}

var arguments = CommandLine.arguments.dropFirst()
var imagePath: String?
var decoders: [BoundDecoder] = []
var threads = DecodeBound.onlineProcessors
var rounds = 1
while let argument = arguments.popFirst() {
    switch argument {
    case "--decoder":
        guard let name = arguments.popFirst(), let decoder = BoundDecoder(rawValue: name) else {
            fail("--decoder takes one of \(BoundDecoder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        decoders.append(decoder)
    case "--threads":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else { fail("--threads takes N > 0") }
        threads = value
    case "--rounds":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else { fail("--rounds takes R > 0") }
        rounds = value
    case "-h", "--help":
        print("usage: decode-bound IMAGE [--decoder liblzma|zlib|libdeflate]... [--threads N] [--rounds R]")
        exit(0)
    default:
        guard imagePath == nil, !argument.hasPrefix("-") else { fail("unexpected argument \(argument)") }
        imagePath = argument
    }
}
guard let imagePath else { fail("usage: decode-bound IMAGE [--decoder NAME]... [--threads N] [--rounds R]") }

do {
    let clock = ContinuousClock()
    let started = clock.now
    let bound = try DecodeBound(imageAt: imagePath)
    let enumerated = clock.now - started
    let inventory = bound.inventory
    if decoders.isEmpty { decoders = BoundDecoder.decoders(forCompressor: inventory.compressorID) }
    if decoders.isEmpty { fail("no decoder for \(inventory.compressorName) images") }
    print(
        "image \(imagePath) compressor=\(inventory.compressorName) block_size=\(inventory.blockSize) "
            + "blocks=\(inventory.blocks.count) data=\(inventory.count(of: .data)) "
            + "fragment=\(inventory.count(of: .fragment)) metadata=\(inventory.count(of: .metadata)) "
            + "stored_bytes=\(inventory.storedBytes) enumerate_seconds=\(seconds(enumerated))")
    for round in 1...rounds {
        for decoder in decoders {
            let result = try bound.run(decoder: decoder, threads: threads)
            let (whole, fraction) = result.wallClock.components
            let throughput = Double(result.outputBytes) / 1_048_576 / (Double(whole) + Double(fraction) * 1e-18)
            print(
                "bound decoder=\(decoder) threads=\(result.threads) round=\(round) "
                    + "seconds=\(seconds(result.wallClock)) blocks=\(result.blocks) in_bytes=\(result.inputBytes) "
                    + "out_bytes=\(result.outputBytes) mib_per_s=\(String(format: "%.1f", throughput))")
        }
    }
} catch {
    fail("\(error)")
}

func seconds(_ duration: Duration) -> String {
    let (whole, fraction) = duration.components
    return String(format: "%.6f", Double(whole) + Double(fraction) * 1e-18)
}
