import Foundation
public import Verification

#if canImport(Glibc)
    import Glibc
#endif

/// The checksum benchmarks' input files, generated once in `$BENCHMARK_DATA_DIR/checksums` (default
/// `/tmp/swift-maas-images-bench/checksums`) and reused: one 1 GiB file and eight 256 MiB files of pseudo-random
/// bytes, each with a `NAME.sha256` file in `sha256sum` format next to it (so `sha256sum -c` can check them).
public enum ChecksumInputs {
    /// One input file: its path, size and SHA-256 digest.
    public struct Input: Sendable {
        /// The file's absolute path.
        public var path: String
        /// Its size in bytes.
        public var size: Int
        /// Its SHA-256 digest, lower-case hexadecimal.
        public var sha256: String

        /// What a verification of this file expects: size and SHA-256.
        public var expected: ExpectedContent {
            get throws { try ExpectedContent(size: size, sha256: sha256) }
        }
    }

    /// `$BENCHMARK_DATA_DIR/checksums`.
    public static var directory: String {
        let base = ProcessInfo.processInfo.environment["BENCHMARK_DATA_DIR"] ?? "/tmp/swift-maas-images-bench"
        return base + "/checksums"
    }

    /// The 1 GiB file.
    public static func large() throws -> Input {
        try ensure(name: "random-1GiB.bin", size: 1 << 30, seed: 1)
    }

    /// The eight 256 MiB files.
    public static func parts() throws -> [Input] {
        try (0..<8).map { try ensure(name: "part-\($0)-256MiB.bin", size: 256 << 20, seed: 100 + UInt64($0)) }
    }

    /// Reads every byte of `inputs` once, so that the timed runs find them in the page cache.
    public static func warm(_ inputs: [Input]) throws {
        for input in inputs { _ = try ContentDigest.compute(.md5, ofFileAtPath: input.path) }
    }

    private static func ensure(name: String, size: Int, seed: UInt64) throws -> Input {
        let path = directory + "/" + name
        let sidecar = path + ".sha256"
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.size] as? NSNumber)?.intValue == size,
            let line = try? String(contentsOfFile: sidecar, encoding: .utf8),
            let digest = line.split(separator: " ").first, digest.count == 64
        {
            return Input(path: path, size: size, sha256: String(digest))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try generate(path: path, size: size, seed: seed)
        let digest = try ContentDigest.compute(.sha256, ofFileAtPath: path).hex
        try "\(digest)  \(path)\n".write(toFile: sidecar, atomically: true, encoding: .utf8)
        return Input(path: path, size: size, sha256: digest)
    }

    /// Writes `size` pseudo-random bytes (xorshift64*) to a temporary name, then renames it to `path`.
    private static func generate(path: String, size: Int, seed: UInt64) throws {
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ChecksumInputError("cannot create \(temporary): errno \(errno)") }
        defer { close(descriptor) }
        // A distinct, non-zero start for every seed.
        var state = (seed &+ 1) &* 0x9E37_79B9_7F4A_7C15 | 1
        var words = [UInt64](repeating: 0, count: 1 << 19)  // 4 MiB
        var remaining = size
        while remaining > 0 {
            for index in words.indices {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                words[index] = state &* 0x2545_F491_4F6C_DD1D
            }
            let count = min(remaining, words.count * 8)
            var written = 0
            while written < count {
                let result = words.withUnsafeBytes {
                    write(descriptor, $0.baseAddress.map { $0 + written }, count - written)
                }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw ChecksumInputError("cannot write \(temporary): errno \(errno)") }
                written += result
            }
            remaining -= count
        }
        guard rename(temporary, path) == 0 else {
            throw ChecksumInputError("cannot rename \(temporary): errno \(errno)")
        }
    }
}

/// A failure while preparing the inputs.
public struct ChecksumInputError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}
