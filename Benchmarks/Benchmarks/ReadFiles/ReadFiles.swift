import Benchmark
import BenchmarkSupport

/// Reading every regular file's bytes in-process on one thread: Swift `FileReader.readAll()` for each file the walk
/// finds against libsquashfs's `sqfs_data_reader_read` over the full hierarchy, on the xz and the gzip image. Each
/// iteration opens the image afresh; hard-linked files are read once on both sides.
let benchmarks: @Sendable () -> Void = {
    for compression in ImageCompression.allCases {
        for reader in Reader.allCases {
            let name = "read \(compression) \(reader)"
            let fixture = CrossCheckedWorkload(name: name, reader: reader, compression: compression) {
                try $0.readAllFiles(imageAt: $1)
            }
            // One iteration is about 2.5 s (xz) or 0.5 s (gzip) on the 2-core reference machine.
            Benchmark(
                name,
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
                    timeUnits: .milliseconds,
                    warmupIterations: 1,
                    maxDuration: .seconds(compression == .xz ? 12 : 5),
                    maxIterations: compression == .xz ? 5 : 10,
                    setup: { try fixture.setUp() }
                )
            ) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try fixture.run())
                }
            }
        }
    }
}
