// verify-files: the parallel verification benchmark of compare-checksums.sh, and the input generator.
//
//     verify-files prepare              # generate the inputs once; print "label size sha256 path" per file
//     verify-files compare [--rounds R] [--jobs N]
//
// `compare` verifies the eight 256 MiB inputs, R rounds (default 5), each round in both modes in rotating order:
// serially (one `ContentVerifier.verify(fileAtPath:)` after the other, each timed) and in parallel
// (`ContentVerifier.verifyFiles`, N at a time, default one per online processor). One line per round:
//
//     round=1 order=serial-first serial_sum=1.234567 parallel=0.654321 speedup=1.887
//
// then the medians. The inputs are read once first, so that every timed run finds them in the page cache.

import ChecksumSupport
import Foundation
import Verification

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("verify-files: \(message)\n".utf8))
    exit(2)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

var arguments = CommandLine.arguments.dropFirst()
guard let mode = arguments.popFirst() else { fail("usage: verify-files prepare | compare [--rounds R] [--jobs N]") }
var rounds = 5
var jobs: Int?
while let argument = arguments.popFirst() {
    switch argument {
    case "--rounds":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else { fail("--rounds takes R > 0") }
        rounds = value
    case "--jobs":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else { fail("--jobs takes N > 0") }
        jobs = value
    default:
        fail("unexpected argument \(argument)")
    }
}

do {
    switch mode {
    case "prepare":
        let large = try ChecksumInputs.large()
        print("large \(large.size) \(large.sha256) \(large.path)")
        for (index, part) in try ChecksumInputs.parts().enumerated() {
            print("part\(index) \(part.size) \(part.sha256) \(part.path)")
        }
    case "compare":
        let parts = try ChecksumInputs.parts()
        try ChecksumInputs.warm(parts)
        let files = try parts.map { FileToVerify(path: $0.path, expected: try $0.expected) }
        var serialSums: [Double] = []
        var parallels: [Double] = []
        var speedups: [Double] = []
        for round in 1...rounds {
            let serialFirst = round % 2 == 1
            var serialSum = 0.0
            var parallel = 0.0
            for step in 0..<2 {
                if (step == 0) == serialFirst {
                    for file in files {
                        let start = now()
                        _ = try ContentVerifier.verify(fileAtPath: file.path, expected: file.expected)
                        serialSum += now() - start
                    }
                } else {
                    let start = now()
                    _ = try await ContentVerifier.verifyFiles(files, maximumConcurrency: jobs)
                    parallel = now() - start
                }
            }
            serialSums.append(serialSum)
            parallels.append(parallel)
            speedups.append(serialSum / parallel)
            print(
                "round=\(round) order=\(serialFirst ? "serial-first" : "parallel-first") "
                    + "serial_sum=\(String(format: "%.6f", serialSum)) parallel=\(String(format: "%.6f", parallel)) "
                    + "speedup=\(String(format: "%.3f", serialSum / parallel))")
        }
        print(
            "median serial_sum=\(String(format: "%.6f", median(serialSums))) "
                + "parallel=\(String(format: "%.6f", median(parallels))) "
                + "speedup=\(String(format: "%.3f", median(serialSums) / median(parallels))) "
                + "paired_speedup=\(String(format: "%.3f", median(speedups))) "
                + "jobs=\(jobs.map(String.init) ?? "all") cpus=\(sysconf(Int32(_SC_NPROCESSORS_ONLN)))")
    default:
        fail("unknown mode \(mode); use prepare or compare")
    }
} catch {
    fail("\(error)")
}
