import Foundation

/// One line of a long listing, from `maas-images squashfs ls -l` or from `unsquashfs -lln` (run with `TZ=UTC`):
/// `MODE UID/GID SIZE-OR-MAJOR,MINOR YYYY-MM-DD HH:MM NAME [-> TARGET]`. unsquashfs pads the size column and prints
/// devices as `%3d,%3d`; both forms parse to the same fields.
struct LongListingLine: Hashable, Sendable, CustomStringConvertible {
    var mode: String
    var owner: String
    /// The size, or `major,minor` without padding.
    var size: String
    var time: String
    var name: String
    var target: String?

    var description: String {
        "\(mode) \(owner) \(size) \(time) \(name)" + (target.map { " -> \($0)" } ?? "")
    }

    /// Parses one line; `nil` if it does not have the shape above.
    init?(_ line: Substring) {
        var rest = line[...]
        func token() -> Substring? {
            rest = rest.drop { $0 == " " }
            guard let end = rest.firstIndex(of: " ") else { return nil }
            defer { rest = rest[rest.index(after: end)...] }
            return rest[..<end]
        }
        guard let mode = token(), mode.count == 10, let owner = token(), owner.contains("/"), var size = token()
        else { return nil }
        if size.hasSuffix(",") {
            guard let minor = token() else { return nil }
            size = Substring(String(size) + String(minor))
        }
        guard let date = token(), let time = token() else { return nil }
        self.mode = String(mode)
        self.owner = String(owner)
        self.size = String(size)
        self.time = "\(date) \(time)"
        if mode.hasPrefix("l"), let arrow = rest.range(of: " -> ") {
            name = String(rest[..<arrow.lowerBound])
            target = String(rest[arrow.upperBound...])
        } else {
            name = String(rest)
            target = nil
        }
    }

    /// Parses every line of `text`; lines that do not parse are returned as `nil` entries so callers can fail.
    static func parseAll(_ text: String) -> [LongListingLine?] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { LongListingLine($0) }
    }
}
