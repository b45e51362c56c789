internal import SystemLayer

#if canImport(FoundationEssentials)
    package import FoundationEssentials
#else
    package import Foundation
#endif

/// The date formats of simplestreams documents.
package enum StreamDates {
    /// Parses an RFC 2822 date as `updated` holds it: `Thu, 24 Jul 2025 08:01:49 +0000`.
    ///
    /// The day name is optional and not checked against the date; seconds are optional; the zone is a numeric
    /// offset (`+0000`, `-0500`) or `GMT`, `UT`, `UTC` or `Z`. Returns `nil` for anything else, or for an impossible
    /// date (31 Feb).
    package static func parseRFC2822(_ text: String) -> Date? {
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let first = tokens.first, first.hasSuffix(",") {
            guard dayNames.contains(String(first.dropLast())) else { return nil }
            tokens.removeFirst()
        }
        guard tokens.count == 5, let day = digits(tokens[0]), (1...2).contains(tokens[0].count),
            let month = monthNames.firstIndex(of: tokens[1]), let year = digits(tokens[2]), tokens[2].count == 4
        else { return nil }
        let clock = tokens[3].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 2 || clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = digits(clock[0]), let minute = digits(clock[1]), hour < 24, minute < 60
        else { return nil }
        let second = clock.count == 3 ? digits(clock[2]) : 0
        guard let second, second <= 60 else { return nil }
        guard let offset = zoneOffset(tokens[4]) else { return nil }
        guard let days = daysSinceEpoch(year: year, month: month + 1, day: day) else { return nil }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Parses a calendar date `YYYY-MM-DD` (`support_eol`) as midnight UTC; `nil` if malformed or impossible.
    package static func parseCalendarDate(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = digits(parts[0]), let month = digits(parts[1]), let day = digits(parts[2]),
            let days = daysSinceEpoch(year: year, month: month, day: day)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400))
    }

    /// Formats a date as python-simplestreams writes `updated` (`%a, %d %b %Y %H:%M:%S +0000`).
    package static func formatRFC2822(_ date: Date) -> String {
        let time = CivilTime.components(secondsSinceEpoch: clampedSeconds(date))
        let weekday = Int(((time.daysSinceEpoch % 7) + 7 + 4) % 7)  // 1970-01-01 was a Thursday
        let two = CivilTime.two
        return "\(weekdayNames[weekday]), \(two(time.day)) \(monthNames[Int(time.month) - 1]) \(time.year) "
            + "\(two(time.secondOfDay / 3600)):\(two(time.secondOfDay / 60 % 60)):\(two(time.secondOfDay % 60)) +0000"
    }

    /// Formats a date as RFC 3339 UTC to the second (`2026-12-05T06:28:52Z`), as the mirror's records and JSON
    /// reports write times.
    package static func formatRFC3339(_ date: Date) -> String {
        CivilTime.rfc3339(secondsSinceEpoch: clampedSeconds(date))
    }

    /// Parses what ``formatRFC3339(_:)`` writes (`YYYY-MM-DDTHH:MM:SSZ`); `nil` for anything else.
    package static func parseRFC3339(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[10] == UInt8(ascii: "T"), bytes[19] == UInt8(ascii: "Z"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let days = parseCalendarDate(String(decoding: bytes[0..<10], as: UTF8.self)),
            let hour = digits(String(decoding: bytes[11..<13], as: UTF8.self)),
            let minute = digits(String(decoding: bytes[14..<16], as: UTF8.self)),
            let second = digits(String(decoding: bytes[17..<19], as: UTF8.self)), hour < 24, minute < 60, second < 60
        else { return nil }
        return days.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60 + second))
    }

    /// Whole seconds since the epoch, for years 1 to 9999, the range the parsers accept (anything else, or a date
    /// that is not finite, clamped).
    private static func clampedSeconds(_ date: Date) -> Int64 {
        let interval = date.timeIntervalSince1970.rounded(.down)
        return Int64(min(max(interval.isFinite ? interval : 0, -62_135_596_800), 253_402_300_799))
    }

    private static let dayNames: Set<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    private static func zoneOffset(_ zone: String) -> Int? {
        switch zone {
        case "GMT", "UT", "UTC", "Z": return 0
        default: break
        }
        let scalars = Array(zone.utf8)
        guard scalars.count == 5, scalars[0] == UInt8(ascii: "+") || scalars[0] == UInt8(ascii: "-"),
            let hours = digits(zone.dropFirst().prefix(2)), let minutes = digits(zone.suffix(2)), hours < 24,
            minutes < 60
        else { return nil }
        let offset = hours * 3600 + minutes * 60
        return scalars[0] == UInt8(ascii: "-") ? -offset : offset
    }

    /// The value of a non-empty run of ASCII digits (`Int("+4")` would accept a sign).
    private static func digits(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date, or `nil` if the date does not exist.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return nil }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[month - 1] else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
