import Foundation
import ImageMirror
import MirrorTestServer
import SimpleStreams
import TestSupport
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
        var settings = HTTPSettings(proxies: ProxySettings())
        settings.readTimeout = .seconds(5)
        settings.retry = Self.fastRetry
        transport = HTTPTransport(settings: settings)
        destination = stream.scratch.path + "/mirror"
    }

    /// Stops the server and the clients.
    func close() async {
        await transport.shutdown()
        try? await server.stop()
    }

    func source() throws -> HTTPStreamSource {
        try HTTPStreamSource(
            server.baseURL, transport: transport, cache: MetadataCache(mirror: destination))
    }

    func policy() throws -> SignaturePolicy {
        .verify(keyring: try Keyring(contentsOf: stream.keys.keyring))
    }

    func mirror(_ options: MirrorOptions = MirrorOptions()) throws -> StreamMirror {
        StreamMirror(
            source: try source(), destination: destination, policy: try policy(), options: options,
            retry: Self.fastRetry)
    }

    /// Runs a mirror and collects its events.
    func run(_ options: MirrorOptions = MirrorOptions()) async throws -> (MirrorSummary, [MirrorEvent]) {
        let progress = MirrorProgress()
        let job = try mirror(options)
        async let summary = job.run(progress: progress)
        var events: [MirrorEvent] = []
        for await event in progress.events { events.append(event) }
        return (try await summary, events)
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
