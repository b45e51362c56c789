import Foundation
import MirrorTestServer
import SignedStreams
import SimpleStreams
import TestSupport
import Testing
import Verification

@testable import ImageMirror

/// Issue 16, defect 6: a server that drips or stalls cannot hold a transfer, or the retries of a file, forever.
///
/// Every test configures limits far from what the server does (a minimum rate of 1 byte/s over a 10 s window against
/// a server dripping one byte every 2 s, while healthy files of at most 80 KB arrive on loopback in one go), so the
/// outcome is the same on an idle or a loaded machine; they assert on which limit ended the transfer, never on how
/// long it took.
@Suite("Transfer deadlines: minimum rate, document deadline, response head, bounded retries")
struct DeadlineTests {
    static let payload = GeneratedMirror.path(arch: "amd64", version: "20250101", item: "squashfs")
    static let index = "streams/v1/index.sjson"
    /// The pause between the bytes of a dripped body, in milliseconds: half the rate ``strictRate()`` asks for.
    static let drip = 2000

    /// Settings with a 10 s rate window at 1 byte/s and no other limit that could end the transfer first: a drip of
    /// one byte every ``drip`` (5 bytes a window) fails the first window whatever the machine's load, while a healthy
    /// transfer fails only if it receives nothing for a whole window, so a loaded machine does not fail the healthy
    /// files of a run.
    static func strictRate() -> HTTPSettings {
        var settings = HTTPSettings(proxies: ProxySettings())
        settings.readTimeout = .seconds(600)
        settings.speedLimit = 1
        settings.speedTime = .seconds(10)
        settings.documentTimeout = nil
        settings.payloadTimeout = nil
        settings.retry = RetryPolicy(maximumAttempts: 1)
        return settings
    }

    /// The time limit behind `error` (an ``ImageMirrorError`` or a `SimpleStreamsError` wrapping one).
    static func limit(of error: any Error) -> TransferTimeLimit.Reason? {
        var current: (any Error)? = error
        while let error = current {
            if let limit = error as? TransferTimeLimit { return limit.reason }
            if let mirror = error as? ImageMirrorError {
                guard mirror.code == .transport else { return nil }
                current = mirror.underlyingError
            } else if let streams = error as? SimpleStreamsError {
                current = streams.underlyingError
            } else {
                return nil
            }
        }
        return nil
    }

    static func isBelowMinimumRate(_ reason: TransferTimeLimit.Reason?) -> Bool {
        if case .belowMinimumRate = reason { return true }
        return false
    }

    /// Runs `body` with a source on a server of a generated stream with `faults`.
    static func withSource(
        _ settings: HTTPSettings, faults: ServerFaults,
        _ body: (HTTPStreamSource, LoopbackHTTPServer) async throws -> Void
    ) async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        server.setFaults { $0 = faults }
        do {
            try await HTTPTransport.withTransport(settings) { transport in
                try await body(try HTTPStreamSource(server.baseURL, transport: transport), server)
            }
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    /// Faults made by `change`.
    static func faults(_ change: (inout ServerFaults) -> Void) -> ServerFaults {
        var faults = ServerFaults()
        change(&faults)
        return faults
    }

    /// Streams `path` to nowhere and returns the error, if any.
    static func stream(_ source: HTTPStreamSource, _ path: String) async -> ImageMirrorError? {
        do throws(ImageMirrorError) {
            try await source.streamPayload(
                path, from: 0, expectedSize: 1 << 20, start: { _ throws(ImageMirrorError) in },
                receive: { _ throws(ImageMirrorError) in })
            return nil
        } catch {
            return error
        }
    }

    @Test("A document dripped one byte at a time fails on the rate rule")
    func documentDrip() async throws {
        try await Self.withSource(
            Self.strictRate(), faults: Self.faults { $0.dripMilliseconds[Self.index] = Self.drip }
        ) {
            source, _ in
            await #expect {
                _ = try await source.read(Self.index, maximumSize: 1 << 20)
            } throws: { error in
                (error as? SimpleStreamsError)?.code == .transport && Self.isBelowMinimumRate(Self.limit(of: error))
            }
        }
    }

    @Test("A payload dripped one byte at a time fails on the rate rule, retryable")
    func payloadDrip() async throws {
        try await Self.withSource(
            Self.strictRate(), faults: Self.faults { $0.dripMilliseconds[Self.payload] = Self.drip }
        ) {
            source, _ in
            let error = await Self.stream(source, Self.payload)
            #expect(error?.code == .transport)
            #expect(error?.isRetryable == true)
            #expect(Self.isBelowMinimumRate(error.flatMap { Self.limit(of: $0) }))
        }
    }

