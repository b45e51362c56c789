import Foundation
import ImageMirror
import MirrorTestServer
import ProgressReporting
import SignedStreams
import SimpleStreams
import TestSupport
import Testing

/// `MirrorAudit`: a mirror made by a real run against the loopback server, then damaged in each way the audit
/// reports; the audit never changes the mirror. Orphans use a test clock.
@Suite("Mirror audit")
struct MirrorAuditTests {
    static let start = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01T00:00:00Z
    static let productsPath = GeneratedMirror.productsPath
    static let productsJSON = "streams/v1/com.example:test:download.json"

    /// A harness whose stream is mirrored whole (or with `options`), at `start`.
    static func mirrored(_ options: MirrorOptions = MirrorOptions()) async throws -> MirrorHarness {
        let harness = try await MirrorHarness()
        let (summary, _) = try await harness.run(options, clock: .fixed(start))
        #expect(summary.succeeded)
        return harness
    }

    /// Audits the harness's destination with the upstream keyring, checking that it changes nothing and that the
    /// progress ends with the report's counts.
    static func audit(
        _ harness: MirrorHarness, hours: Double = 0, jobs: Int = 2, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> MirrorAuditReport {
        let before = try AuditSnapshot(harness.destination)
        let audit = MirrorAudit(
            mirror: harness.destination, policy: try harness.policy(), jobs: jobs,
            clock: .fixed(start.addingTimeInterval(hours * 3600)))
        let progress = ProgressChannel<MirrorAuditEvent>()
        async let running = audit.run(progress: progress)
        var final: ProgressUpdate<MirrorAuditEvent>?
        var reported: [MirrorProblem] = []
        for await update in progress {
            for case .problem(let problem) in update.events { reported.append(problem) }
            if update.isFinal { final = update }
        }
        let report = try await running
        #expect(
            try AuditSnapshot(harness.destination) == before, "the audit changed DEST", sourceLocation: sourceLocation)
        #expect(
            final.map { [$0.completedItems, Int($0.completedBytes), $0.totalItems ?? -1, Int($0.totalBytes ?? -1)] }
                == [report.filesChecked, Int(report.bytesChecked), report.filesChecked, Int(report.bytesChecked)],
            "final progress (items, bytes, total items, total bytes)", sourceLocation: sourceLocation)
        #expect(
            Set(reported) == Set(report.problems), "the events report every problem", sourceLocation: sourceLocation)
        return report
    }

    /// `(kind path)` of each problem, in the report's order.
    static func summary(_ report: MirrorAuditReport) -> [String] {
        report.problems.map { "\($0.kind.rawValue) \($0.path)" }
    }

    /// The payload bytes of the whole generated stream (18 files).
    static var allPayloadBytes: Int64 {
        MirrorHarness.payloads(versions: ["20250101", "20250201", "20250301"]).reduce(0) { total, path in
            let parts = path.split(separator: "/").map(String.init)
            return total + Int64(GeneratedMirror.content(arch: parts[1], version: parts[2], item: parts[3]).count)
        }
    }

    @Test("An intact mirror is ok: every payload hashed, no problem, DEST unchanged; one job gives the same")
    func intact() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        for jobs in [2, 1] {
            let report = try await Self.audit(harness, jobs: jobs)
            #expect(report.ok && report.problems.isEmpty, "\(report.problems)")
            #expect(report.filesChecked == 18)
            #expect(report.bytesChecked == Self.allPayloadBytes)
        }
    }

    @Test("Each kind of damage is reported exactly, sorted by path; DEST is left as it is")
    func plantedProblems() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        let root = harness.destination
        let manager = FileManager.default
        // missing
        try manager.removeItem(atPath: root + "/noble/amd64/20250101/squashfs")
        // corrupt: one byte more
        let grown = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/noble/amd64/20250201/squashfs"))
        try grown.seekToEnd()
        try grown.write(contentsOf: Data([0]))
        try grown.close()
        // corrupt: the same size, one byte changed
        var flipped = try #require(harness.destinationBytes("noble/amd64/20250301/boot-kernel"))
        flipped[100] ^= 0xFF
        try Data(flipped).write(to: URL(fileURLWithPath: root + "/noble/amd64/20250301/boot-kernel"))
        // corrupt: a symbolic link (to the right content) where a payload should be
        try manager.removeItem(atPath: root + "/noble/arm64/20250201/boot-kernel")
        try manager.createSymbolicLink(
            atPath: root + "/noble/arm64/20250201/boot-kernel",
            withDestinationPath: harness.stream.root + "/noble/arm64/20250201/boot-kernel")
        // extra: a file, and a symbolic link elsewhere; partial: a .part and a temporary name
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/noble/extra.bin"))
        try manager.createSymbolicLink(atPath: root + "/noble/link", withDestinationPath: "/etc/passwd")
        try Data([1]).write(to: URL(fileURLWithPath: root + "/noble/arm64/20250101/squashfs.part"))
        try Data([1]).write(to: URL(fileURLWithPath: root + "/streams/v1/.index.sjson.tmp-0123456789abcdef"))

        let report = try await Self.audit(harness)
        #expect(!report.ok)
        #expect(
            Self.summary(report) == [
                "missing noble/amd64/20250101/squashfs",
                "corrupt noble/amd64/20250201/squashfs",
                "corrupt noble/amd64/20250301/boot-kernel",
                "partial noble/arm64/20250101/squashfs.part",
                "corrupt noble/arm64/20250201/boot-kernel",
                "extra noble/extra.bin",
                "extra noble/link",
                "partial streams/v1/.index.sjson.tmp-0123456789abcdef",
            ])
        let details = Dictionary(report.problems.map { ($0.path, $0.detail) }, uniquingKeysWith: { $1 })
        let size = GeneratedMirror.content(arch: "amd64", version: "20250201", item: "squashfs").count
        #expect(details["noble/amd64/20250201/squashfs"] == "\(size + 1) bytes, but the metadata signs \(size)")
        let kernel = GeneratedMirror.content(arch: "amd64", version: "20250301", item: "boot-kernel")
        #expect(
            details["noble/amd64/20250301/boot-kernel"]
                == "SHA-256 \(GeneratedMirror.sha256(flipped)), but the metadata signs \(GeneratedMirror.sha256(kernel))"
        )
        #expect(details["noble/arm64/20250201/boot-kernel"] == "not a regular file: a symbolic link")
        #expect(
            details["noble/amd64/20250101/squashfs"]
                == "absent, but the published metadata names it (com.example:noble:amd64 20250101 squashfs)")
        #expect(details["noble/link"] == "a symbolic link no published metadata names")
        // The symbolic link is never followed: 18 payloads less the missing one, the resized one and the link.
        #expect(report.filesChecked == 15)
    }

    @Test("Orphans are hashed and reported with their expiry by the test clock, without failing the audit")
    func orphans() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        // A second run keeping 2 versions orphans the oldest one (6 files) at hour 1.
        let (summary, _) = try await harness.run(
            MirrorOptions(maximumVersions: 2), clock: .fixed(Self.start.addingTimeInterval(3600)))
        #expect(summary.succeeded && summary.pruned.isEmpty)
        let oldest = MirrorHarness.payloads(versions: ["20250101"])

        let during = try await Self.audit(harness, hours: 2)
        #expect(during.ok)
        #expect(during.filesChecked == 18)
        #expect(Self.summary(during) == oldest.map { "orphaned \($0)" })
        #expect(during.problems.allSatisfy { $0.expires == Self.start.addingTimeInterval(73 * 3600) })
        #expect(
            during.problems.first?.detail
                == "no published metadata names it since 2025-12-01T01:00:00Z; kept until 2025-12-04T01:00:00Z")

        let after = try await Self.audit(harness, hours: 74)
        #expect(after.ok)
        #expect(
            after.problems.first?.detail
                == "no published metadata names it since 2025-12-01T01:00:00Z; its grace period ended "
                + "2025-12-04T01:00:00Z: the next mirror run removes it")

        // A damaged orphan is corrupt, which fails the audit.
        var bytes = try #require(harness.destinationBytes(oldest[0]))
        bytes[0] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: harness.destination + "/" + oldest[0]))
        let damaged = try await Self.audit(harness, hours: 2)
        #expect(!damaged.ok)
        #expect(Self.summary(damaged) == ["corrupt \(oldest[0])"] + oldest.dropFirst().map { "orphaned \($0)" })
        let detail = damaged.problems[0].detail
        #expect(detail.hasPrefix("SHA-256 \(GeneratedMirror.sha256(bytes)), but the metadata signs "))
        #expect(detail.hasSuffix(" (an orphan no published metadata names since 2025-12-01T01:00:00Z)"))
    }

    @Test("A filtered mirror keeping the upstream metadata is ok: items it did not select are not reported")
    func filteredMirror() async throws {
        let harness = try await Self.mirrored(MirrorOptions(filters: [try ItemFilter("arch=amd64")]))
        defer { Task { await harness.close() } }
        let report = try await Self.audit(harness)
        #expect(report.ok && report.problems.isEmpty, "\(report.problems)")
        #expect(report.filesChecked == 9)

        // An unselected file put there by hand is checked all the same (it is named), and so reported if wrong.
        let named = "noble/arm64/20250101/manifest"
        try FileManager.default.createDirectory(
            atPath: harness.destination + "/noble/arm64/20250101", withIntermediateDirectories: true)
        try Data([1, 2]).write(to: URL(fileURLWithPath: harness.destination + "/" + named))
        try Data([1, 2]).write(to: URL(fileURLWithPath: harness.destination + "/noble/arm64/20250101/squashfs.tmp"))
        let damaged = try await Self.audit(harness)
        #expect(Self.summary(damaged) == ["corrupt \(named)", "extra noble/arm64/20250101/squashfs.tmp"])
    }

    @Test("Without the mirror's record every named file is expected")
    func withoutRecord() async throws {
        let harness = try await Self.mirrored(MirrorOptions(filters: [try ItemFilter("arch=amd64")]))
        defer { Task { await harness.close() } }
        try FileManager.default.removeItem(atPath: harness.destination + "/.mirror")
        let report = try await Self.audit(harness)
        #expect(
            Self.summary(report)
                == MirrorHarness.payloads(arches: ["arm64"], versions: ["20250101", "20250201", "20250301"]).map {
                    "missing \($0)"
                })
    }

    @Test("A tampered products .sjson is corrupt; the files the mirror records are checked against its record")
    func tamperedSignedDocument() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        try Self.tamper(harness.destination + "/" + Self.productsPath)
        let report = try await Self.audit(harness)
        #expect(!report.ok)
        #expect(Self.summary(report) == ["corrupt \(Self.productsPath)"])
        #expect(report.problems.first?.detail.contains("signature") == true)
        #expect(report.filesChecked == 18)
    }

    @Test("A tampered .json companion beside a sound .sjson is corrupt, named; the payloads are still checked")
    func tamperedCompanion() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        try Self.tamper(harness.destination + "/" + Self.productsJSON)
        let report = try await Self.audit(harness)
        #expect(Self.summary(report) == ["corrupt \(Self.productsJSON)"])
        #expect(report.filesChecked == 18)

        let index = "streams/v1/index.json"
        try Data(try #require(harness.sourceBytes(Self.productsJSON))).write(
            to: URL(fileURLWithPath: harness.destination + "/" + Self.productsJSON))
        try Self.tamper(harness.destination + "/" + index)
        let indexReport = try await Self.audit(harness)
        #expect(Self.summary(indexReport) == ["corrupt \(index)"])
    }

    @Test("A missing index is missing; the recorded files are checked; nothing under streams/ is called extra")
    func missingIndex() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        try FileManager.default.removeItem(atPath: harness.destination + "/streams/v1/index.sjson")
        let report = try await Self.audit(harness)
        #expect(Self.summary(report) == ["missing streams/v1/index.sjson"])
        #expect(report.filesChecked == 18)
    }

    @Test("A mirror that does not exist, or jobs below 1, is an error")
    func errors() async throws {
        let scratch = try ScratchDirectory(prefix: "mirror-audit")
        defer { scratch.remove() }
        do {
            _ = try await MirrorAudit(mirror: scratch.path + "/none", policy: .allowUnsigned).run()
            Issue.record("a missing mirror was audited")
        } catch {
            #expect(error.code == .notFound)
        }
        do {
            _ = try await MirrorAudit(mirror: scratch.path, policy: .allowUnsigned, jobs: 0).run()
            Issue.record("jobs 0 was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test("A cancelled audit throws cancelled and changes nothing")
    func cancelled() async throws {
        let harness = try await Self.mirrored()
        defer { Task { await harness.close() } }
        let before = try AuditSnapshot(harness.destination)
        let audit = MirrorAudit(mirror: harness.destination, policy: try harness.policy())
        let code = await withTaskGroup(of: ImageMirrorError.Code?.self) { group in
            // A task added to a cancelled group starts cancelled.
            group.cancelAll()
            group.addTask {
                do throws(ImageMirrorError) {
                    _ = try await audit.run()
                    return nil
                } catch {
                    return error.code
                }
            }
            return await group.next() ?? nil
        }
        #expect(code == .cancelled)
        #expect(try AuditSnapshot(harness.destination) == before)
    }

    /// Changes one byte in the middle of the file at `path`.
    static func tamper(_ path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let index = bytes.count / 2
        bytes[index] = bytes[index] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// Every entry under a directory (`.mirror/` included), with its type and content (a link's target), to check that
/// an audit changed nothing.
struct AuditSnapshot: Equatable {
    var entries: [String: String]

    init(_ root: String) throws {
        entries = [:]
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { return }
        while let path = enumerator.nextObject() as? String {
            let full = root + "/" + path
            let attributes = try manager.attributesOfItem(atPath: full)
            let type = attributes[.type] as? FileAttributeType
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            switch type {
            case .typeSymbolicLink?: entries[path] = "link " + (try manager.destinationOfSymbolicLink(atPath: full))
            case .typeDirectory?: entries[path] = "directory"
            default:
                let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
                entries[path] = "file \(modified) " + GeneratedMirror.sha256([UInt8](bytes))
            }
        }
    }
}
