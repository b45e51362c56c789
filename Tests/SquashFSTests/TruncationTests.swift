import SquashFS
import Testing

extension HostileImageTests {
    /// Images cut short at every length below 200 bytes and at a stride over the rest, as they are and with
    /// `bytes_used` patched to the new length (so that the superblock check passes and the tables are cut instead).
    @Suite("Truncated images")
    struct TruncationTests {
        /// The lengths tried for an image of `count` bytes.
        static func lengths(_ count: Int) -> [Int] {
            Array(0..<min(200, count)) + Array(stride(from: 200, to: count, by: 61))
        }

        @Test(
            "every truncation fails cleanly",
            arguments: SmallImageFixture.imageOptions.map(\.name))
        func truncations(_ name: String) throws {
            let fixture = try SmallImageFixture.require()
            let original = try fixture.image(name)
            let bytesUsed = Int(original.le64(SuperblockOffset.bytesUsed))
            let scratch = try ScratchImageFile(path: fixture.directory.appending("truncated-\(name).sqfs"))
            var opened = 0
            for length in Self.lengths(original.count) {
                let cut = Array(original.prefix(length))
                let outcome = try scratch.exercise(cut)
                #expect(outcome.foreignErrors.isEmpty, "length \(length): \(outcome.foreignErrors)")
                if outcome.opened {
                    opened += 1
                    #expect(length >= bytesUsed, "a cut below bytes_used (\(length) < \(bytesUsed)) opened")
                }
                guard length >= 96, length < bytesUsed else { continue }
                var patched = cut
                patched.setLE64(SuperblockOffset.bytesUsed, UInt64(length))
                let patchedOutcome = try scratch.exercise(patched)
                #expect(
                    patchedOutcome.foreignErrors.isEmpty, "length \(length), patched: \(patchedOutcome.foreignErrors)")
            }
            // The padding after bytes_used is not needed.
            let exact = try scratch.exercise(Array(original.prefix(bytesUsed)))
            #expect(exact.opened && exact.squashFSErrors > 0 && exact.successes > 100)
            #expect(opened == Self.lengths(original.count).filter { $0 >= bytesUsed }.count)
        }

        @Test("too short to hold a superblock is notSquashFS")
        func tooShort() throws {
            let fixture = try SmallImageFixture.require()
            let original = try fixture.image("gzip")
            let scratch = try ScratchImageFile(path: fixture.directory.appending("short.sqfs"))
            for length in [0, 1, 4, 95] {
                do {
                    _ = try scratch.open(Array(original.prefix(length)))
                    Issue.record("\(length) bytes opened")
                } catch let error as SquashFSError {
                    #expect(error.code == .notSquashFS, "\(length) bytes: \(error)")
                }
            }
        }
    }
}
