internal import Logging
internal import SimpleStreams

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// Applies a ``PruningPolicy`` to the mirror's record once new metadata is published: files the metadata no longer
/// names become orphans (since now, unless they already were), orphans whose grace period is over are removed with
/// the directories they leave empty, and the record is written.
///
/// Only paths in the record are ever removed, so pruning never touches what the mirror did not write; a file that
/// cannot be removed stays recorded and the next run tries again.
struct Pruner {
    let store: MirrorDirectory?
    let policy: PruningPolicy
    let now: Date
    let logger: Logger

    /// What pruning does to a record: the files due for removal and the orphans kept.
    struct Decision {
        var removals: [MirrorPlan.Removal] = []
        var orphans: [MirrorPlan.Orphan] = []
    }

    /// What pruning `manifest` would do once the published metadata names exactly `named`; changes nothing.
    func decide(_ manifest: MirrorManifest, named: Set<BytewiseString>) -> Decision {
        var decision = Decision()
        for (key, entry) in manifest.files.sorted(by: { $0.key < $1.key }) where !named.contains(key) {
            let since = entry.orphanedSince ?? now
            let size = store?.regularFileSize(key.string) ?? 0
            let expires = policy.expiry(since: since)
            if let expires, expires <= now {
                decision.removals.append(MirrorPlan.Removal(path: key.string, size: size))
            } else {
                decision.orphans.append(MirrorPlan.Orphan(path: key.string, size: size, since: since, expires: expires))
            }
        }
        return decision
    }

    /// Prunes `manifest` for published metadata naming exactly `named`, writes the new record and returns what was
    /// removed and what is kept as orphans. `removed` is called after each file is removed.
    func prune(
        _ manifest: MirrorManifest, named: Set<BytewiseString>, in store: MirrorDirectory,
        removed: (MirrorPlan.Removal) -> Void = { _ in }
    ) throws(ImageMirrorError) -> Decision {
        let decision = decide(manifest, named: named)
        var record = MirrorManifest()
        for (key, var entry) in manifest.files {
            entry.orphanedSince = named.contains(key) ? nil : (entry.orphanedSince ?? now)
            record.files[key] = entry
        }
        var result = Decision(orphans: decision.orphans)
        for removal in decision.removals {
            do {
                try store.remove(removal.path)
            } catch {
                // Kept in the record, so the next run tries again.
                logger.warning("cannot remove \(store.path)/\(removal.path): \(error)")
                continue
            }
            store.removeEmptyDirectories(holding: removal.path)
            record.files[BytewiseString(removal.path)] = nil
            result.removals.append(removal)
            removed(removal)
        }
        try record.write(store)
        return result
    }
}
