import Foundation
import Glibc
import SimpleStreams
import TestSupport
import Testing

/// Issue 16, defect 7: a FIFO given as a local document blocked `LocalStreamSource` in `open()`. Documents are now
/// opened without blocking, and anything but a regular file is refused at once with an error naming it.
@Suite("Local sources: regular files only")
struct LocalSourceFileKindTests {
    static func failure(_ source: LocalStreamSource, _ path: String, maximumSize: Int = 1 << 20) async
        -> SimpleStreamsError?
    {
        do {
            _ = try await source.read(path, maximumSize: maximumSize)
            return nil
        } catch {
            return error
        }
    }

    @Test("a FIFO, a device (through a link in the mirror) and a directory are refused at once; size and absence")
    func kinds() async throws {
        let scratch = try ScratchDirectory(prefix: "local-source-kinds")
        defer { scratch.remove() }
        try FileManager.default.createDirectory(
            atPath: scratch.path + "/streams/v1/dir.json", withIntermediateDirectories: true)
        #expect(mkfifo(scratch.path + "/streams/v1/index.json", 0o600) == 0)
        #expect(symlink("/dev/zero", scratch.path + "/streams/v1/zero.json") == 0)
        try scratch.write(String(repeating: "x", count: 100), to: "streams/v1/big.json")
        try scratch.write("{}", to: "streams/v1/small.json")
        let source = try LocalStreamSource(scratch.path)
        for (name, kind) in [("index.json", "a FIFO"), ("zero.json", "a device"), ("dir.json", "a directory")] {
            let error = await Self.failure(source, "streams/v1/" + name)
            #expect(error?.code == .io, "\(name): \(String(describing: error))")
            #expect(error?.message == "\(scratch.path)/streams/v1/\(name) is \(kind), not a regular file")
        }
        let large = await Self.failure(source, "streams/v1/big.json", maximumSize: 99)
        #expect(large?.code == .limitExceeded)
        #expect(await Self.failure(source, "streams/v1/missing.json")?.code == .notFound)
        #expect(try await source.read("streams/v1/small.json", maximumSize: 2) == Array("{}".utf8))
    }
}
