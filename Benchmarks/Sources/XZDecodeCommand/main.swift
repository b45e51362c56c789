// xz-decode: the native Swift xz/lzma decoder against liblzma on the blocks of a squashfs image, decode only, on one
// thread.
//
//     swift run -c release xz-decode IMAGE [--engine native|liblzma|native-lzma2]... [--rounds R]
//                                          [--sample-mib N] [--kind data|fragment|metadata]... [--no-verify]
//
// Enumerates every unique data, fragment and metadata block of IMAGE (`BlockInventory`, through libsquashfs, as
// `decode-bound`), reads the image into memory, and keeps the compressed blocks (uncompressed ones are not decoded
// and not counted). `--sample-mib N` keeps every k-th block instead, k chosen so that about N MiB of output remain,
// spread over the whole image; `--kind` keeps only blocks of those kinds. The engines (default: native and liblzma)
// are `SPIBlockDecoder`'s, the reader's own decoders; `native-lzma2` is the native LZMA2 decoder alone, the xz
// container skipped (no BCJ, no integrity check), to tell the decoder's cost from the container's. Then:
//
//  1. unless `--no-verify`, every kept block is decoded by each engine other than liblzma (native when only
//     liblzma is measured) and by liblzma and the bytes compared (a difference or a failure exits 1);
//  2. `R` rounds (default 3; 0: verify only), each decoding every kept block once per engine into one reused block
//     buffer, with one reused decoder per engine, the engines' order reversed every other round. One line per pass:
//
//     decode engine=native round=1 seconds=1.234567 cpu_seconds=1.200000 blocks=8496 out_bytes=941...
//         mib_per_s=72.7 cpu_mib_per_s=74.8
//
//  3. the median MiB/s of each engine and, per engine other than liblzma, the ratio of its throughput to liblzma's
//     (above 1: faster than liblzma), of the medians and the median of the per-round ratios (paired), by wall time
//     and by the thread's CPU time (`cpu_`: CLOCK_THREAD_CPUTIME_ID, which does not count the time other processes
//     hold the core, the steadier figure on a busy machine):
//
//     ratio native/liblzma medians=1.412 paired=1.405 cpu_medians=1.398 cpu_paired=1.401 rounds=3 (throughput; ...)
//
// The decode passes run in the function `xzDecodePass` (never inlined), so that callgrind can count them alone
// (`valgrind --tool=callgrind '--toggle-collect=*xzDecodePass*'`, see callgrind-xz.sh).

import DecodeBound
import Foundation
@_spi(Benchmarks) import SquashFS

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("xz-decode: \(message)\n".utf8))
    exit(status)
}

let usage =
    "usage: xz-decode IMAGE [--engine native|liblzma|native-lzma2]... [--rounds R] [--sample-mib N] "
    + "[--kind data|fragment|metadata]... [--no-verify]"

var arguments = CommandLine.arguments.dropFirst()
var imagePath: String?
var engines: [SPIBlockDecoder.Engine] = []
var rounds = 3
var sampleMiB: Int?
var kinds: Set<ImageBlock.Kind> = []
var verify = true
while let argument = arguments.popFirst() {
    switch argument {
    case "--engine":
        guard let name = arguments.popFirst(), let engine = SPIBlockDecoder.Engine(rawValue: name) else {
            fail("--engine takes native, liblzma or native-lzma2")
        }
        if !engines.contains(engine) { engines.append(engine) }
    case "--rounds":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value >= 0 else { fail("--rounds takes R >= 0") }
        rounds = value
    case "--sample-mib":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else {
            fail("--sample-mib takes N > 0")
        }
        sampleMiB = value
    case "--kind":
        switch arguments.popFirst() {
        case "data": kinds.insert(.data)
        case "fragment": kinds.insert(.fragment)
        case "metadata": kinds.insert(.metadata)
        default: fail("--kind takes data, fragment or metadata")
        }
    case "--no-verify":
        verify = false
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        guard imagePath == nil, !argument.hasPrefix("-") else { fail("unexpected argument \(argument)\n\(usage)") }
        imagePath = argument
    }
}
guard let imagePath else { fail(usage) }
if engines.isEmpty { engines = [.native, .liblzma] }