    @Test("A body that stalls after a few bytes is ended by the watchdog, document and payload")
    func stalls() async throws {
        let faults = Self.faults {
            $0.stallAfterBytes[Self.index] = 3
            $0.stallAfterBytes[Self.payload] = 3
        }
        try await Self.withSource(Self.strictRate(), faults: faults) { source, _ in
            await #expect {
                _ = try await source.read(Self.index, maximumSize: 1 << 20)
            } throws: { Self.isBelowMinimumRate(Self.limit(of: $0)) }
            let error = await Self.stream(source, Self.payload)
            #expect(Self.isBelowMinimumRate(error.flatMap { Self.limit(of: $0) }))
        }
    }

    @Test("A document above the minimum rate still ends at the document deadline")
    func documentDeadline() async throws {
        var settings = Self.strictRate()
        settings.speedLimit = 0
        settings.documentTimeout = .seconds(1)
        try await Self.withSource(settings, faults: Self.faults { $0.dripMilliseconds[Self.index] = 50 }) { source, _ in
            await #expect {
                _ = try await source.read(Self.index, maximumSize: 1 << 20)
            } throws: { Self.limit(of: $0) == .deadline(.seconds(1)) }
        }
    }

    @Test("A payload has the payload deadline, when one is set")
    func payloadDeadline() async throws {
        var settings = Self.strictRate()
        settings.speedLimit = 0
        settings.payloadTimeout = .seconds(1)
        try await Self.withSource(settings, faults: Self.faults { $0.dripMilliseconds[Self.payload] = 50 }) {
            source, _ in
            let error = await Self.stream(source, Self.payload)
            #expect(error.flatMap { Self.limit(of: $0) } == .deadline(.seconds(1)))
        }
    }

    @Test("A server that never answers is cut off when the response head is late, before the read timeout")
    func noResponseHead() async throws {
        var settings = Self.strictRate()
        settings.connectTimeout = .seconds(1)
        try await Self.withSource(settings, faults: Self.faults { $0.noAnswer = [Self.index, Self.payload] }) {
            source, _ in
            await #expect {
                _ = try await source.read(Self.index, maximumSize: 1 << 20)
            } throws: { Self.limit(of: $0) == .noResponseHead(.seconds(11)) }
            let error = await Self.stream(source, Self.payload)
            #expect(error.flatMap { Self.limit(of: $0) } == .noResponseHead(.seconds(11)))
        }
    }

    @Test("A dripping document is retried, each attempt ended by the rate rule, as often as the policy says")
    func documentRetries() async throws {
        var settings = Self.strictRate()
        settings.retry = RetryPolicy(
            maximumAttempts: 3, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(2),
            maximumRetryTime: nil)
        try await Self.withSource(settings, faults: Self.faults { $0.dripMilliseconds[Self.index] = Self.drip }) {
            source, server in
            await #expect {
                _ = try await source.read(Self.index, maximumSize: 1 << 20)
            } throws: { Self.isBelowMinimumRate(Self.limit(of: $0)) }
            #expect(server.requests.filter { $0.path == Self.index }.count == 3)
        }
    }

    /// A source whose documents come from a directory and whose payloads come over HTTP, so that in a mirror run
    /// only the payload is subject to the strict limits.
    struct PayloadsOverHTTP: PayloadSource {
        let documents: LocalStreamSource
        let payloads: HTTPStreamSource

        var location: String { payloads.location }

        func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
            try await documents.read(path, maximumSize: maximumSize)
        }

        func url(of path: String) -> String { payloads.url(of: path) }

        func streamPayload(
            _ path: String, from offset: Int64, expectedSize: Int64,
            start: (Int64) throws(ImageMirrorError) -> Void,
            receive: (UnsafeRawBufferPointer) throws(ImageMirrorError) -> Void
        ) async throws(ImageMirrorError) {
            try await payloads.streamPayload(
                path, from: offset, expectedSize: expectedSize, start: start, receive: receive)
        }
    }

    @Test("A mirror run with a dripping payload fails that file on the rate rule and publishes nothing")
    func mirrorDrip() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        server.setFaults { $0.dripMilliseconds[Self.payload] = Self.drip }
        let destination = stream.scratch.path + "/mirror"
        let retry = RetryPolicy(maximumAttempts: 2, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(2))
        // Only the dripped payload crosses HTTP: no healthy transfer is judged by the strict limits, so the outcome
        // does not depend on the machine's load.
        let options = MirrorOptions(filters: [try ItemFilter("arch=amd64"), try ItemFilter("item_name=squashfs")])
        let summary = try await HTTPTransport.withTransport(Self.strictRate()) { transport in
            let source = PayloadsOverHTTP(
                documents: try LocalStreamSource(stream.root),
                payloads: try HTTPStreamSource(server.baseURL, transport: transport))
            let mirror = StreamMirror(
                source: source, destination: destination,
                policy: .verify(keyring: try Keyring(contentsOf: stream.keys.keyring)), options: options, retry: retry)
            return try await mirror.run()
        }
        try await server.stop()
        #expect(summary.failures.map(\.path) == [Self.payload])
        #expect(summary.failures.first?.reason.contains("too slow") == true)
        #expect(!summary.published)
        #expect(server.requests.filter { $0.path == Self.payload }.count == 2)
    }

    @Test("The retries of one request stop once the retry time is spent, unless an attempt made progress")
    func retryTime() async throws {
        let failure = ImageMirrorError(.transport, "http://example/x: the request failed")
        var noTime = RetryPolicy(
            maximumAttempts: 5, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(1), maximumRetryTime: .zero)
        var attempts = 0
        await #expect(throws: ImageMirrorError.self) {
            try await noTime.run { () throws(ImageMirrorError) in
                attempts += 1
                throw failure
            }
        }
        #expect(attempts == 1)

        // No delay, no retry time: only an attempt that made progress earns another.
        noTime = RetryPolicy(maximumAttempts: 5, initialDelay: .zero, maximumDelay: .zero, maximumRetryTime: .zero)
        attempts = 0
        await #expect(throws: ImageMirrorError.self) {
            try await noTime.run { () throws(ImageMirrorError) in
                attempts += 1
                AttemptProgress.current?.markProgress()
                throw failure
            }
        }
        #expect(attempts == 5)

        let unbounded = RetryPolicy(
            maximumAttempts: 3, initialDelay: .zero, maximumDelay: .zero, maximumRetryTime: nil)
        attempts = 0
        await #expect(throws: ImageMirrorError.self) {
            try await unbounded.run { () throws(ImageMirrorError) in
                attempts += 1
                throw failure
            }
        }
        #expect(attempts == 3)
        #expect(RetryPolicy().maximumRetryTime == .seconds(300))
    }

    @Test("The rate rule judges whole windows, credits late bytes to the oldest window, and has a deadline")
    func monitor() {
        let start = ContinuousClock.now
        func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

        // 1024 B/s over 30 s: one byte every 20 s fails when the first window is judged.
        let drip = TransferMonitor(speedLimit: 1024, window: .seconds(30), deadline: nil, start: start)
        #expect(drip.minimumBytes == 30 * 1024)
        #expect(drip.record(1, at: at(20_000)) == nil)
        #expect(drip.nextCheck() == at(30_000))
        #expect(
            drip.record(0, at: at(30_000))
                == TransferTimeLimit(.belowMinimumRate(received: 1, minimum: 30 * 1024, window: .seconds(30))))

        // A reader that was not scheduled for a while: its bytes count in the window they were waiting in.
        let late = TransferMonitor(speedLimit: 1024, window: .seconds(30), deadline: nil, start: start)
        #expect(late.record(40_000, at: at(45_000)) == nil)
        #expect(late.nextCheck() == at(60_000))
        #expect(late.record(40_000, at: at(59_000)) == nil)
        #expect(late.total == 80_000)

        // A healthy slow link passes every window, however long the transfer.
        let slow = TransferMonitor(speedLimit: 1024, window: .seconds(30), deadline: nil, start: start)
        let cut = (1...10_000).filter { slow.record(2048, at: at($0 * 1000)) != nil }
        #expect(cut.isEmpty)

        // Time spent waiting for the consumer is not the server's: the window is shifted by it.
        let consumer = TransferMonitor(speedLimit: 1024, window: .seconds(30), deadline: nil, start: start)
        #expect(consumer.record(100, at: at(1_000)) == nil)
        consumer.pause(at: at(1_000))
        #expect(consumer.check(scheduled: at(30_000), at: at(30_000)) == nil)
        consumer.resume(at: at(40_000))
        #expect(consumer.nextCheck() == at(69_000))
        #expect(consumer.check(scheduled: at(69_000), at: at(69_000)) != nil)

        // A watchdog that wakes far too late (the process starved) starts the window again instead of judging it;
        // on time, it judges.
        let starved = TransferMonitor(speedLimit: 1024, window: .seconds(30), deadline: nil, start: start)
        #expect(starved.check(scheduled: at(30_000), at: at(45_000)) == nil)
        #expect(starved.nextCheck() == at(75_000))
        #expect(starved.check(scheduled: at(75_000), at: at(75_100)) != nil)

        // The deadline, and a rate rule turned off.
        let deadline = TransferMonitor(
            speedLimit: 0, window: .seconds(30), deadline: (at(5_000), .seconds(5)), start: start)
        #expect(deadline.nextCheck() == at(5_000))
        #expect(deadline.record(1 << 20, at: at(4_999)) == nil)
        #expect(deadline.record(1 << 20, at: at(5_000)) == TransferTimeLimit(.deadline(.seconds(5))))
        #expect(TransferMonitor(speedLimit: 0, window: .seconds(30), deadline: nil, start: start).nextCheck() == nil)
    }

    @Test("The defaults end a drip or a stall within minutes and never cut a large payload on time alone")
    func defaults() {
        let settings = HTTPSettings(proxies: ProxySettings())
        #expect(settings.speedLimit == 1024)
        #expect(settings.speedTime == .seconds(30))
        #expect(settings.documentTimeout == .seconds(180))
        #expect(settings.payloadTimeout == nil)
        #expect(settings.retry.maximumRetryTime == .seconds(300))
    }
}
