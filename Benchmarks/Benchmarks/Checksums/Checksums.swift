import Benchmark
import ChecksumSupport
import Verification

/// Checksums at hash speed: SHA-256 (and SHA-512, MD5) of a 1 GiB file through ``ContentVerifier`` and
/// ``ContentDigest``, SHA-256 of 256 MiB already in memory (the hash alone, no reads), and eight 256 MiB files
/// verified in parallel (``ContentVerifier/verifyFiles``) against the same eight one after the other. The inputs
/// are generated once in `$BENCHMARK_DATA_DIR/checksums` and are in the page cache after the first iteration.
/// `compare-checksums.sh` puts the command-line tool next to `openssl dgst -sha256` and `sha256sum`.
let benchmarks: @Sendable () -> Void = {
    let fileConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(15),
        maxIterations: 7,
        setup: { try ChecksumInputs.warm([ChecksumInputs.large()]) }
    )

    Benchmark("verify sha256 1GiB file", configuration: fileConfiguration) { benchmark in
        let input = try ChecksumInputs.large()
        let expected = try input.expected
        for _ in benchmark.scaledIterations {
            blackHole(try ContentVerifier.verify(fileAtPath: input.path, expected: expected))
        }
    }

    for algorithm in [DigestAlgorithm.sha512, .md5] {
        Benchmark("digest \(algorithm.rawValue) 1GiB file", configuration: fileConfiguration) { benchmark in
            let input = try ChecksumInputs.large()
            for _ in benchmark.scaledIterations {
                blackHole(try ContentDigest.compute(algorithm, ofFileAtPath: input.path))
            }
        }
    }

    Benchmark(
        "digest sha256 256MiB memory",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal, .throughput],
            timeUnits: .milliseconds,
            warmupIterations: 1,
            maxDuration: .seconds(10),
            maxIterations: 10
        )
    ) { benchmark in
        let bytes = [UInt8](repeating: 0x5a, count: 256 << 20)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(ContentDigest.compute(.sha256, of: bytes))
        }
    }

    let partsConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 5,
        setup: { try ChecksumInputs.warm(ChecksumInputs.parts()) }
    )

    Benchmark("verify 8x256MiB parallel", configuration: partsConfiguration) { benchmark in
        let files = try ChecksumInputs.parts().map { FileToVerify(path: $0.path, expected: try $0.expected) }
        for _ in benchmark.scaledIterations {
            blackHole(try await ContentVerifier.verifyFiles(files))
        }
    }

    Benchmark("verify 8x256MiB serial", configuration: partsConfiguration) { benchmark in
        let files = try ChecksumInputs.parts().map { FileToVerify(path: $0.path, expected: try $0.expected) }
        for _ in benchmark.scaledIterations {
            for file in files {
                blackHole(try ContentVerifier.verify(fileAtPath: file.path, expected: file.expected))
            }
        }
    }
}
