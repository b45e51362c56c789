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

/// Curation of a mirror made by `StreamMirror` with the site's key: `MirrorCuration.remove`, `MirrorCuration.copy`
/// (promoting a candidate version), holds in mirror runs, and interrupted operations.
@Suite("Curation: remove, copy, hold")
struct CurationTests {
    static let amd64 = "com.example:noble:amd64"
    static let arm64 = "com.example:noble:arm64"
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// A mirror of the harness's stream re-signed with the site's key, and curation of it.
    struct Site {
        let harness: MirrorHarness
        let signer: DocumentSigner

        init(versions: [String] = ["20250101", "20250201", "20250301"]) async throws {
            harness = try await MirrorHarness(versions: versions)
            signer = try DocumentSigner(
                homeDirectory: harness.stream.home, fingerprint: harness.stream.keys.mirrorFingerprint)
        }

        var options: MirrorOptions {
            MirrorOptions(jobs: 2, signer: signer, pruning: .afterGracePeriod(.seconds(3600)))
        }

        /// A mirror run at the start of the tests' time.
        func run(_ options: MirrorOptions) async throws -> MirrorSummary {
            try await harness.run(options, clock: .fixed(CurationTests.start)).0
        }

        func curation(at date: Date = CurationTests.start) throws -> MirrorCuration {
            MirrorCuration(
                mirror: harness.destination, signer: signer,
                policy: .verify(keyring: try Keyring(contentsOf: harness.stream.keys.mirrorKeyring)),
                clock: .fixed(date), pruning: .afterGracePeriod(.seconds(3600)))
        }

        /// The versions the mirror publishes, per product, verified with the site's key.
        func published() async throws -> [String: [String]] {
            let reader = StreamReader(
                source: try LocalStreamSource(harness.destination),
                policy: .verify(keyring: try Keyring(contentsOf: harness.stream.keys.mirrorKeyring)))
            let result = try await reader.query(StreamQuery())
            var versions: [String: [String]] = [:]
            for products in result.products {
                for product in products.document.products {
                    versions[product.name, default: []] += product.versions.map(\.name).sorted()
                }
            }
            return versions
        }

        /// The product names the published index lists.
        func indexedProducts() async throws -> [String] {
            let reader = StreamReader(
                source: try LocalStreamSource(harness.destination),
                policy: .verify(keyring: try Keyring(contentsOf: harness.stream.keys.mirrorKeyring)))
            let result = try await reader.query(StreamQuery())
            return result.indexes.first?.document.entries.flatMap(\.productNames).sorted() ?? []
        }

        /// The store's invariant (every named file there with its signed size and digest), checked with coreutils.
        func expectIntact(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let problems = try await StoreInvariant.problems(
                destination: harness.destination, keyring: harness.stream.keys.mirrorKeyring, required: nil)
            #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
            // The offline audit agrees: nothing missing, corrupt, extra or partial (orphans are not problems).
            let report = try await MirrorAudit(
                mirror: harness.destination,
                policy: .verify(keyring: try Keyring(contentsOf: harness.stream.keys.mirrorKeyring)),
                clock: .fixed(CurationTests.start)
            ).run()
            #expect(report.ok, "\(report.problems)", sourceLocation: sourceLocation)
        }

        /// `gpgv` verifies every published document (`.sjson`, and `.json` with `.json.gpg`) with the site's key.
        func expectSignedBySite(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let streams = harness.destination + "/streams/v1/"
            for document in ["index", "com.example:test:download"] {
                let clear = try await Tool.run(
                    "gpgv", ["--keyring", harness.stream.keys.mirrorKeyring, streams + document + ".sjson"])
                #expect(clear.status == 0, "\(document).sjson: \(clear.errorText)", sourceLocation: sourceLocation)
                let detached = try await Tool.run(
                    "gpgv",
                    [
                        "--keyring", harness.stream.keys.mirrorKeyring, streams + document + ".json.gpg",
                        streams + document + ".json",
                    ])
                #expect(
                    detached.status == 0, "\(document).json.gpg: \(detached.errorText)", sourceLocation: sourceLocation
                )
            }
        }

