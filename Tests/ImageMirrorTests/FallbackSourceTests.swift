import Foundation
import ImageMirror
import MirrorTestServer
import ProgressReporting
import SimpleStreams
import TestSupport
import Testing

@Suite("Fallback payload servers: each file from SOURCE or else the next server, verified against SOURCE's metadata")
struct FallbackSourceTests {
    static let missing = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")

    /// A harness (SOURCE on its loopback server) and `count` more loopback servers serving the same files.
    static func servers(_ count: Int) async throws -> (MirrorHarness, [LoopbackHTTPServer]) {
        let harness = try await MirrorHarness(versions: ["20250101"])
        var fallbacks: [LoopbackHTTPServer] = []
        for _ in 0..<count { fallbacks.append(try await LoopbackHTTPServer.start(root: harness.stream.root)) }
        return (harness, fallbacks)
    }

    static func close(_ harness: MirrorHarness, _ fallbacks: [LoopbackHTTPServer]) async {
        for server in fallbacks { try? await server.stop() }
        await harness.close()
    }

    static func sources(_ servers: [LoopbackHTTPServer], _ harness: MirrorHarness) throws -> [any PayloadSource] {
        try servers.map { try HTTPStreamSource($0.baseURL, transport: harness.transport) }
    }

    /// Runs a mirror from the harness's SOURCE with `fallbacks`, and checks what every run must hold: the final
    /// progress counts are the summary's, the bytes never leave `0...total`, a published store verifies and holds
    /// every file it names, and no fallback server was asked for metadata.
    static func run(
        _ harness: MirrorHarness, fallbacks: [any PayloadSource], servers: [LoopbackHTTPServer],
        retry: RetryPolicy = MirrorHarness.fastRetry, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (MirrorSummary, [MirrorEvent]) {
        var job = try harness.mirror()
        job.fallbackSources = fallbacks
        job.retry = retry
        let progress = ProgressChannel<MirrorEvent>()
        async let outcome = job.run(progress: progress)
        var events: [MirrorEvent] = []
        var final: ProgressUpdate<MirrorEvent>?
        var withinTotals = true
        for await update in progress {
            events += update.events
            if let total = update.totalBytes, update.completedBytes < 0 || update.completedBytes > total {
                withinTotals = false
            }
            if update.isFinal { final = update }
        }
        let summary = try await outcome
        MirrorHarness.expectFinalCounts(final, summary, sourceLocation: sourceLocation)
        #expect(withinTotals, "the byte count stayed within 0...total", sourceLocation: sourceLocation)
        if summary.published {
            let problems = try await StoreInvariant.problems(
                destination: harness.destination, keyring: harness.stream.keys.keyring, required: nil)
            #expect(problems.isEmpty, "the store's invariant: \(problems)", sourceLocation: sourceLocation)
        }
        for server in servers {
            #expect(
                server.requests.allSatisfy { !$0.path.hasPrefix("streams/") }, "a fallback was asked for metadata",
                sourceLocation: sourceLocation)
        }
        return (summary, events)
    }

    /// The reasons of the `.retrying` events of `path`.
    static func retries(_ events: [MirrorEvent], of path: String = missing) -> [String] {
        events.compactMap { event in
            if case .retrying(path, _, let reason) = event { reason } else { nil }
        }
    }

