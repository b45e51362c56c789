import Foundation
import SimpleStreams
import Testing

@Suite("Dates: RFC 2822 and calendar dates")
struct StreamDatesTests {
    @Test("The updated date of a MAAS stream parses and formats back to the same text")
    func roundTrip() throws {
        let text = "Thu, 24 Jul 2025 08:01:49 +0000"
        let date = try #require(StreamDates.parseRFC2822(text))
        #expect(date.timeIntervalSince1970 == 1_753_344_109)
        #expect(StreamDates.formatRFC2822(date) == text)
    }

    @Test(
        "Formatting then parsing gives the same second, over many dates",
        arguments: [
            0, 1, 86_399, 86_400, 951_782_400, 951_868_800, 1_709_164_800, 1_753_344_109, 2_147_483_647,
            4_102_444_800, -1, -86_400, -2_208_988_800, 253_402_300_799,
        ])
    func formatParse(seconds: Int) throws {
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let text = StreamDates.formatRFC2822(date)
        #expect(StreamDates.parseRFC2822(text) == date, "\(text)")
        // Same text as Python's time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(seconds)).
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        #expect(text == formatter.string(from: date))
    }

    @Test("RFC 3339 times round-trip, agree with Foundation's ISO 8601 formatter, and clamp to years 1 to 9999")
    func rfc3339() {
        var generator = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<2000 {
            let date = Date(
                timeIntervalSince1970: TimeInterval(
                    Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator)))
            let text = StreamDates.formatRFC3339(date)
            #expect(StreamDates.parseRFC3339(text) == date, "\(text)")
            if date.timeIntervalSince1970 >= 0 { #expect(formatter.string(from: date) == text) }
        }
        #expect(StreamDates.formatRFC3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(StreamDates.formatRFC3339(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(StreamDates.formatRFC3339(Date(timeIntervalSince1970: 1e15)) == "9999-12-31T23:59:59Z")
        #expect(StreamDates.formatRFC3339(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00Z")
        for bad in ["", "2025-12-01T00:00:00", "2025-12-01 00:00:00Z", "2025-02-30T00:00:00Z", "2025-12-01T24:00:00Z"] {
            #expect(StreamDates.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    @Test("Offsets, zones and optional parts")
    func offsets() throws {
        let base = try #require(StreamDates.parseRFC2822("Thu, 24 Jul 2025 08:01:49 +0000"))
        #expect(StreamDates.parseRFC2822("Thu, 24 Jul 2025 10:01:49 +0200") == base)
        #expect(StreamDates.parseRFC2822("Thu, 24 Jul 2025 03:01:49 -0500") == base)
        #expect(StreamDates.parseRFC2822("Thu, 24 Jul 2025 13:31:49 +0530") == base)
        #expect(StreamDates.parseRFC2822("Thu, 24 Jul 2025 08:01:49 GMT") == base)
        #expect(StreamDates.parseRFC2822("Thu, 24 Jul 2025 08:01:49 UTC") == base)
        #expect(StreamDates.parseRFC2822("24 Jul 2025 08:01:49 +0000") == base, "the day name is optional")
        #expect(StreamDates.parseRFC2822("Thu, 24 Jul 2025 08:01 +0000") == base.addingTimeInterval(-49))
        // An offset that crosses midnight.
        #expect(
            StreamDates.parseRFC2822("Wed, 23 Jul 2025 23:01:49 -0900") == base,
            "23:01:49 at -09:00 is 08:01:49 UTC the next day")
        // The upstream example stream's date.
        let example = try #require(StreamDates.parseRFC2822("Tue, 15 Sep 2015 16:15:24 -0400"))
        #expect(StreamDates.formatRFC2822(example) == "Tue, 15 Sep 2015 20:15:24 +0000")
        // Leap day.
        #expect(StreamDates.parseRFC2822("Thu, 29 Feb 2024 00:00:00 +0000")?.timeIntervalSince1970 == 1_709_164_800)
    }

    @Test(
        "Invalid dates are nil",
        arguments: [
            "", "yesterday", "2025-07-24T08:01:49Z", "Thu, 24 Jul 2025", "Thu, 24 Jul 2025 08:01:49",
            "Thu, 32 Jul 2025 08:01:49 +0000", "Thu, 31 Feb 2025 08:01:49 +0000", "Thu, 29 Feb 2025 08:01:49 +0000",
            "Thu, 24 Jux 2025 08:01:49 +0000", "Thu, 24 jul 2025 08:01:49 +0000", "Thu, 24 Jul 25 08:01:49 +0000",
            "Thu, 24 Jul 2025 24:00:00 +0000", "Thu, 24 Jul 2025 08:60:00 +0000", "Thu, 24 Jul 2025 08:01:61 +0000",
            "Thu, 24 Jul 2025 8:01:49 +0000", "Thu, 24 Jul 2025 08:01:49 +000", "Thu, 24 Jul 2025 08:01:49 0000",
            "Thu, 24 Jul 2025 08:01:49 +2400", "Thu, 24 Jul 2025 08:01:49 EST", "Xyz, 24 Jul 2025 08:01:49 +0000",
            "Thu, 0 Jul 2025 08:01:49 +0000", "Thu, 24 Jul 2025 08:01:49 +0000 extra",
            "Thu, +4 Jul 2025 08:01:49 +0000", "Thu, 24 Jul +025 08:01:49 +0000", "Thu, 24 Jul 2025 +8:01:49 +0000",
        ])
    func invalid(text: String) {
        #expect(StreamDates.parseRFC2822(text) == nil)
    }

    @Test("Calendar dates parse as midnight UTC; impossible or malformed ones are nil")
    func calendarDates() throws {
        #expect(StreamDates.parseCalendarDate("2027-04-21")?.timeIntervalSince1970 == 1_808_265_600)
        #expect(StreamDates.parseCalendarDate("1970-01-01")?.timeIntervalSince1970 == 0)
        #expect(StreamDates.parseCalendarDate("2024-02-29") != nil)
        for text in [
            "2025-02-29", "2027-4-21", "27-04-21", "2027/04/21", "2027-13-01", "2027-00-10", "2027-04-00",
            "2027-04-31", "", "2027-04-21T00:00:00Z", "２０２７-04-21", "+027-04-21",
        ] {
            #expect(StreamDates.parseCalendarDate(text) == nil, "\(text)")
        }
        let support = try Fixture.products("maas/simplestreams_ubuntu.json").products.first
        #expect(support?.supportEOL == "2027-04-21")
        #expect(support?.supportEOL.flatMap(StreamDates.parseCalendarDate) != nil)
    }
}