/// The kept blocks: their stored bytes inside `image`, and the most each decodes to.
struct Workload {
    var image: UnsafeRawBufferPointer
    var offsets: [Int]
    var sizes: [Int]
    var capacity: Int
}

/// One pass's state.
final class Pass {
    let workload: Workload
    let decoder: SPIBlockDecoder
    let output: UnsafeMutableRawBufferPointer
    var produced = 0
    var failure: String?

    init(workload: Workload, decoder: SPIBlockDecoder, output: UnsafeMutableRawBufferPointer) {
        self.workload = workload
        self.decoder = decoder
        self.output = output
    }
}

/// Decodes every block of the pass once; what callgrind counts (`--toggle-collect=*xzDecodePass*`).
@inline(never)
func xzDecodePass(_ pass: Pass) {
    let workload = pass.workload
    var total = 0
    for index in workload.offsets.indices {
        let input = UnsafeRawBufferPointer(
            rebasing: workload.image[workload.offsets[index]..<(workload.offsets[index] + workload.sizes[index])])
        do {
            total += try pass.decoder.decode(input, into: pass.output)
        } catch {
            pass.failure = "block at \(workload.offsets[index]): \(error)"
            return
        }
    }
    pass.produced = total
}

/// The CPU time this thread has used, in seconds: unlike wall time, it does not count the time other processes of a
/// busy machine hold the core.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) * 1e-18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

