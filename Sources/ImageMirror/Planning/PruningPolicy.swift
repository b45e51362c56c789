#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// When a mirror removes a payload its published metadata no longer names (an orphan).
///
/// Clients that read the previous index a moment before a run still fetch the files it names, so removing them at
/// once breaks those clients (incus#1373). By default an orphan is kept for 72 hours after the run that orphaned it
/// (as meph2's `reap-orphans` waits 3 days), then removed by the first run after that. The mirror's record
/// (`.mirror/manifest.json`) notes since when each orphan is kept, so the grace period holds across runs.
///
/// ```swift
/// var options = MirrorOptions()
/// options.pruning = .afterGracePeriod(.seconds(24 * 3600))
/// ```
public enum PruningPolicy: Sendable, Hashable {
    /// Orphans are removed by the run that orphans them.
    case immediately
    /// Orphans are kept for this long after they became orphans, then removed by the next run.
    case afterGracePeriod(Duration)
    /// Orphans are never removed (they stay recorded as orphans).
    case never

    /// Orphans are kept for 72 hours.
    public static let `default` = PruningPolicy.afterGracePeriod(.seconds(72 * 3600))

    /// When an orphan that became one at `since` may be removed: `nil` for ``never``.
    public func expiry(since: Date) -> Date? {
        switch self {
        case .immediately: return since
        case .never: return nil
        case .afterGracePeriod(let grace):
            let (seconds, attoseconds) = grace.components
            return since.addingTimeInterval(max(0, TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18))
        }
    }

    /// Parses a duration as the command line gives it: `72h`, `30m`, `3d`, `90s`, `1w`, or a bare number of seconds;
    /// `0` means ``immediately``. Returns `nil` for anything else.
    public init?(parsing text: String) {
        let units: [(String, Int64)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        var digits = Substring(text)
        var multiplier: Int64 = 1
        if let (suffix, seconds) = units.first(where: { text.hasSuffix($0.0) }) {
            digits = text.dropLast(suffix.count)
            multiplier = seconds
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int64(digits)
        else { return nil }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self = seconds == 0 ? .immediately : .afterGracePeriod(.seconds(seconds))
    }
}
