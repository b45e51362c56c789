#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where store operations read the time: when a file became an orphan, and whether its grace period is over.
///
/// ``system`` in production; ``fixed(_:)`` gives tests and reproducible runs a time of their choosing, so a grace
/// period is checked across runs without waiting for it.
public struct MirrorClock: Sendable {
    private let date: Date?

    /// The system clock.
    public static let system = MirrorClock(date: nil)

    /// A clock that always reads `date`.
    public static func fixed(_ date: Date) -> MirrorClock { MirrorClock(date: date) }

    /// The current time, as this clock tells it.
    public func now() -> Date { date ?? Date() }
}