do {
    let inventory = try BlockInventory(imageAt: imagePath)
    let format: SPIBlockDecoder.Format
    switch inventory.compressorID {
    case 4: format = .xz
    case 2: format = .lzmaAlone
    default: fail("\(imagePath) is a \(inventory.compressorName) image, not xz or lzma")
    }

    // The whole image in memory, so that the passes measure decoding and not page faults.
    let descriptor = open(imagePath, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { fail("cannot open \(imagePath): errno \(errno)") }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { fail("cannot stat \(imagePath)") }
    let image = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, Int(status.st_size)), alignment: 64)
    var filled = 0
    while filled < Int(status.st_size) {
        let count = pread(descriptor, image.baseAddress! + filled, Int(status.st_size) - filled, off_t(filled))
        guard count > 0 else { fail("cannot read \(imagePath): errno \(errno)") }
        filled += count
    }
    close(descriptor)

    var chosen = inventory.blocks.filter { $0.isCompressed && (kinds.isEmpty || kinds.contains($0.kind)) }
    let skipped = inventory.blocks.count { !$0.isCompressed }
    if let sampleMiB {
        let capacity = chosen.reduce(0) { $0 + $1.decodedCapacity }
        let stride = max(1, (capacity + (sampleMiB << 20) - 1) / (sampleMiB << 20))
        chosen = chosen.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
    }
    guard !chosen.isEmpty else { fail("no compressed block to decode") }
    for block in chosen where Int(block.offset) + block.storedSize > filled {
        fail("a block lies past the end of \(imagePath)")
    }
    let workload = Workload(
        image: UnsafeRawBufferPointer(image), offsets: chosen.map { Int($0.offset) }, sizes: chosen.map(\.storedSize),
        capacity: max(inventory.blockSize, 8192))
    print(
        "image \(imagePath) compressor=\(inventory.compressorName) block_size=\(inventory.blockSize) "
            + "blocks=\(chosen.count) data=\(chosen.count { $0.kind == .data }) "
            + "fragment=\(chosen.count { $0.kind == .fragment }) metadata=\(chosen.count { $0.kind == .metadata }) "
            + "uncompressed_skipped=\(skipped) stored_bytes=\(chosen.reduce(0) { $0 + $1.storedSize })"
            + (sampleMiB.map { " sample_mib=\($0)" } ?? ""))

    var decoders: [SPIBlockDecoder.Engine: SPIBlockDecoder] = [:]
    for engine in engines { decoders[engine] = try SPIBlockDecoder(format: format, engine: engine) }

    if verify {
        // Every engine other than liblzma (native when only liblzma is measured) against liblzma.
        let checked = engines.contains { $0 != .liblzma } ? engines.filter { $0 != .liblzma } : [.native]
        let reference = try SPIBlockDecoder(format: format, engine: .liblzma)
        let left = UnsafeMutableRawBufferPointer.allocate(byteCount: workload.capacity, alignment: 64)
        let right = UnsafeMutableRawBufferPointer.allocate(byteCount: workload.capacity, alignment: 64)
        for engine in checked {
            let candidate = try SPIBlockDecoder(format: format, engine: engine)
            var total = 0
            for index in workload.offsets.indices {
                let input = UnsafeRawBufferPointer(
                    rebasing: workload.image[
                        workload.offsets[index]..<(workload.offsets[index] + workload.sizes[index])])
                let expected: Int
                do { expected = try reference.decode(input, into: right) } catch {
                    fail("liblzma: block at \(workload.offsets[index]): \(error)", status: 1)
                }
                let count: Int
                do { count = try candidate.decode(input, into: left) } catch {
                    fail(
                        "\(engine.rawValue): block at \(workload.offsets[index]) (liblzma decodes it): \(error)",
                        status: 1)
                }
                guard count == expected, memcmp(left.baseAddress!, right.baseAddress!, count) == 0 else {
                    fail("\(engine.rawValue) and liblzma differ on the block at \(workload.offsets[index])", status: 1)
                }
                total += count
            }
            print(
                "verify engine=\(engine.rawValue) identical_to=liblzma blocks=\(workload.offsets.count) "
                    + "out_bytes=\(total)")
        }
        left.deallocate()
        right.deallocate()
    }

    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: workload.capacity, alignment: 64)
    let clock = ContinuousClock()
    var throughput: [SPIBlockDecoder.Engine: [Double]] = [:]
    var cpuThroughput: [SPIBlockDecoder.Engine: [Double]] = [:]
    for round in stride(from: 1, through: rounds, by: 1) {
        let order = round % 2 == 1 ? engines : engines.reversed()
        for engine in order {
            guard let decoder = decoders[engine] else { continue }
            let pass = Pass(workload: workload, decoder: decoder, output: output)
            let start = clock.now
            let cpuStart = threadCPUSeconds()
            xzDecodePass(pass)
            let cpu = threadCPUSeconds() - cpuStart
            let elapsed = seconds(clock.now - start)
            if let failure = pass.failure { fail("\(engine.rawValue): \(failure)", status: 1) }
            let mibPerSecond = Double(pass.produced) / 1_048_576 / elapsed
            let cpuMiBPerSecond = Double(pass.produced) / 1_048_576 / cpu
            throughput[engine, default: []].append(mibPerSecond)
            cpuThroughput[engine, default: []].append(cpuMiBPerSecond)
            print(
                "decode engine=\(engine.rawValue) round=\(round) seconds=\(String(format: "%.6f", elapsed)) "
                    + "cpu_seconds=\(String(format: "%.6f", cpu)) blocks=\(workload.offsets.count) "
                    + "out_bytes=\(pass.produced) mib_per_s=\(String(format: "%.1f", mibPerSecond)) "
                    + "cpu_mib_per_s=\(String(format: "%.1f", cpuMiBPerSecond))")
        }
    }
    func threeDecimals(_ value: Double) -> String { String(format: "%.3f", value) }
    for engine in engines where rounds > 0 {
        print(
            "median engine=\(engine.rawValue) mib_per_s=\(String(format: "%.1f", median(throughput[engine] ?? []))) "
                + "cpu_mib_per_s=\(String(format: "%.1f", median(cpuThroughput[engine] ?? [])))")
    }
    for engine in engines where engine != .liblzma && rounds > 0 {
        guard let candidate = throughput[engine], let reference = throughput[.liblzma],
            let cpuCandidate = cpuThroughput[engine], let cpuReference = cpuThroughput[.liblzma]
        else { continue }
        let wallMedians = threeDecimals(median(candidate) / median(reference))
        let wallPaired = threeDecimals(median(zip(candidate, reference).map { $0 / $1 }))
        let cpuMedians = threeDecimals(median(cpuCandidate) / median(cpuReference))
        let cpuPaired = threeDecimals(median(zip(cpuCandidate, cpuReference).map { $0 / $1 }))
        let name = engine.rawValue
        print(
            "ratio \(name)/liblzma medians=\(wallMedians) paired=\(wallPaired) cpu_medians=\(cpuMedians) "
                + "cpu_paired=\(cpuPaired) rounds=\(rounds) (throughput; above 1: \(name) is faster)")
    }
} catch {
    fail("\(error)")
}
