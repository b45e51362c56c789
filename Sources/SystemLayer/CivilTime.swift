/// The UTC calendar date and time of instants, for the formats the package writes (RFC 3339, RFC 2822, listings).
package enum CivilTime {
    /// A UTC date and time of day.
    package struct Components: Equatable, Sendable {
        package var year: Int64
        /// 1 to 12.
        package var month: Int64
        /// 1 to 31.
        package var day: Int64
        /// 0 to 86,399.
        package var secondOfDay: Int64
        /// Days since 1970-01-01, for the weekday.
        package var daysSinceEpoch: Int64
    }

    /// The date and time of `seconds` after 1970-01-01T00:00:00Z (proleptic Gregorian calendar; Howard Hinnant's
    /// civil_from_days), for any `seconds` within ±2^60.
    package static func components(secondsSinceEpoch seconds: Int64) -> Components {
        let clamped = min(max(seconds, -(1 << 60)), 1 << 60)
        let days = clamped >= 0 ? clamped / 86_400 : (clamped - 86_399) / 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return Components(
            year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day,
            secondOfDay: clamped - days * 86_400, daysSinceEpoch: days)
    }

    /// `seconds` after the epoch as RFC 3339 UTC to the second: `2026-12-05T06:28:52Z` (4-digit years; callers
    /// clamp to years 1 to 9999).
    package static func rfc3339(secondsSinceEpoch seconds: Int64) -> String {
        let time = components(secondsSinceEpoch: seconds)
        let year = String(time.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-\(two(time.month))-\(two(time.day))T"
            + "\(two(time.secondOfDay / 3600)):\(two(time.secondOfDay / 60 % 60)):\(two(time.secondOfDay % 60))Z"
    }

    /// `value` (0 to 99) with two digits.
    package static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
