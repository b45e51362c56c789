import Foundation
import ImageMirror
import MirrorTestServer
import ProgressReporting
import SignedStreams
import SimpleStreams
import TestSupport
import Testing
import Verification

@Suite("Interrupted runs and re-signed metadata")
struct InterruptionAndSigningTests {
    /// The published metadata names only files that exist with their signed content, and every payload under its
    /// real name has the content of the item it belongs to.
    func expectConsistent(_ harness: MirrorHarness, options: MirrorOptions, keyring: String) async throws {
        for path in harness.destinationPayloads where !path.hasSuffix(".part") {
            let parts = path.split(separator: "/").map(String.init)
            try #require(parts.count == 4, "\(path)")
            let expected = GeneratedMirror.content(arch: parts[1], version: parts[2], item: parts[3])
            #expect(harness.destinationBytes(path) == expected, "\(path) holds unverified data")
        }
        guard FileManager.default.fileExists(atPath: harness.destination + "/streams/v1/index.sjson") else { return }
        let reader = StreamReader(
            source: try LocalStreamSource(harness.destination),
            policy: .verify(keyring: try Keyring(contentsOf: keyring)))
        let query = StreamQuery(filters: options.filters, maximumVersions: options.maximumVersions)
        let result = try await reader.query(query)
        #expect(!result.items.isEmpty)
        for item in result.items {
            let path = try #require(item.path)
            let bytes = try #require(harness.destinationBytes(path), "the index names \(path), which is missing")
            #expect(GeneratedMirror.sha256(bytes) == item.sha256)
        }
    }

    @Test("Runs cancelled at random (seeded) points leave a consistent mirror, and a rerun completes it")
    func cancelledRuns() async throws {
        let harness = try await MirrorHarness(versions: ["20250101", "20250201"])
        defer { Task { await harness.close() } }
        let options = MirrorOptions(maximumVersions: 1, jobs: 2, pruning: .immediately)
        var generator = SeededGenerator(seed: 8)
        for round in 0..<8 {
            if round == 4 {
                try await harness.stream.write(
                    versions: ["20250201", "20250301"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
            }
            let cancelAfter = Int.random(in: 1...60, using: &generator)
            let progress = ProgressChannel<MirrorEvent>()
            let job = try harness.mirror(options)
            let task = Task { try await job.run(progress: progress) }
            var count = 0
            for await _ in progress {
                count += 1
                if count == cancelAfter { task.cancel() }
            }
            _ = try? await task.value
            try await expectConsistent(harness, options: options, keyring: harness.stream.keys.keyring)
        }
        let (summary, _) = try await harness.run(options)
        #expect(summary.succeeded)
        #expect(harness.destinationPayloads == MirrorHarness.payloads(versions: ["20250301"]))
        try await expectConsistent(harness, options: options, keyring: harness.stream.keys.keyring)
    }

    @Test("With a signing key the mirror lists only what it holds, signed by that key (checked with gpgv)")
    func signedFilteredMetadata() async throws {
        let harness = try await MirrorHarness()
        defer { Task { await harness.close() } }
        let signer = try DocumentSigner(
            homeDirectory: harness.stream.home, fingerprint: harness.stream.keys.mirrorFingerprint)
        let options = MirrorOptions(filters: [try ItemFilter("arch=amd64")], maximumVersions: 1, signer: signer)
        let outcome: Result<(MirrorSummary, [MirrorEvent]), any Error>
        do {
            outcome = .success(try await harness.run(options))
        } catch {
            outcome = .failure(error)
        }
        try await harness.stream.stopAgent()
        let (summary, _) = try outcome.get()
        #expect(summary.succeeded)
        let streams = harness.destination + "/streams/v1/"
        for document in ["index", "com.example:test:download"] {
            let clear = try await Tool.run(
                "gpgv", ["--keyring", harness.stream.keys.mirrorKeyring, streams + document + ".sjson"])
            #expect(clear.status == 0, "\(document).sjson: \(clear.errorText)")
            let detached = try await Tool.run(
                "gpgv",
                [
                    "--keyring", harness.stream.keys.mirrorKeyring, streams + document + ".json.gpg",
                    streams + document + ".json",
                ])
            #expect(detached.status == 0, "\(document).json.gpg: \(detached.errorText)")
            // The upstream key did not sign it.
            let upstream = try await Tool.run(
                "gpgv", ["--keyring", harness.stream.keys.keyring, streams + document + ".sjson"])
            #expect(upstream.status != 0)
        }
        let reader = StreamReader(
            source: try LocalStreamSource(harness.destination),
            policy: .verify(keyring: try Keyring(contentsOf: harness.stream.keys.mirrorKeyring)))
        let result = try await reader.query(StreamQuery())
        #expect(
            result.items.map { $0.path ?? "" }.sorted()
                == MirrorHarness.payloads(arches: ["amd64"], versions: ["20250301"]))
        #expect(result.indexes.first?.document.entries.first?.productNames == ["com.example:noble:amd64"])
    }

    @Test("A signer without the secret key is refused")
    func missingSecretKey() async throws {
        let keys = try await SuiteKeys.shared.value
        #expect(throws: VerificationError.self) {
            _ = try DocumentSigner(
                homeDirectory: keys.directory, fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567")
        }
    }
}
