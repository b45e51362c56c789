import Foundation
import MirrorTestServer
import TestSupport
import Testing

/// `streams mirror --prune-grace` and `--no-prune` (the grace period itself is tested in the library, on a clock).
@Suite("streams mirror pruning options")
struct StreamsPruneOptionsTests {
    @Test("Orphans are kept by default and listed by a dry run; --prune-grace 0 removes them; --no-prune never")
    func pruneOptions() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let maasImages = try CommandRunner.maasImages()
        let destination = stream.scratch.path + "/mirror"
        let arguments = [
            "streams", "mirror", stream.root, destination, "--keyring", stream.keys.keyring, "arch=amd64", "--max",
            "1", "--quiet",
        ]
        let old = destination + "/noble/amd64/20250101/squashfs"
        #expect(try await CommandRunner.run(maasImages, arguments).status == 0)
        try await stream.write(versions: ["20250101", "20250201"], updated: "Tue, 02 Dec 2025 00:00:00 +0000")

        let kept = try await CommandRunner.run(maasImages, arguments)
        #expect(kept.status == 0, "\(kept.errorText)")
        #expect(kept.errorText.contains("0 removed, 3 kept as orphans, 0 failed"))
        #expect(FileManager.default.fileExists(atPath: old))

        let plan = try await CommandRunner.run(maasImages, arguments + ["--dry-run"])
        #expect(plan.outputText.contains("~ noble/amd64/20250101/squashfs "))
        #expect(plan.outputText.contains(" kept until 20"))
        #expect(plan.outputText.hasSuffix("0 to remove (0 B), 3 kept as orphans, 3 present\n"))

        let never = try await CommandRunner.run(maasImages, arguments + ["--no-prune", "--dry-run"])
        #expect(never.outputText.contains("kept (never pruned)"))

        // The audit reports the orphans with the grace period the runs use; orphans do not fail it.
        let audit = ["streams", "verify", destination, "--keyring", stream.keys.keyring, "--quiet"]
        let kept1w = try await CommandRunner.run(maasImages, audit + ["--prune-grace", "1w"])
        #expect(kept1w.status == 0, "\(kept1w.errorText)")
        #expect(kept1w.outputText.contains("orphaned noble/amd64/20250101/squashfs: "))
        let keptForever = try await CommandRunner.run(maasImages, audit + ["--no-prune"])
        #expect(keptForever.status == 0)
        #expect(keptForever.outputText.contains("pruning is off"))

        let now = try await CommandRunner.run(maasImages, arguments + ["--prune-grace", "0"])
        #expect(now.status == 0, "\(now.errorText)")
        #expect(now.errorText.contains("3 removed, 0 kept as orphans, 0 failed"))
        #expect(!FileManager.default.fileExists(atPath: old))
    }

    @Test("A malformed --prune-grace is a usage error naming it", arguments: ["soon", "-1h", "1.5d", "1y"])
    func malformedGrace(value: String) async throws {
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(), ["streams", "mirror", "/nonexistent", "/tmp/x", "--prune-grace=\(value)"])
        #expect(result.status == 1)
        #expect(result.errorText.contains("--prune-grace takes a duration"))
    }
}
