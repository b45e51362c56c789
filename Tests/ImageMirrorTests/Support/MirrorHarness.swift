import Foundation
import ImageMirror
import MirrorTestServer
import ProgressReporting
import SignedStreams
import SimpleStreams
import Synchronization
import TestSupport
import Testing
import Verification

/// A generated stream served by the loopback server, a destination directory, and mirror runs against them.
final class MirrorHarness: Sendable {
    let stream: GeneratedMirror
    let server: LoopbackHTTPServer
    let transport: HTTPTransport
    let destination: String

    static let fastRetry = RetryPolicy(
        maximumAttempts: 4, initialDelay: .milliseconds(5), maximumDelay: .milliseconds(40))

    init(versions: [String] = ["20250101", "20250201", "20250301"]) async throws {
        stream = try await GeneratedMirror(versions: versions)
        server = try await LoopbackHTTPServer.start(root: stream.root)
        var settings = HTTPSettings.loopbackTests()
        // No test here is about the read timeout (HTTPSettingsTests and DeadlineTests are): a short one would race
        // the clock on a loaded machine and turn a slow healthy transfer into a retry.
        settings.readTimeout = .seconds(600)
        settings.retry = Self.fastRetry
        transport = HTTPTransport(settings: settings)
        destination = stream.scratch.path + "/mirror"
    }

    /// Stops the server and the clients.
    func close() async {
        await transport.shutdown()
        try? await server.stop()
    }

    /// The final progress update of the last ``run(_:checkingInvariant:)``.
    var lastFinalUpdate: ProgressUpdate<MirrorEvent>? { lastFinal.withLock { $0 } }
    private let lastFinal = Mutex<ProgressUpdate<MirrorEvent>?>(nil)

    func source() throws -> HTTPStreamSource {
        try HTTPStreamSource(
            server.baseURL, transport: transport, cache: MetadataCache(mirror: destination))
    }

    func policy() throws -> SignaturePolicy {
        .verify(keyring: try Keyring(contentsOf: stream.keys.keyring))
    }

    func mirror(_ options: MirrorOptions = MirrorOptions(), clock: MirrorClock = .system) throws -> StreamMirror {
        var mirror = StreamMirror(
            source: try source(), destination: destination, policy: try policy(), options: options,
            retry: Self.fastRetry)
        mirror.clock = clock
        return mirror
    }

    /// Runs a mirror and collects its events, then checks the store's invariant (``StoreInvariant``): whatever the
    /// run did, every file the published metadata names is there with its signed size and digest. The progress
    /// must end with one final update whose counts are the summary's (``expectFinalCounts(_:_:)``).
    func run(
        _ options: MirrorOptions = MirrorOptions(), clock: MirrorClock = .system, checkingInvariant: Bool = true
    ) async throws -> (MirrorSummary, [MirrorEvent]) {
        let progress = ProgressChannel<MirrorEvent>()
        let job = try mirror(options, clock: clock)
        async let summary = job.run(progress: progress)
        var events: [MirrorEvent] = []
        var final: ProgressUpdate<MirrorEvent>?
        for await update in progress {
            events += update.events
            if update.isFinal { final = update }
        }
        lastFinal.withLock { $0 = final }
        let result = try await summary
        Self.expectFinalCounts(final, result)
        if result.published {
            let unfiltered = options.filters.isEmpty && options.selections.isEmpty && options.maximumVersions == nil
            let required: Set<[UInt8]>? =
                unfiltered || options.signer != nil ? nil : Set(result.plan.files.map { Array($0.path.utf8) })
            published.withLock {
                $0 = (required, options.signer == nil ? stream.keys.keyring : stream.keys.mirrorKeyring)
            }
        }
        if checkingInvariant { try await checkInvariant() }
        return (result, events)
    }

    /// Checks that `final` is a final update whose counts are those of `summary`: every file downloaded or linked,
    /// and their signed sizes, of the files and bytes the plan had to download.
    static func expectFinalCounts(
        _ final: ProgressUpdate<MirrorEvent>?, _ summary: MirrorSummary,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        // Paths compared as bytes: two canonically equivalent names are two files.
        let sizes = Dictionary(
            summary.plan.files.map { (Array($0.path.utf8), $0.size) }, uniquingKeysWith: { first, _ in first })
        let done = summary.downloaded + summary.linked
        let bytes = done.reduce(Int64(0)) { $0 + (sizes[Array($1.utf8)] ?? 0) }
        let counts = final.map {
            [$0.completedItems, Int($0.completedBytes), $0.totalItems ?? -1, Int($0.totalBytes ?? -1)]
        }
        #expect(
            counts == [done.count, Int(bytes), summary.plan.downloads.count, Int(summary.plan.bytesToDownload)],
            "final progress (items, bytes, total items, total bytes)", sourceLocation: sourceLocation)
    }

    /// What the last published run must hold (`nil`: every named file) and the keyring its metadata verifies with.
    private let published = Mutex<(required: Set<[UInt8]>?, keyring: String)?>(nil)

    /// Checks the store's invariant now; it fails the test with the problems found.
    func checkInvariant(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard let (required, keyring) = published.withLock({ $0 }) else { return }
        let problems = try await StoreInvariant.problems(
            destination: destination, keyring: keyring, required: required)
        #expect(problems.isEmpty, "the store's invariant does not hold: \(problems)", sourceLocation: sourceLocation)
    }

    /// The payload paths of the generated stream for `arches` and `versions`.
    static func payloads(arches: [String] = GeneratedMirror.arches, versions: [String]) -> [String] {
        arches.flatMap { arch in
            versions.flatMap { version in
                GeneratedMirror.itemNames.map { GeneratedMirror.path(arch: arch, version: version, item: $0) }
            }
        }.sorted()
    }

    /// The bytes of a file of the destination.
    func destinationBytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: destination + "/" + path).map { [UInt8]($0) }
    }

    /// The bytes of a file of the source.
    func sourceBytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: stream.root + "/" + path).map { [UInt8]($0) }
    }

    /// The payload files under the destination (no metadata, no `.mirror`).
    var destinationPayloads: [String] {
        GeneratedMirror.files(under: destination).filter { !$0.hasPrefix("streams/") }
    }
}