    @Test("SOURCE answers 404 for a payload: the fallback supplies that file, and only it")
    func sourceLacksPayload() async throws {
        let (harness, servers) = try await Self.servers(1)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.notFound = [Self.missing] }
        let (summary, events) = try await Self.run(
            harness, fallbacks: try Self.sources(servers, harness), servers: servers)
        #expect(summary.published && summary.failures.isEmpty, "\(summary.failures)")
        #expect(summary.downloaded.contains(Self.missing))
        #expect(harness.destinationBytes(Self.missing) == harness.sourceBytes(Self.missing))
        #expect(servers[0].requests.map(\.path) == [Self.missing])
        #expect(harness.server.requests.filter { $0.path == Self.missing }.count == 1, "a 404 is not retried")
        let reasons = Self.retries(events)
        #expect(reasons.count == 1)
        #expect(
            reasons.first.map {
                $0.contains(harness.server.baseURL + Self.missing) && $0.contains(servers[0].baseURL + Self.missing)
            } == true, "\(reasons)")
    }

    @Test("A fallback that sends wrong bytes is refused, reported, and the next fallback used")
    func wrongBytesThenNext() async throws {
        let (harness, servers) = try await Self.servers(2)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.notFound = [Self.missing] }
        servers[0].setFaults { $0.wrongBytes = [Self.missing] }
        let (summary, events) = try await Self.run(
            harness, fallbacks: try Self.sources(servers, harness), servers: servers)
        #expect(summary.published && summary.failures.isEmpty, "\(summary.failures)")
        #expect(harness.destinationBytes(Self.missing) == harness.sourceBytes(Self.missing))
        #expect(servers[0].requests.map(\.path) == [Self.missing], "wrong content is not retried on the same server")
        #expect(servers[1].requests.map(\.path) == [Self.missing])
        let reasons = Self.retries(events)
        #expect(reasons.count == 2, "\(reasons)")
        let refused = reasons.last ?? ""
        #expect(
            refused.contains(servers[0].baseURL + Self.missing) && refused.contains("mismatch")
                && refused.contains(servers[1].baseURL + Self.missing), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: harness.destination + "/" + Self.missing + ".part"))
    }

    @Test("When every server fails, the failure names each URL tried; each server has its own retries")
    func everySourceFails() async throws {
        let (harness, servers) = try await Self.servers(2)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.notFound = [Self.missing] }
        servers[0].setFaults { $0.wrongBytes = [Self.missing] }
        servers[1].setFaults { $0.status[Self.missing] = 503 }
        let (summary, events) = try await Self.run(
            harness, fallbacks: try Self.sources(servers, harness), servers: servers)
        #expect(!summary.published)
        #expect(summary.failures.map(\.path) == [Self.missing])
        let failure = try #require(summary.failures.first)
        #expect(failure.url == harness.server.baseURL + Self.missing)
        for server in [harness.server] + servers {
            #expect(failure.reason.contains(server.baseURL + Self.missing), "\(failure.reason)")
        }
        #expect(failure.reason.contains("HTTP 404") && failure.reason.contains("HTTP 503"), "\(failure.reason)")
        #expect(failure.actual != nil, "the digest of the wrong content is kept")
        #expect(failure.actual != failure.expected)
        #expect(events.contains(.failed(failure)))
        // 404 and wrong content fail at once; 503 is retried with the whole policy (4 attempts).
        #expect(harness.server.requests.filter { $0.path == Self.missing }.count == 1)
        #expect(servers[0].requests.count == 1)
        #expect(servers[1].requests.count == MirrorHarness.fastRetry.maximumAttempts)
        // The attempts are numbered over all servers: 1 (SOURCE), 2 (first fallback), 3 to 5 (503, retried).
        let attempts = events.compactMap { event in
            if case .retrying(Self.missing, let attempt, _) = event { attempt } else { nil }
        }
        #expect(attempts == [1, 2, 3, 4, 5])
        #expect(!FileManager.default.fileExists(atPath: harness.destination + "/" + Self.missing))
    }

    @Test("A .part one server left is resumed from the next with Range")
    func resumedAcrossServers() async throws {
        let (harness, servers) = try await Self.servers(1)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.dropAfterBytes[Self.missing] = 10_000 }
        let (summary, events) = try await Self.run(
            harness, fallbacks: try Self.sources(servers, harness), servers: servers,
            retry: RetryPolicy(maximumAttempts: 1))
        #expect(summary.published && summary.failures.isEmpty, "\(summary.failures)")
        #expect(harness.destinationBytes(Self.missing) == harness.sourceBytes(Self.missing))
        let starts = events.compactMap { event in
            if case .started(Self.missing, _, let resumedAt) = event { resumedAt } else { nil }
        }
        #expect(starts.count == 2 && starts.first == 0, "\(starts)")
        let resumedAt = starts.last ?? 0
        #expect(resumedAt > 0)
        #expect(servers[0].requests.map(\.range) == ["bytes=\(resumedAt)-"])
    }

    @Test("A fallback that answers 200 to a Range request restarts the file at byte 0; the count stays exact")
    func fallbackIgnoresRange() async throws {
        let (harness, servers) = try await Self.servers(1)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.dropAfterBytes[Self.missing] = 10_000 }
        servers[0].setFaults { $0.ignoreRange = true }
        let (summary, events) = try await Self.run(
            harness, fallbacks: try Self.sources(servers, harness), servers: servers,
            retry: RetryPolicy(maximumAttempts: 1))
        #expect(summary.published && summary.failures.isEmpty, "\(summary.failures)")
        #expect(harness.destinationBytes(Self.missing) == harness.sourceBytes(Self.missing))
        let starts = events.compactMap { event in
            if case .started(Self.missing, _, let resumedAt) = event { resumedAt } else { nil }
        }
        #expect(starts.count == 3 && starts.first == 0 && starts.last == 0 && starts[1] > 0, "\(starts)")
        #expect(servers[0].requests.count == 1 && servers[0].requests.first?.range != nil)
    }

    @Test("A .part with wrong bytes, resumed from a fallback, is fetched again from byte 0")
    func wrongPartResumedFromFallback() async throws {
        let (harness, servers) = try await Self.servers(1)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.notFound = [Self.missing] }
        let part = harness.destination + "/" + Self.missing + ".part"
        try FileManager.default.createDirectory(
            atPath: (part as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: part, contents: Data(repeating: 0x5A, count: 4096)))
        let (summary, _) = try await Self.run(
            harness, fallbacks: try Self.sources(servers, harness), servers: servers)
        #expect(summary.published && summary.failures.isEmpty, "\(summary.failures)")
        #expect(harness.destinationBytes(Self.missing) == harness.sourceBytes(Self.missing))
        #expect(servers[0].requests.map(\.range) == ["bytes=4096-", nil])
    }

    @Test("Metadata comes only from SOURCE: SOURCE's index failing fails the run, the fallbacks are not asked")
    func metadataOnlyFromSource() async throws {
        let (harness, servers) = try await Self.servers(1)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.status["streams/v1/index.sjson"] = 503 }
        var job = try harness.mirror()
        job.fallbackSources = try Self.sources(servers, harness)
        await #expect {
            _ = try await job.run()
        } throws: { ($0 as? ImageMirrorError)?.code == .transport }
        #expect(servers[0].requests.isEmpty)
    }

    @Test("Directories are fallbacks too, tried in order")
    func directoryFallbacks() async throws {
        let (harness, servers) = try await Self.servers(0)
        defer { Task { await Self.close(harness, servers) } }
        harness.server.setFaults { $0.notFound = [Self.missing] }
        let empty = harness.stream.scratch.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let fallbacks: [any PayloadSource] = [try LocalStreamSource(empty), try LocalStreamSource(harness.stream.root)]
        let (summary, events) = try await Self.run(harness, fallbacks: fallbacks, servers: [])
        #expect(summary.published && summary.failures.isEmpty, "\(summary.failures)")
        #expect(harness.destinationBytes(Self.missing) == harness.sourceBytes(Self.missing))
        let reasons = Self.retries(events)
        #expect(reasons.count == 2)
        #expect(reasons.last?.contains(empty + "/" + Self.missing) == true, "\(reasons)")
    }
}
