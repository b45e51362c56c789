import Foundation
import ImageMirror
import MirrorTestServer
import ProgressReporting
import SignedStreams
import SimpleStreams
import Testing
import Verification

@Suite("Transport and cancellation errors, and lossless progress")
struct ErrorsAndProgressTests {
    static let index = "streams/v1/index.sjson"

    @Test("An HTTP 503 on the index is a transport failure naming the URL and status, never a verification failure")
    func unavailableIndex() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        harness.server.setFaults { $0.status[Self.index] = 503 }
        let url = harness.server.baseURL + Self.index

        // The source and the signed reader report it as transport, with the status.
        let source = try harness.source()
        await #expect {
            _ = try await source.read(Self.index, maximumSize: 1 << 20)
        } throws: { error in
            let error = error as? SimpleStreamsError
            return error?.code == .transport && (error?.underlyingError as? ImageMirrorError)?.httpStatus == 503
                && error?.message.contains(url) == true && error?.message.contains("503") == true
        }
        let reader = StreamReader(source: source, policy: try harness.policy())
        await #expect {
            _ = try await reader.query(StreamQuery())
        } throws: { ($0 as? SimpleStreamsError)?.code == .transport }

        // The mirror run too, before any download.
        do {
            _ = try await harness.run()
            Issue.record("a run whose index answers 503 succeeded")
        } catch let error as ImageMirrorError {
            #expect(error.code == .transport)
            #expect(error.httpStatus == 503)
            #expect(error.message.contains(url) && error.message.contains("HTTP 503"), "\(error.message)")
            #expect(!error.message.contains("verify"), "\(error.message)")
        }
        // 503 is retried (4 attempts of the harness's policy, for each of the three reads above).
        #expect(harness.server.requests.filter { $0.path == Self.index }.count == 12)
        #expect(harness.server.requests.allSatisfy { $0.path.hasPrefix("streams/") })
        #expect(!FileManager.default.fileExists(atPath: harness.destination + "/streams"))
    }

    @Test("A missing index is not-found, and a 403 a transport failure that is not retried")
    func missingAndForbiddenIndex() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        harness.server.setFaults { $0.notFound = [Self.index] }
        await #expect {
            _ = try await harness.run()
        } throws: { ($0 as? ImageMirrorError)?.code == .notFound }
        harness.server.setFaults { $0.status[Self.index] = 403 }
        let before = harness.server.requests.count
        await #expect {
            _ = try await harness.run()
        } throws: { error in
            let error = error as? ImageMirrorError
            return error?.code == .transport && error?.httpStatus == 403
        }
        #expect(harness.server.requests.count - before == 1)
    }

    @Test("A run cancelled while it downloads throws cancelled and still finishes its progress")
    func cancelledWhileDownloading() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        harness.server.setFaults { $0.slowBodyPauseMilliseconds = 20 }
        let progress = ProgressChannel<MirrorEvent>()
        let job = try harness.mirror()
        let task = Task { try await job.run(progress: progress) }
        var sawFinal = false
        for await update in progress {
            if update.events.contains(where: { if case .started = $0 { true } else { false } }) { task.cancel() }
            if update.isFinal { sawFinal = true }
        }
        #expect(sawFinal)
        switch await task.result {
        case .success: Issue.record("a cancelled run succeeded")
        case .failure(let error): #expect((error as? ImageMirrorError)?.code == .cancelled, "\(error)")
        }
        // Nothing was published.
        #expect(!FileManager.default.fileExists(atPath: harness.destination + "/" + Self.index))
    }

    @Test("A run cancelled while it reads the metadata throws cancelled, not a metadata failure")
    func cancelledWhileReadingMetadata() async throws {
        let harness = try await MirrorHarness(versions: ["20250101"])
        defer { Task { await harness.close() } }
        harness.server.setFaults { $0.noAnswer = [Self.index] }
        let progress = ProgressChannel<MirrorEvent>()
        let job = try harness.mirror()
        let task = Task { try await job.run(progress: progress) }
        await harness.server.waitForRequest(to: Self.index)
        task.cancel()
        var updates: [ProgressUpdate<MirrorEvent>] = []
        for await update in progress { updates.append(update) }
        #expect(updates.last?.isFinal == true)
        switch await task.result {
        case .success: Issue.record("a cancelled run succeeded")
        case .failure(let error): #expect((error as? ImageMirrorError)?.code == .cancelled, "\(error)")
        }
    }

    @Test("A reader slower than the run still sees every verified and failed event, and the summary's totals")
    func slowReader() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let missing = GeneratedMirror.path(arch: "arm64", version: "20250201", item: "squashfs")
        let restarted = GeneratedMirror.path(arch: "amd64", version: "20250301", item: "squashfs")
        harness.server.setFaults {
            $0.notFound = [missing]
            $0.dropAfterBytes[restarted] = 10_000
            $0.ignoreRange = true
        }
        let progress = ProgressChannel<MirrorEvent>()
        let job = try harness.mirror()
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
            // A slow reader without a clock: give the run many turns before reading on.
            for _ in 0..<200 { await Task.yield() }
        }
        let summary = try await outcome
        MirrorHarness.expectFinalCounts(final, summary)
        #expect(withinTotals, "a restarted file took its bytes back: the count never passed the total")
        var verified: [String] = []
        var failed: [String] = []
        var restarts = 0
        for event in events {
            switch event {
            case .verified(let path, _, _): verified.append(path)
            case .failed(let failure): failed.append(failure.path)
            case .started(let path, _, 0) where path == restarted: restarts += 1
            default: break
            }
        }
        #expect(verified.sorted() == (summary.downloaded + summary.linked).sorted())
        #expect(failed.sorted() == summary.failures.map(\.path).sorted())
        #expect(failed == [missing])
        #expect(restarts >= 2, "the file started at 0, then again at 0 when the server ignored Range")
    }
}
