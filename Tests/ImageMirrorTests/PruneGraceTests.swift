import Foundation
import ImageMirror
import MirrorTestServer
import SimpleStreams
import Testing

/// Orphans (files the published metadata no longer names) are kept for the grace period, across runs, on a test
/// clock: no test waits for time to pass.
@Suite("Prune grace period")
struct PruneGraceTests {
    static let start = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01T00:00:00Z

    static func at(hours: Double) -> MirrorClock { .fixed(start.addingTimeInterval(hours * 3600)) }

    /// The 3 payloads of amd64 version 20250101, which an update with `--max 2` orphans.
    static let oldest = MirrorHarness.payloads(arches: ["amd64"], versions: ["20250101"])

    /// Mirrors amd64 with `--max 2` at hour 0, then adds a version upstream, so the next run orphans 20250101.
    static func orphaningUpdate(_ harness: MirrorHarness, _ options: MirrorOptions) async throws {
        let (first, _) = try await harness.run(options, clock: at(hours: 0))
        #expect(first.succeeded)
        try await harness.stream.write(
            versions: ["20250101", "20250201", "20250301", "20250401"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
    }

    static func options(_ pruning: PruningPolicy = .default) throws -> MirrorOptions {
        MirrorOptions(filters: [try ItemFilter("arch=amd64")], maximumVersions: 3, pruning: pruning)
    }

    @Test("By default orphans are kept 72 hours from the run that orphaned them, then removed by the next run")
    func defaultGrace() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let options = try Self.options()
        try await Self.orphaningUpdate(harness, options)

        let (orphaning, _) = try await harness.run(options, clock: Self.at(hours: 1))
        #expect(orphaning.succeeded && orphaning.pruned.isEmpty)
        #expect(orphaning.orphans.map(\.path) == Self.oldest)
        #expect(orphaning.orphans.allSatisfy { $0.since == Self.start.addingTimeInterval(3600) })
        #expect(orphaning.orphans.allSatisfy { $0.expires == Self.start.addingTimeInterval(73 * 3600) })
        #expect(Self.oldest.allSatisfy { harness.destinationBytes($0) == harness.sourceBytes($0) })
        let record = String(decoding: try #require(harness.destinationBytes(".mirror/manifest.json")), as: UTF8.self)
        #expect(record.contains("\"orphaned_since\": \"2025-12-01T01:00:00Z\""))
        #expect(record.contains("\"format\": \"maas-images-mirror:3\""))

        // Later runs keep the first orphaning time: the grace period is not restarted by each run.
        let (during, _) = try await harness.run(options, clock: Self.at(hours: 72))
        #expect(during.pruned.isEmpty)
        #expect(during.orphans.map(\.since) == Array(repeating: Self.start.addingTimeInterval(3600), count: 3))
        let plan = try await harness.mirror(options, clock: Self.at(hours: 73)).plan()
        #expect(plan.removals.map(\.path) == Self.oldest && plan.orphans.isEmpty)
        #expect(plan.bytesToRemove > 0)

        let (after, events) = try await harness.run(options, clock: Self.at(hours: 73))
        #expect(after.pruned == Self.oldest && after.orphans.isEmpty)
        #expect(events.filter { if case .pruned = $0 { true } else { false } }.count == 3)
        #expect(Self.oldest.allSatisfy { harness.destinationBytes($0) == nil })
        #expect(!GeneratedMirror.directories(under: harness.destination).contains { $0.contains("20250101") })
        let cleared = String(decoding: try #require(harness.destinationBytes(".mirror/manifest.json")), as: UTF8.self)
        #expect(!cleared.contains("orphaned_since"))
    }

    @Test("A custom grace period, and an orphan named again is no longer an orphan (and is not downloaded again)")
    func renamedOrphan() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let options = try Self.options(.afterGracePeriod(.seconds(3600)))
        try await Self.orphaningUpdate(harness, options)
        let (orphaning, _) = try await harness.run(options, clock: Self.at(hours: 1))
        #expect(orphaning.orphans.map(\.expires) == Array(repeating: Self.start.addingTimeInterval(7200), count: 3))

        var keepAll = options
        keepAll.maximumVersions = 4
        harness.server.clearRequests()
        let (named, _) = try await harness.run(keepAll, clock: Self.at(hours: 5))
        #expect(named.orphans.isEmpty && named.pruned.isEmpty && named.downloaded.isEmpty)
        #expect(harness.server.requests.allSatisfy { $0.path.hasPrefix("streams/") })
        let record = String(decoding: try #require(harness.destinationBytes(".mirror/manifest.json")), as: UTF8.self)
        #expect(!record.contains("orphaned_since"))

        // Orphaned again later: the grace period starts again from then.
        let (again, _) = try await harness.run(options, clock: Self.at(hours: 6))
        #expect(again.orphans.map(\.since) == Array(repeating: Self.start.addingTimeInterval(6 * 3600), count: 3))
        let (expired, _) = try await harness.run(options, clock: Self.at(hours: 7))
        #expect(expired.pruned == Self.oldest)
    }

    @Test("--no-prune keeps orphans for ever; --prune-grace 0 removes them in the orphaning run")
    func neverAndImmediately() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        try await Self.orphaningUpdate(harness, try Self.options(.never))
        let (never, _) = try await harness.run(try Self.options(.never), clock: Self.at(hours: 100_000))
        #expect(never.pruned.isEmpty)
        #expect(never.orphans.map(\.path) == Self.oldest && never.orphans.allSatisfy { $0.expires == nil })

        let (immediately, _) = try await harness.run(try Self.options(.immediately), clock: Self.at(hours: 100_001))
        #expect(immediately.pruned == Self.oldest)
        #expect(Self.oldest.allSatisfy { harness.destinationBytes($0) == nil })
    }

    @Test("A failed run orphans nothing: the metadata it did not publish still names the old files")
    func failedRunKeepsRecord() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let options = try Self.options(.immediately)
        try await Self.orphaningUpdate(harness, options)
        let missing = GeneratedMirror.path(arch: "amd64", version: "20250401", item: "squashfs")
        harness.server.setFaults { $0.notFound.insert(missing) }
        let (failed, _) = try await harness.run(options, clock: Self.at(hours: 1))
        #expect(!failed.succeeded && !failed.published && failed.pruned.isEmpty && failed.orphans.isEmpty)
        #expect(Self.oldest.allSatisfy { harness.destinationBytes($0) != nil })
        let record = String(decoding: try #require(harness.destinationBytes(".mirror/manifest.json")), as: UTF8.self)
        #expect(!record.contains("orphaned_since"))
    }

    @Test(
        "Grace periods are parsed as the command line gives them",
        arguments: [
            ("72h", PruningPolicy.default), ("0", .immediately), ("0h", .immediately),
            ("90", .afterGracePeriod(.seconds(90))), ("30m", .afterGracePeriod(.seconds(1800))),
            ("3d", .afterGracePeriod(.seconds(259_200))), ("1w", .afterGracePeriod(.seconds(604_800))),
            ("", nil), ("h", nil), ("-1h", nil), ("+1h", nil), ("1.5h", nil), ("72 h", nil), ("1y", nil),
            ("99999999999999999999h", nil), ("9223372036854775807w", nil),
        ] as [(String, PruningPolicy?)])
    func parsing(text: String, expected: PruningPolicy?) {
        #expect(PruningPolicy(parsing: text) == expected)
    }
}
