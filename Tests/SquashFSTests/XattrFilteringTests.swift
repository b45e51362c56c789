import SquashFS
import Testing

/// Issue 17, defect 3: attributes an extraction will not restore are filtered before their values are read, so they
/// neither cost memory nor count against the per-inode budget.
@Suite("Extended attributes filtered before reading")
struct XattrFilteringTests {
    @Test("safe mode skips trusted.* values unread: within the budget where reading them all is refused")
    func filteredBeforeReading() async throws {
        let value = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 11) }
        var tree = TreeSpecification()
        tree.root()
        tree.file(
            "file", .bytes([1, 2, 3]),
            xattrs: (0..<12).map { XattrSpecification("trusted.t\($0 < 10 ? "0" : "")\($0)", value) }
                + [XattrSpecification("user.keep", [7, 7, 7])])
        try await withTemporaryDirectory { directory in
            let crafted = try await CraftedImage.build(tree, in: directory, options: ["-xattrs"])
            var options = SquashFSImage.Options()
            options.maximumExtendedAttributeBytes = 500
            let image = try crafted.open(crafted.original, options: options)

            var everything = ExtractionOptions()
            everything.ownership = .preserve
            await #expect {
                _ = try await image.extract(to: directory.appending("all"), options: everything)
            } throws: { ($0 as? SquashFSError)?.code == .limitExceeded }

            var safe = everything
            safe.safe = true
            let summary = try await image.extract(to: directory.appending("safe"), options: safe)
            #expect(summary.skipped.count == 12 && summary.skipped.allSatisfy { $0.created })
            let restored = try POSIX.listXattrs(Array(directory.appending("safe/file").utf8))
            #expect(restored == [Array("user.keep".utf8)])
        }
    }
}
