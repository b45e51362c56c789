import SquashFS

/// One stanza of a dpkg status file, reduced to the fields a package manifest needs.
struct DpkgStanza: Sendable, Hashable {
    var package: String
    var status: String
    var architecture: String
    var multiArch: String
    var version: String
    /// The source package (`Source`: a name, optionally followed by ` (VERSION)`); empty when it is the binary's.
    var source = ""
    /// `Maintainer` and `Homepage`, empty when absent.
    var maintainer = ""
    var homepage = ""

    /// The identity dpkg keys its database by: the package name (dpkg lower-cases it) and the architecture.
    var key: String { package.lowercased() + ":" + architecture }

    /// dpkg-query lists every package whose state (the third word of `Status`) is not `not-installed`:
    /// `installed`, `config-files`, `half-installed`, `unpacked`, `half-configured`, `triggers-awaited`,
    /// `triggers-pending`.
    var isListed: Bool {
        let words = status.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 3 else { return false }
        return words[2] != "not-installed"
    }
}

/// Reads deb822 text (dpkg's status file and its `updates/` journal) one line at a time: stanzas separated by empty
/// lines, `Field: value` lines with case-insensitive names, continuation lines starting with a space or a tab.
///
/// Only the fields a manifest or an SBOM needs are kept (`Package`, `Status`, `Architecture`, `Multi-Arch`, `Version`,
/// `Source`, `Maintainer`, `Homepage`); every other line is skipped without being copied, so memory follows the stanza
/// being read, not the file.
struct DpkgStanzaParser {
    private var package: String?
    private var status = ""
    private var architecture = ""
    private var multiArch = ""
    private var version = ""
    private var source = ""
    private var maintainer = ""
    private var homepage = ""

    /// The fields kept, by lower-case name.
    private enum Field {
        case package, status, architecture, multiArch, version, source, maintainer, homepage

        init?(name: ArraySlice<UInt8>) {
            // ASCII case folding: dpkg field names are ASCII.
            let lowered = name.count <= 12 ? name.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 } : []
            switch lowered {
            case Array("package".utf8): self = .package
            case Array("status".utf8): self = .status
            case Array("architecture".utf8): self = .architecture
            case Array("multi-arch".utf8): self = .multiArch
            case Array("version".utf8): self = .version
            case Array("source".utf8): self = .source
            case Array("maintainer".utf8): self = .maintainer
            case Array("homepage".utf8): self = .homepage
            default: return nil
            }
        }
    }

    /// Reads one line (without its LF); returns the stanza an empty line finishes.
    ///
    /// - Throws: `limitExceeded` when a line of a kept field was cut (`truncated`).
    mutating func read(
        _ rawLine: ArraySlice<UInt8>, truncated: Bool, where location: () -> String
    ) throws(ImageContentsError) -> DpkgStanza? {
        var line = rawLine
        if line.last == 0x0D { line = line.dropLast() }
        if line.isEmpty { return finish() }
        // Continuation lines belong to multi-line fields (Description, Conffiles); none of the fields used here.
        guard let first = line.first, first != 0x20, first != 0x09, first != 0x23 else { return nil }
        guard let colon = line.firstIndex(of: 0x3A), let field = Field(name: line[line.startIndex..<colon]) else {
            return nil
        }
        guard !truncated else {
            throw ImageContentsError(
                .limitExceeded, "\(location()): a '\(printable(Array(line[..<colon])))' line longer than the limit")
        }
        let value = String(decoding: line[line.index(after: colon)...], as: UTF8.self).trimmingSpaces()
        switch field {
        case .package: package = value
        case .status: status = value
        case .architecture: architecture = value
        case .multiArch: multiArch = value
        case .version: version = value
        case .source: source = value
        case .maintainer: maintainer = value
        case .homepage: homepage = value
        }
        return nil
    }

    /// Ends the current stanza: returns it when it has a package name, and starts the next one.
    mutating func finish() -> DpkgStanza? {
        defer {
            (package, status, architecture, multiArch, version) = (nil, "", "", "", "")
            (source, maintainer, homepage) = ("", "", "")
        }
        guard let package, !package.isEmpty else { return nil }
        return DpkgStanza(
            package: package, status: status, architecture: architecture, multiArch: multiArch, version: version,
            source: source, maintainer: maintainer, homepage: homepage)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[start...end])
    }
}

/// Formats a version as dpkg prints it: a zero epoch (`0:`) is dropped, everything else is kept.
func dpkgDisplayVersion(_ version: String) -> String {
    guard let colon = version.firstIndex(of: ":") else { return version }
    let epoch = version[..<colon]
    if !epoch.isEmpty, epoch.allSatisfy({ $0 == "0" }) { return String(version[version.index(after: colon)...]) }
    return version
}
