import Foundation
import ImageMirror
import MirrorTestServer
import ProgressReporting
import SimpleStreams
import TestSupport
import Testing
import Verification

@Suite("Mirroring over HTTP from a real loopback server")
struct MirrorTests {
    @Test("A full mirror holds the source byte for byte, identical files hard-linked")
    func fullMirror() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let (summary, events) = try await harness.run()
        #expect(summary.succeeded)
        #expect(summary.published)
        #expect(GeneratedMirror.files(under: harness.destination) == GeneratedMirror.files(under: harness.stream.root))
        for path in GeneratedMirror.files(under: harness.stream.root) {
            #expect(harness.destinationBytes(path) == harness.sourceBytes(path), "\(path)")
        }
        // The manifests of the two architectures are one file, downloaded once.
        let amd64 = try FileManager.default.attributesOfItem(
            atPath: harness.destination + "/"
                + GeneratedMirror.path(arch: "amd64", version: "20250101", item: "manifest"))
        let arm64 = try FileManager.default.attributesOfItem(
            atPath: harness.destination + "/"
                + GeneratedMirror.path(arch: "arm64", version: "20250101", item: "manifest"))
        #expect(amd64[.systemFileNumber] as? UInt64 == arm64[.systemFileNumber] as? UInt64)
        #expect(summary.linked.count == 3)
        #expect(harness.lastFinalUpdate?.totalItems == 18)
        #expect(harness.lastFinalUpdate?.totalBytes == summary.plan.bytesToDownload)
        #expect(events.contains { if case .verified(_, _, true) = $0 { true } else { false } })
        #expect(harness.server.requests.allSatisfy { $0.userAgent?.contains("swift-maas-images") == true })
        #expect(!harness.server.requests.contains { $0.path.hasSuffix("manifest") && $0.path.contains("arm64") })
    }

    @Test("A second run downloads nothing and asks for the metadata conditionally")
    func secondRunIsConditional() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        _ = try await harness.run()
        harness.server.clearRequests()
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(summary.downloaded.isEmpty)
        let requests = harness.server.requests
        #expect(requests.allSatisfy { $0.path.hasPrefix("streams/") })
        #expect(requests.contains { $0.path == "streams/v1/index.sjson" && $0.conditional })
    }

    @Test("Filters and --max keep the newest matching versions; pruning at once removes old ones and empty directories")
    func filtersMaxAndPruning() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let options = MirrorOptions(
            filters: [try ItemFilter("arch=amd64")], maximumVersions: 2, pruning: .immediately)
        let (first, _) = try await harness.run(options)
        #expect(first.succeeded)
        #expect(
            harness.destinationPayloads
                == MirrorHarness.payloads(arches: ["amd64"], versions: ["20250201", "20250301"]))

        try await harness.stream.write(
            versions: ["20250201", "20250301", "20250401"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
        let (second, events) = try await harness.run(options)
        #expect(second.succeeded)
        #expect(
            harness.destinationPayloads
                == MirrorHarness.payloads(arches: ["amd64"], versions: ["20250301", "20250401"]))
        #expect(second.pruned.count == 3)
        #expect(events.contains { if case .pruned = $0 { true } else { false } })
        #expect(!GeneratedMirror.directories(under: harness.destination).contains { $0.contains("20250201") })
    }

    @Test("Boot selections choose products like MAAS selections")
    func bootSelections() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let options = MirrorOptions(
            selections: [BootSelection(os: "ubuntu", release: "noble", arches: ["arm64"])], maximumVersions: 1)
        let (summary, _) = try await harness.run(options)
        #expect(summary.succeeded)
        #expect(harness.destinationPayloads == MirrorHarness.payloads(arches: ["arm64"], versions: ["20250301"]))
    }

    @Test("A dropped connection is resumed with Range")
    func resumeAfterDrop() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let path = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        harness.server.setFaults { $0.dropAfterBytes[path] = 10_000 }
        let (summary, events) = try await harness.run()
        #expect(summary.succeeded)
        #expect(harness.destinationBytes(path) == harness.sourceBytes(path))
        #expect(harness.server.requests.contains { $0.path == path && $0.range == "bytes=10000-" })
        #expect(events.contains { if case .retrying(path, _, _) = $0 { true } else { false } })
    }

    @Test("Redirects are followed")
    func redirects() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let path = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        try harness.stream.scratch.write(try #require(harness.sourceBytes(path)), to: "source/cdn/" + path)
        harness.server.setFaults { $0.redirects[path] = "cdn/" + path }
        let (summary, _) = try await harness.run(MirrorOptions(filters: [try ItemFilter("arch=amd64")]))
        #expect(summary.succeeded)
        #expect(harness.destinationBytes(path) == harness.sourceBytes(path))
        #expect(harness.server.requests.contains { $0.path == "cdn/" + path })
    }

    @Test("A server that ignores Range restarts the file from byte 0")
    func ignoredRange() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let path = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        harness.server.setFaults {
            $0.dropAfterBytes[path] = 10_000
            $0.ignoreRange = true
        }
        let (summary, _) = try await harness.run()
        #expect(summary.succeeded)
        #expect(harness.destinationBytes(path) == harness.sourceBytes(path))
    }

    @Test("Wrong bytes are rejected: the failure names URL and digests, nothing is renamed or published")
    func wrongBytes() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let path = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        harness.server.setFaults { $0.wrongBytes = [path] }
        let (summary, events) = try await harness.run()
        #expect(!summary.succeeded)
        #expect(!summary.published)
        let failure = try #require(summary.failures.first)
        #expect(summary.failures.count == 1)
        #expect(failure.url == harness.server.baseURL + path)
        #expect(failure.expected?.hex == GeneratedMirror.sha256(harness.sourceBytes(path) ?? []))
        #expect(failure.actual != nil && failure.actual != failure.expected)
        #expect(harness.destinationBytes(path) == nil)
        #expect(harness.destinationBytes(path + ".part") == nil)
        #expect(harness.destinationBytes("streams/v1/index.sjson") == nil)
        #expect(events.contains { if case .failed = $0 { true } else { false } })
        // The other files were mirrored all the same.
        #expect(summary.downloaded.count == 4)
    }

    @Test("More bytes than the signed size are refused")
    func extraBytes() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let path = GeneratedMirror.path(arch: "arm64", version: "20250101", item: "boot-kernel")
        harness.server.setFaults { $0.extraBytes = [path] }
        let (summary, _) = try await harness.run()
        #expect(summary.failures.map(\.path) == [path])
        #expect(harness.destinationBytes(path) == nil)
        #expect(harness.destinationBytes(path + ".part") == nil)
    }

    @Test("500 answers are retried; a 404 fails the file at once")
    func statusCodes() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        let retried = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "boot-kernel")
        let missing = GeneratedMirror.path(arch: "arm64", version: "20250101", item: "squashfs")
        harness.server.setFaults {
            $0.failuresBeforeSuccess[retried] = 2
            $0.notFound = [missing]
        }
        let (summary, _) = try await harness.run()
        #expect(summary.failures.map(\.path) == [missing])
        #expect(harness.destinationBytes(retried) == harness.sourceBytes(retried))
        #expect(harness.server.requests.filter { $0.path == retried }.count == 3)
        #expect(harness.server.requests.filter { $0.path == missing }.count == 1)
    }

    @Test("Slow bodies still arrive whole")
    func slowBodies() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        harness.server.setFaults { $0.slowBodyPauseMilliseconds = 1 }
        let (summary, _) = try await harness.run(MirrorOptions(filters: [try ItemFilter("item_name=manifest")]))
        #expect(summary.succeeded)
        #expect(summary.downloaded.count == 1)
    }

    @Test("A bad metadata signature stops the run before any download")
    func badSignature() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        try await harness.stream.sign(with: harness.stream.keys.otherFingerprint)
        await #expect {
            _ = try await harness.run()
        } throws: { error in
            (error as? ImageMirrorError)?.code == .metadata
        }
        #expect(harness.server.requests.allSatisfy { $0.path.hasPrefix("streams/") })
        #expect(!FileManager.default.fileExists(atPath: harness.destination + "/noble"))
    }

    @Test("--verify-existing re-hashes present files and repairs a corrupted one")
    func verifyExisting() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        _ = try await harness.run()
        let path = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
        var bytes = try #require(harness.destinationBytes(path))
        bytes[100] ^= 0x55
        try Data(bytes).write(to: URL(fileURLWithPath: harness.destination + "/" + path))

        // Tampering behind the mirror's back is what --verify-existing is for: the store's invariant does not hold
        // until it runs.
        let (unchecked, _) = try await harness.run(checkingInvariant: false)
        #expect(unchecked.downloaded.isEmpty)
        #expect(harness.destinationBytes(path) == bytes)

        let (checked, _) = try await harness.run(MirrorOptions(verifyExisting: true))
        #expect(checked.downloaded == [path])
        #expect(harness.destinationBytes(path) == harness.sourceBytes(path))
    }

    @Test("A dry run plans downloads and removals with sizes and changes nothing")
    func dryRun() async throws {
        let harness = try await MirrorHarness(versions: ["20250101", "20250201"])
        defer { Task { await harness.close() } }
        let plan = try await harness.mirror(MirrorOptions(maximumVersions: 1)).plan()
        #expect(plan.downloads.map(\.path).sorted() == MirrorHarness.payloads(versions: ["20250201"]))
        #expect(plan.bytesToDownload > 0)
        #expect(harness.destinationPayloads.isEmpty)
        #expect(harness.destinationBytes("streams/v1/index.sjson") == nil)
    }

    @Test(
        "Item paths that would overwrite the mirror's own files are refused",
        arguments: [".mirror/manifest.json", "streams/v1/index.sjson", "noble/amd64/20250101/squashfs.part"])
    func reservedPaths(path: String) async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        try await harness.stream.write(versions: ["20250101"], hostilePath: path)
        let (summary, _) = try await harness.run()
        #expect(summary.failures.map(\.path) == [path, path])
        #expect(!summary.published)
        #expect(harness.destinationBytes(path) != [0x78])
        #expect(summary.downloaded.count == 5)
    }

    @Test("Not enough free space stops the run before downloading")
    func freeSpace() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        try await harness.stream.write(versions: ["20250101"], hostilePath: "noble/huge", hostileSize: 1 << 60)
        await #expect {
            _ = try await harness.run()
        } throws: { error in
            (error as? ImageMirrorError)?.code == .insufficientSpace
        }
        #expect(harness.server.requests.allSatisfy { $0.path.hasPrefix("streams/") })
        #expect(harness.destinationPayloads.isEmpty)
    }
}
