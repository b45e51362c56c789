import SquashFS
import Testing

/// A 5 GiB sparse file (made quickly with `tar -S` and tar2sqfs, which write sparse blocks without reading zeros):
/// sizes and offsets above 4 GiB in extended inodes, data on both sides of the 4 GiB boundary.
@Suite("Files larger than 4 GiB")
struct LargeFileTests {
    static let size = 5 << 30
    /// Data written into the hole: across the 4 GiB boundary, just after it, and at the very end.
    static let extents: [(offset: Int, bytes: [UInt8])] = [
        ((4 << 30) - 2, Array("WORLD".utf8)), ((4 << 30) + 100, Array("HELLO".utf8)), (size - 3, Array("END".utf8)),
    ]

    @Test("reads at and beyond 4 GiB")
    func beyondFourGiB() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory.appending("source")
            try POSIX.makeDirectory(Array(source.utf8))
            try POSIX.writeFile(Array((source + "/big").utf8), size: Self.size, extents: Self.extents)
            let archive = directory.appending("big.tar")
            try await ProcessRunner.run("tar", ["-S", "--format=posix", "-C", source, "-cf", archive, "big"])
            let path = directory.appending("big.sqfs")
            try await ProcessRunner.run(
                "tar2sqfs", ["-q", "-f", "-c", "gzip", "-b", "1048576", path], standardInput: archive)

            let image = try SquashFSImage(path: path)
            let inode = try image.inode(at: "/big")
            #expect(inode.size == UInt64(Self.size))
            #expect(inode.isExtended)
            let reader = try image.fileReader(for: inode)
            for (offset, bytes) in Self.extents {
                #expect(try reader.read(at: UInt64(offset), count: bytes.count) == bytes, "at \(offset)")
                let around = try reader.read(at: UInt64(offset - 10), count: bytes.count + 20)
                let expected = [UInt8](repeating: 0, count: 10) + bytes + [UInt8](repeating: 0, count: 10)
                #expect(around == Array(expected.prefix(around.count)), "around \(offset)")
            }
            #expect(try reader.read(at: UInt64(Self.size - 1), count: 100) == Array("D".utf8))
            #expect(try reader.read(at: UInt64(Self.size), count: 100).isEmpty)
            #expect(try reader.read(at: 3 << 30, count: 4096) == [UInt8](repeating: 0, count: 4096))
            do throws(SquashFSError) {
                _ = try reader.readAll(maximumSize: 1 << 30)
                Issue.record("a 5 GiB file passed a 1 GiB limit")
            } catch {
                #expect(error.code == .limitExceeded)
            }
            do throws(SquashFSError) {
                _ = try image.contentsOfFile(at: "/big")
                Issue.record("a 5 GiB file was read whole with the default limit")
            } catch {
                #expect(error.code == .limitExceeded)
            }
            let listing = try await UnsquashfsListing.list(path)
            #expect(listing.first { $0.path == "/big" }?.sizeField == .size(UInt64(Self.size)))
        }
    }
}
