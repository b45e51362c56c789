import Foundation
import ImageMirror
import MirrorTestServer
import SignedStreams
import SimpleStreams
import TestSupport
import Testing
import Verification

/// The store's invariant under hostile upstreams, metadata and destinations: every path the published metadata
/// names holds its signed size and digest, and nothing outside the destination is touched.
@Suite("Store integrity: hostile servers, metadata and destinations")
struct StoreIntegrityTests {
    /// Deterministic bytes of `count` bytes from `seed`.
    static func bytes(_ seed: UInt8, count: Int = 5000) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7) ^ seed }
    }

    // MARK: - Defect 1: same-size content change

    @Test("A same-size change upstream is fetched again, and a new identical item is not linked to the stale file")
    func sameSizeChange() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let old = Self.bytes(1)
        let new = Self.bytes(2)
        #expect(old.count == new.count && old != new)
        try await harness.stream.write(items: [StreamItemSpec(item: "root", path: "noble/a/root", content: old)])
        let (first, _) = try await harness.run()
        #expect(first.succeeded)
        #expect(harness.destinationBytes("noble/a/root") == old)

        try await harness.stream.write(
            items: [
                StreamItemSpec(item: "root", path: "noble/a/root", content: new),
                StreamItemSpec(version: "20250102", item: "root", path: "noble/b/root", content: new),
            ], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        let (second, _) = try await harness.run()
        #expect(second.succeeded)
        #expect(second.plan.downloads.map(\.path).contains("noble/a/root"))
        #expect(harness.destinationBytes("noble/a/root") == new)
        #expect(harness.destinationBytes("noble/b/root") == new)
    }

    // MARK: - Defect 2: `.` segments

    @Test(
        "Dot segments are refused: a payload at ./streams/v1/index.sjson never replaces or prunes the index",
        arguments: ["./streams/v1/index.sjson", "noble/./x", ".mirror/./manifest.json", "noble/./streams/x"])
    func dotSegments(path: String) async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        _ = try await harness.run()
        let index = try #require(harness.destinationBytes("streams/v1/index.sjson"))
        try await harness.stream.write(
            versions: ["20250101"], updated: "Tue, 02 Dec 2025 00:00:00 +0000", hostilePath: path)
        do {
            let (summary, _) = try await harness.run()
            #expect(!summary.published)
        } catch let error as ImageMirrorError {
            #expect(error.code == .metadata)
        }
        #expect(harness.destinationBytes("streams/v1/index.sjson") == index)
        try await harness.checkInvariant()
    }

    // MARK: - Defect 3: byte strings

    @Test("Paths and names that are canonically equivalent but different bytes are two files and two items")
    func canonicallyEquivalentPaths() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let composed = "noble/caf\u{E9}"
        let decomposed = "noble/cafe\u{301}"
        #expect(composed == decomposed)  // what String == says; the bytes differ
        try await harness.stream.write(items: [
            StreamItemSpec(item: "caf\u{E9}", path: composed, content: Self.bytes(3)),
            StreamItemSpec(item: "cafe\u{301}", path: decomposed, content: Self.bytes(4, count: 6000)),
            StreamItemSpec(item: "\u{212A}", path: "noble/\u{212A}", content: Self.bytes(5)),
            StreamItemSpec(item: "K", path: "noble/K", content: Self.bytes(6, count: 7000)),
        ])
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(summary.plan.files.count == 4)
        let names = try FileManager.default.contentsOfDirectory(atPath: harness.destination + "/noble")
        #expect(Set(names.map { Array($0.utf8) }).count == 4)
        #expect(harness.destinationBytes(composed)?.count == 5000)
        #expect(harness.destinationBytes(decomposed)?.count == 6000)
        #expect(harness.destinationBytes("noble/K")?.count == 7000)
    }

    // MARK: - Defect 4: companions

    @Test("An old genuine .json and .json.gpg beside a current .sjson are refused, not published")
    func staleCompanion() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let products = "source/streams/v1/com.example:test:download"
        let oldJSON = try harness.stream.scratch.read(products + ".json")
        let oldSignature = try harness.stream.scratch.read(products + ".json.gpg")
        try await harness.stream.write(
            versions: ["20250101", "20250201"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        try harness.stream.scratch.write(oldJSON, to: products + ".json")
        try harness.stream.scratch.write(oldSignature, to: products + ".json.gpg")
        await #expect(throws: ImageMirrorError.self) { _ = try await harness.run() }
        #expect(harness.destinationPayloads.isEmpty)
        #expect(harness.destinationBytes("streams/v1/index.sjson") == nil)
    }

    // MARK: - Defect 5: symbolic links in the destination

    @Test("A .part planted as a symbolic link to a file outside is replaced, never written through")
    func plantedPartLink() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let path = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        let victim = try harness.stream.scratch.write("precious", to: "outside/victim")
        try FileManager.default.createDirectory(
            atPath: harness.destination + "/" + (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: harness.destination + "/" + path + ".part", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(
            atPath: harness.destination + "/"
                + GeneratedMirror.path(arch: "amd64", version: "20250101", item: "manifest"),
            withDestinationPath: victim)
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        let type = try FileManager.default.attributesOfItem(atPath: harness.destination + "/" + path)[.type]
        #expect(type as? FileAttributeType == .typeRegular)
        #expect(harness.destinationBytes(path) == harness.sourceBytes(path))
    }

    @Test(
        "A directory of the destination planted as a symbolic link to outside is refused; nothing lands outside",
        arguments: ["noble", "noble/amd64", ".mirror"])
    func plantedDirectoryLink(link: String) async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let outside = harness.stream.scratch.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: harness.destination + "/" + (link as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: harness.destination + "/" + link, withDestinationPath: outside)
        do {
            let (summary, _) = try await harness.run()
            #expect(!summary.published)
            #expect(summary.failures.allSatisfy { $0.reason.contains("symbolic link") })
        } catch let error as ImageMirrorError {
            #expect(error.code == .unsafeDestination)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test("DEST itself may be a symbolic link the user made: it is resolved, everything below it is confined")
    func destinationLink() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let real = harness.stream.scratch.path + "/real-mirror"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: harness.destination, withDestinationPath: real)
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(FileManager.default.fileExists(atPath: real + "/streams/v1/index.sjson"))
    }

    @Test("A symbolic link planted at the metadata cache is not followed; the run still succeeds")
    func plantedCacheLink() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let outside = harness.stream.scratch.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: harness.destination + "/.mirror", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: harness.destination + "/.mirror/http-cache", withDestinationPath: outside)
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.destination + "/.mirror")
        #expect(leftovers.allSatisfy { !$0.contains(".tmp-") })
    }

    // MARK: - Defect 7: unbounded reads

    @Test("A FIFO or a device in a local source fails that file at once instead of blocking the run")
    func localSourceSpecialFiles() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let fifo = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        let device = GeneratedMirror.path(arch: "arm64", version: "20250101", item: "squashfs")
        try FileManager.default.removeItem(atPath: stream.root + "/" + fifo)
        try await Tool.run("mkfifo", [stream.root + "/" + fifo], check: true)
        try FileManager.default.removeItem(atPath: stream.root + "/" + device)
        try FileManager.default.createSymbolicLink(atPath: stream.root + "/" + device, withDestinationPath: "/dev/zero")
        let mirror = StreamMirror(
            source: try LocalStreamSource(stream.root), destination: stream.scratch.path + "/mirror",
            policy: .verify(keyring: try Keyring(contentsOf: stream.keys.keyring)), retry: MirrorHarness.fastRetry)
        let summary = try await mirror.run()
        #expect(!summary.published)
        #expect(Set(summary.failures.map(\.path)) == [fifo, device])
        #expect(summary.failures.allSatisfy { $0.reason.contains("FIFO") || $0.reason.contains("device") })
    }

    // MARK: - Defect 8: legacy digests

    @Test("Items with only md5 or only sha512 are mirrored and verified; an item without a digest is named")
    func legacyDigests() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        try await harness.stream.write(items: [
            StreamItemSpec(item: "md5", path: "noble/md5", content: Self.bytes(7), digests: ["md5": nil]),
            StreamItemSpec(item: "sha512", path: "noble/sha512", content: Self.bytes(8), digests: ["sha512": nil]),
            StreamItemSpec(
                item: "both", path: "noble/both", content: Self.bytes(9), digests: ["md5": nil, "sha256": nil]),
        ])
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(Set(summary.plan.files.map(\.digest.algorithm)) == [.md5, .sha512, .sha256])

        // Wrong content under an md5-only item is caught like any other mismatch.
        harness.server.setFaults { $0.wrongBytes = ["noble/md5"] }
        try await harness.stream.write(
            items: [StreamItemSpec(item: "md5", path: "noble/md5", content: Self.bytes(10), digests: ["md5": nil])],
            updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        let (mismatch, _) = try await harness.run()
        #expect(!mismatch.published)
        #expect(mismatch.failures.first?.expected?.algorithm == .md5)
        harness.server.setFaults { $0 = ServerFaults() }

        try await harness.stream.write(
            items: [
                StreamItemSpec(item: "none", path: "noble/none", content: Self.bytes(11), digests: [:]),
                StreamItemSpec(item: "bad", path: "noble/bad", content: Self.bytes(12), digests: ["sha256": "xyz"]),
            ], updated: "Wed, 03 Dec 2025 00:00:00 +0000")
        let (refused, _) = try await harness.run()
        #expect(!refused.published)
        let reasons = refused.failures.map(\.reason).joined(separator: "\n")
        #expect(reasons.contains("none") && reasons.contains("has no digest"))
        #expect(reasons.contains("bad") && reasons.contains("malformed sha256"))
    }

    @Test("Upstream's examples/foocloud (md5 only) plans without a problem")
    func foocloud() async throws {
        let fixture = try #require(Bundle.module.path(forResource: "Fixtures", ofType: nil)) + "/foocloud"
        let scratch = try ScratchDirectory(prefix: "foocloud")
        defer { scratch.remove() }
        let mirror = StreamMirror(
            source: try LocalStreamSource(fixture), destination: scratch.path + "/mirror", policy: .allowUnsigned)
        let plan = try await mirror.plan()
        #expect(plan.problems.isEmpty, "\(plan.problems)")
        #expect(!plan.files.isEmpty && plan.files.allSatisfy { $0.digest.algorithm == .md5 })
    }

    // MARK: - Defect 9: substitution and rollback

    @Test("A products document whose content_id is not the index entry's is refused")
    func contentIDMismatch() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        try await harness.stream.write(
            items: [StreamItemSpec(item: "a", path: "noble/a", content: Self.bytes(13))],
            contentID: "com.example:other", indexContentID: "com.example:test:download")
        await #expect(throws: ImageMirrorError.self) { _ = try await harness.run() }
        #expect(harness.destinationPayloads.isEmpty)
    }

    @Test("Replaying an older signed stream is refused by default, keeping the newer files; allowed on request")
    func replayRefused() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let oldItems = [StreamItemSpec(item: "a", path: "noble/old", content: Self.bytes(14))]
        let newItems = [StreamItemSpec(version: "20250201", item: "a", path: "noble/new", content: Self.bytes(15))]
        try await harness.stream.write(items: newItems, updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        _ = try await harness.run()
        let index = try #require(harness.destinationBytes("streams/v1/index.sjson"))

        try await harness.stream.write(items: oldItems, updated: "Mon, 01 Dec 2025 00:00:00 +0000")
        await #expect(throws: ImageMirrorError.self) { _ = try await harness.run() }
        let job = try harness.mirror()
        do {
            _ = try await job.run()
            Issue.record("the replay was accepted")
        } catch {
            #expect(error.code == .rollback)
            #expect(error.message.contains("updated"))
        }
        #expect(harness.destinationBytes("streams/v1/index.sjson") == index)
        #expect(harness.destinationBytes("noble/new") == Self.bytes(15))
        #expect(harness.destinationBytes("noble/old") == nil)
        try await harness.checkInvariant()

        let (allowed, _) = try await harness.run(MirrorOptions(allowsOlderMetadata: true, pruning: .immediately))
        #expect(allowed.succeeded)
        #expect(harness.destinationBytes("noble/old") == Self.bytes(14))
        #expect(harness.destinationBytes("noble/new") == nil)
    }
}
