import Foundation
import Glibc
import Testing

/// A scratch directory for the checksum tests, made with `mkdtemp` and removed with everything in it.
struct ChecksumScratch: Sendable {
    let path: String

    init() throws {
        var template = Array("\(FileManager.default.temporaryDirectory.path)/checksum-tests-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard created else { throw CocoaError(.fileWriteUnknown) }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `bytes` to `name` in the directory and returns the file's path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

enum ChecksumTools {
    /// Deterministic bytes (a 64-bit LCG), so that files are the same on every run.
    static func pseudoRandom(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        return bytes
    }

    /// The hexadecimal digest `tool` (`sha256sum`, `sha512sum`, `md5sum`) prints for `path`.
    static func coreutilsDigest(_ tool: String, _ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        process.arguments = ["--", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let digest = String(decoding: output, as: UTF8.self).split(separator: " ").first
        else { throw CocoaError(.fileReadUnknown) }
        return String(digest)
    }
}

/// An asynchronous sequence of `chunkCount` chunks of `chunkSize` bytes that counts how many chunks were taken.
struct CountingChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let chunkSize: Int
    let chunkCount: Int
    let produced: ProducedCounter

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunkSize: Int
        let chunkCount: Int
        let produced: ProducedCounter
        var index = 0

        mutating func next() async -> [UInt8]? {
            guard index < chunkCount else { return nil }
            index += 1
            produced.increment()
            return [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: chunkSize)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunkSize: chunkSize, chunkCount: chunkCount, produced: produced)
    }
}

/// A counter shared between a test and the sequence it reads.
final class ProducedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
