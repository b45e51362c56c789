import Benchmark
import StreamsSupport

/// Products documents at MAAS scale: a generated `com.ubuntu.maas:stable:v3:download` document of 50,000 items
/// (``GeneratedStream``; written once to `$BENCHMARK_DATA_DIR/streams`) parsed by Foundation's `JSONSerialization`
/// (the baseline), by `JSONValue(parsing:)` alone, parsed and flattened with every item's attributes materialised,
/// and parsed and queried (`arch=amd64`, `release~^(jammy|noble)$`, `ftype=squashfs`, newest 2 versions). The bytes
/// are read before the measurement; throughput is documents per second. `compare-streams.sh` puts the same work,
/// one process per run, next to jq and python-simplestreams' algorithm in Python.
let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 15,
        setup: { _ = try StreamInputs.products() }
    )

    func input() throws -> [UInt8] {
        try StreamInputs.readBytes(atPath: StreamInputs.products().path)
    }

    Benchmark("JSONSerialization 50k items", configuration: configuration) { benchmark in
        let bytes = try input()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try StreamWorkloads.rawParse(bytes))
        }
    }

    Benchmark("JSONValue parse 50k items", configuration: configuration) { benchmark in
        let bytes = try input()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try StreamWorkloads.parse(bytes))
        }
    }

    Benchmark("parse + flatten + attributes 50k items", configuration: configuration) { benchmark in
        let bytes = try input()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try StreamWorkloads.flattenAll(bytes))
        }
    }

    Benchmark("parse + query 50k items", configuration: configuration) { benchmark in
        let bytes = try input()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try StreamWorkloads.query(bytes))
        }
    }
}
