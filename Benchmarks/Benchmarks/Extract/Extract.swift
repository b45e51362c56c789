import Benchmark
import BenchmarkSupport
import DecodeBound

/// Full extraction against its decompression lower bound, per image (`$BENCHMARK_TREES`: minbase, and server when
/// asked for; xz and gzip each):
///
/// - `extract <image> Swift`: `SquashFSImage(path:)` + `extract(to:)` with the default options (all online
///   processors) into a fresh directory under `/dev/shm`; only the extraction is measured, the removal of the tree
///   between iterations is not;
/// - `extract <image> bound <decoder>`: every unique data, fragment and metadata block decoded once on all online
///   processors with the C decoder (liblzma for xz; zlib and libdeflate for gzip) and nothing else
///   (``DecodeBound``); the block enumeration is setup, not measured. Its resident memory includes the mapped image.
///
/// Wall clock and CPU time show how close the extraction gets to the decoders; peak resident memory is the
/// process's, benchmark runtime included.
let benchmarks: @Sendable () -> Void = {
    for tree in ImageTree.selected {
        for compression in ImageCompression.allCases {
            let label = tree.label(compression)
            // One iteration: about 1.5 s (minbase xz) to 10 s (server xz) on the 2-core reference machine.
            let slow = tree == .server
            let duration: Duration = .seconds(compression == .xz ? (slow ? 60 : 15) : (slow ? 20 : 5))
            let iterations = compression == .xz ? 5 : 10

            let extraction = ExtractionFixture(name: "extract \(label) Swift", tree: tree, compression: compression)
            Benchmark(
                "extract \(label) Swift",
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
                    timeUnits: .milliseconds,
                    warmupIterations: 1,
                    maxDuration: duration,
                    maxIterations: iterations,
                    setup: { try extraction.setUp() },
                    teardown: { try extraction.removeDestination() }
                )
            ) { benchmark in
                try extraction.prepareDestination()
                benchmark.startMeasurement()
                blackHole(try await extraction.extract())
                benchmark.stopMeasurement()
                try extraction.removeDestination()
            }

            let decoders: [BoundDecoder] = compression == .xz ? [.liblzma] : [.zlib, .libdeflate]
            for decoder in decoders {
                let fixture = BoundFixture(tree: tree, compression: compression)
                Benchmark(
                    "extract \(label) bound \(decoder)",
                    configuration: .init(
                        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
                        timeUnits: .milliseconds,
                        warmupIterations: 1,
                        maxDuration: duration,
                        maxIterations: iterations,
                        setup: { try fixture.setUp() }
                    )
                ) { benchmark in
                    blackHole(try fixture.run(decoder))
                }
            }
        }
    }
}

/// The decompression bound of one image: enumerated in setup, decoded in each iteration.
private final class BoundFixture: @unchecked Sendable {
    private let tree: ImageTree
    private let compression: ImageCompression
    private var bound: DecodeBound?

    init(tree: ImageTree, compression: ImageCompression) {
        self.tree = tree
        self.compression = compression
    }

    func setUp() throws {
        bound = try DecodeBound(imageAt: try BenchmarkImages.path(for: compression, tree: tree))
    }

    func run(_ decoder: BoundDecoder) throws -> DecodeBoundResult {
        guard let bound else { throw ReaderMismatch("decode bound: run() before setUp()") }
        return try bound.run(decoder: decoder, threads: DecodeBound.onlineProcessors)
    }
}