        /// Runs `body`, then stops the stream's `gpg-agent` (started by signing) whatever happened.
        func finally<T>(_ body: () async throws -> T) async throws -> T {
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            try await harness.stream.stopAgent()
            await harness.close()
            return try outcome.get()
        }
    }

    static func id(_ product: String, _ version: String) -> ProductVersionID {
        ProductVersionID(product: product, version: version)
    }

    static func paths(_ arch: String, _ version: String) -> [String] {
        MirrorHarness.payloads(arches: [arch], versions: [version])
    }

    @Test("PRODUCT@VERSION splits at the last @; malformed ones are invalid arguments")
    func parsing() throws {
        let parsed = try ProductVersionID(parsing: "com.example:a@b:amd64@20250101")
        #expect(parsed.product == "com.example:a@b:amd64" && parsed.version == "20250101")
        #expect(parsed.description == "com.example:a@b:amd64@20250101")
        for text in ["noversion", "@20250101", "product@"] {
            #expect {
                _ = try ProductVersionID(parsing: text)
            } throws: { ($0 as? ImageMirrorError)?.code == .invalidArgument }
        }
        // NFC and NFD spellings are two products.
        #expect(Self.id("caf\u{e9}", "1") != Self.id("cafe\u{301}", "1"))
    }

    @Test("remove: re-signed metadata without the version (gpgv), files orphaned then pruned, not taken back by runs")
    func remove() async throws {
        let site = try await Site()
        try await site.finally {
            _ = try await site.run(site.options)
            let before = try await site.published()
            #expect(before[Self.amd64] == ["20250101", "20250201", "20250301"])

            let summary = try await site.curation().remove([Self.id(Self.amd64, "20250301")])
            #expect(summary.removed == [Self.id(Self.amd64, "20250301")])
            #expect(summary.pruned.isEmpty)
            #expect(summary.orphans.map(\.path) == Self.paths("amd64", "20250301"))
            #expect(summary.orphans.allSatisfy { $0.expires == Self.start.addingTimeInterval(3600) })
            #expect(try await site.published()[Self.amd64] == ["20250101", "20250201"])
            #expect(try await site.published()[Self.arm64] == before[Self.arm64])
            try await site.expectSignedBySite()
            try await site.expectIntact()

            // A version the mirror does not publish: refused, nothing changed.
            let index = site.harness.destinationBytes("streams/v1/index.sjson")
            await #expect {
                _ = try await site.curation().remove([Self.id(Self.amd64, "20991231")])
            } throws: {
                ($0 as? ImageMirrorError)?.code == .invalidArgument && "\($0)".contains("20991231")
            }
            #expect(site.harness.destinationBytes("streams/v1/index.sjson") == index)

            // A mirror run does not take it back (the stream's dates are unchanged: not a rollback).
            let run = try await site.run(site.options)
            #expect(run.succeeded)
            #expect(try await site.published()[Self.amd64] == ["20250101", "20250201"])

            // Removing the last versions drops the product from its document and from the index; the grace of the
            // first orphans is over two hours later.
            let later = try await site.curation(at: Self.start.addingTimeInterval(7200)).remove([
                Self.id(Self.amd64, "20250101"), Self.id(Self.amd64, "20250201"),
            ])
            #expect(later.pruned == Self.paths("amd64", "20250301"))
            #expect(
                Set(later.orphans.map(\.path)) == Set(Self.paths("amd64", "20250101") + Self.paths("amd64", "20250201"))
            )
            #expect(try await site.published()[Self.amd64] == nil)
            #expect(try await site.indexedProducts() == [Self.arm64])
            try await site.expectSignedBySite()
            try await site.expectIntact()

            // Released: the next run mirrors the product again.
            var released = site.options
            released.releasedHolds = [Self.amd64]
            _ = try await site.run(released)
            #expect(try await site.published()[Self.amd64] == ["20250101", "20250201", "20250301"])
            try await site.expectIntact()
        }
    }

    @Test("hold: newer versions are not taken, the held one stays when upstream drops it, unhold lifts it")
    func hold() async throws {
        let site = try await Site(versions: ["20250101", "20250201"])
        try await site.finally {
            _ = try await site.run(site.options)
            try await site.harness.stream.write(
                versions: ["20250101", "20250201", "20250301"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")
            var holding = site.options
            holding.holds = [Self.id(Self.amd64, "20250201")]
            let held = try await site.run(holding)
            #expect(held.succeeded)
            #expect(try await site.published()[Self.amd64] == ["20250201"])
            #expect(try await site.published()[Self.arm64] == ["20250101", "20250201", "20250301"])
            try await site.expectSignedBySite()

            // Upstream drops the held version: it is published from the record, its files kept.
            try await site.harness.stream.write(
                versions: ["20250301", "20250401"], updated: "Wed, 03 Dec 2025 00:00:00 +0000")
            let kept = try await site.run(site.options)
            #expect(kept.succeeded)
            #expect(try await site.published()[Self.amd64] == ["20250201"])
            #expect(try await site.published()[Self.arm64] == ["20250301", "20250401"])
            #expect(!kept.orphans.map(\.path).contains { $0.hasPrefix("noble/amd64/20250201/") })
            try await site.expectIntact()

            // Without the site's key a curated mirror cannot be published.
            let unsigned = MirrorOptions(jobs: 2)
            await #expect {
                _ = try await site.harness.mirror(unsigned).run()
            } throws: { ($0 as? ImageMirrorError)?.code == .invalidArgument }
            var holdUnsigned = unsigned
            holdUnsigned.holds = [Self.id(Self.arm64, "20250401")]
            await #expect {
                _ = try await site.harness.mirror(holdUnsigned).run()
            } throws: { ($0 as? ImageMirrorError)?.code == .invalidArgument }

            // Unhold: upstream's versions come back, the held version's files become orphans.
            var release = site.options
            release.releasedHolds = [Self.amd64]
            let released = try await site.run(release)
            #expect(released.succeeded)
            #expect(try await site.published()[Self.amd64] == ["20250301", "20250401"])
            #expect(released.orphans.map(\.path).contains("noble/amd64/20250201/squashfs"))
            try await site.expectIntact()
        }
    }

    /// A candidate stream: `com.example.candidate:noble:amd64` at `version`, items under `noble/amd64/VERSION/`
    /// (`squashfs` with `squashfsContent` when given), signed by the upstream key.
    static func candidate(version: String, squashfsContent: [UInt8]? = nil) async throws -> GeneratedMirror {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let items = GeneratedMirror.itemNames.map { item in
            StreamItemSpec(
                product: "com.example.candidate:noble:amd64", version: version, item: item,
                path: GeneratedMirror.path(arch: "amd64", version: version, item: item),
                content: item == "squashfs"
                    ? squashfsContent ?? GeneratedMirror.content(arch: "amd64", version: version, item: item)
                    : GeneratedMirror.content(arch: "amd64", version: version, item: item))
        }
        try await stream.write(items: items)
        try await stream.stopAgent()
        return stream
    }

    @Test("copy: a candidate version promoted into the stable product, files verified, kept by later runs")
    func copyPromotes() async throws {
        let site = try await Site(versions: ["20250101", "20250201"])
        let candidate = try await Self.candidate(version: "20250401")
        try await site.finally {
            _ = try await site.run(site.options)
            let progress = ProgressChannel<MirrorEvent>()
            async let copying = site.curation().copy(
                [Self.id("com.example.candidate:noble:amd64", "20250401")],
                from: try LocalStreamSource(candidate.root),
                policy: .verify(keyring: try Keyring(contentsOf: candidate.keys.keyring)), progress: progress)
            var events: [MirrorEvent] = []
            for await update in progress { events += update.events }
            let summary = try await copying
            #expect(summary.copied == [Self.id(Self.amd64, "20250401")])
            #expect(summary.downloaded.sorted() == Self.paths("amd64", "20250401"))
            #expect(events.contains { if case .published = $0 { true } else { false } })
            #expect(try await site.published()[Self.amd64] == ["20250101", "20250201", "20250401"])
            #expect(try await site.indexedProducts() == [Self.amd64, Self.arm64])
            for path in Self.paths("amd64", "20250401") {
                let parts = path.split(separator: "/").map(String.init)
                #expect(
                    site.harness.destinationBytes(path)
                        == GeneratedMirror.content(arch: parts[1], version: parts[2], item: parts[3]))
            }
            // The promoted items inherit the stable product's attributes.
            let reader = StreamReader(
                source: try LocalStreamSource(site.harness.destination),
                policy: .verify(keyring: try Keyring(contentsOf: site.harness.stream.keys.mirrorKeyring)))
            let promoted = try await reader.query(StreamQuery(filters: ["version_name=20250401"]))
            #expect(promoted.items.count == 3 && promoted.items.allSatisfy { $0.pythonString("label") == "stable" })
            try await site.expectSignedBySite()
            try await site.expectIntact()

            // Later runs keep the copied version (until released).
            let run = try await site.run(site.options)
            #expect(run.succeeded)
            #expect(try await site.published()[Self.amd64] == ["20250101", "20250201", "20250401"])
            try await site.expectIntact()

            // Copying it again changes nothing and downloads nothing.
            let again = try await site.curation().copy(
                [Self.id("com.example.candidate:noble:amd64", "20250401")],
                from: try LocalStreamSource(candidate.root),
                policy: .verify(keyring: try Keyring(contentsOf: candidate.keys.keyring)))
            #expect(again.downloaded.isEmpty && again.linked.isEmpty)
            try await site.expectIntact()
        }
    }

    @Test("copy refuses a path the mirror holds with other content, and a version the source lacks; nothing changes")
    func copyRefuses() async throws {
        let site = try await Site(versions: ["20250101"])
        // Same path as the mirror's noble/amd64/20250101/squashfs, other bytes.
        let conflicting = try await Self.candidate(version: "20250101", squashfsContent: [1, 2, 3])
        try await site.finally {
            _ = try await site.run(site.options)
            let index = site.harness.destinationBytes("streams/v1/index.sjson")
            let products = site.harness.destinationBytes("streams/v1/com.example:test:download.sjson")
            let source = try LocalStreamSource(conflicting.root)
            let policy = SignaturePolicy.verify(keyring: try Keyring(contentsOf: conflicting.keys.keyring))
            for version in ["20250101", "20991231"] {
                await #expect {
                    _ = try await site.curation().copy(
                        [Self.id("com.example.candidate:noble:amd64", version)], from: source, policy: policy)
                } throws: { ($0 as? ImageMirrorError)?.code == .invalidArgument }
            }
            #expect(site.harness.destinationBytes("streams/v1/index.sjson") == index)
            #expect(site.harness.destinationBytes("streams/v1/com.example:test:download.sjson") == products)
            try await site.expectIntact()
        }
    }

    /// Runs `operation` once per step, cancelled at that step (from a copy of the mirror as it was), checks the mirror
    /// is consistent, reruns it to completion and checks again; stops when the operation has fewer steps.
    func interruptEveryStep(
        _ site: Site, _ operation: @escaping @Sendable (MirrorCuration) async throws -> CurationSummary,
        expect: @escaping () async throws -> Void
    ) async throws -> Int {
        let pristine = site.harness.stream.scratch.path + "/pristine"
        try FileManager.default.copyItem(atPath: site.harness.destination, toPath: pristine)
        var step = 0
        while true {
            try? FileManager.default.removeItem(atPath: site.harness.destination)
            try FileManager.default.copyItem(atPath: pristine, toPath: site.harness.destination)
            let seen = Mutex(0)
            let target = step
            var curation = try site.curation()
            curation.checkpoint = { _ in
                let reached = seen.withLock { count in
                    defer { count += 1 }
                    return count == target
                }
                if reached { withUnsafeCurrentTask { $0?.cancel() } }
            }
            let interrupted = curation
            let task = Task { try await operation(interrupted) }
            let outcome = await task.result
            try await site.expectIntact()
            if case .success = outcome {
                #expect(seen.withLock { $0 } <= target)
                return step
            }
            #expect(throws: ImageMirrorError.self) { try outcome.get() }
            _ = try await operation(try site.curation())
            try await site.expectIntact()
            try await expect()
            step += 1
        }
    }

    @Test("remove and copy cancelled at every step leave a consistent mirror, and a rerun completes them")
    func interrupted() async throws {
        let site = try await Site(versions: ["20250101", "20250201"])
        let candidate = try await Self.candidate(version: "20250401")
        try await site.finally {
            _ = try await site.run(site.options)
            let removeSteps = try await interruptEveryStep(site) { curation in
                try await curation.remove([Self.id(Self.amd64, "20250201")])
            } expect: {
                let versions = try await site.published()[Self.amd64]
                #expect(versions == ["20250101"])
            }
            #expect(removeSteps >= 4)
            let source = try LocalStreamSource(candidate.root)
            let policy = SignaturePolicy.verify(keyring: try Keyring(contentsOf: candidate.keys.keyring))
            try FileManager.default.removeItem(atPath: site.harness.stream.scratch.path + "/pristine")
            let copySteps = try await interruptEveryStep(site) { curation in
                try await curation.copy(
                    [Self.id("com.example.candidate:noble:amd64", "20250401")], from: source, policy: policy)
            } expect: {
                let versions = try await site.published()[Self.amd64]
                #expect(versions == ["20250101", "20250401"])
            }
            #expect(copySteps >= 7)
        }
    }
}
