import Benchmark
import BenchmarkSupport

/// Walking a whole image with every inode's metadata: the Swift `TreeWalker` against libsquashfs's
/// `sqfs_dir_reader_get_full_hierarchy`, on the xz and the gzip image, each iteration opening the image afresh so
/// that neither reader's caches carry over.
let benchmarks: @Sendable () -> Void = {
    for compression in ImageCompression.allCases {
        for reader in Reader.allCases {
            let name = "walk \(compression) \(reader)"
            let fixture = CrossCheckedWorkload(name: name, reader: reader, compression: compression) {
                try $0.walk(imageAt: $1)
            }
            Benchmark(
                name,
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
                    timeUnits: .microseconds,
                    warmupIterations: 2,
                    maxDuration: .seconds(3),
                    maxIterations: 200,
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
