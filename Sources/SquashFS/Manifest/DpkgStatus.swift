/// One stanza of a dpkg status file, reduced to the fields a package manifest needs.
struct DpkgStanza: Sendable, Hashable {
    var package: String
    var status: String
    var architecture: String
    var multiArch: String
    var version: String

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

/// Parses deb822 text (dpkg's status file and its `updates/` journal): stanzas separated by empty lines, `Field:
/// value` lines with case-insensitive names, continuation lines starting with a space or a tab.
func parseDpkgStanzas(_ bytes: [UInt8]) -> [DpkgStanza] {
    var stanzas: [DpkgStanza] = []
    var fields: [String: String] = [:]
    func finish() {
        if let package = fields["package"], !package.isEmpty {
            stanzas.append(
                DpkgStanza(
                    package: package, status: fields["status"] ?? "", architecture: fields["architecture"] ?? "",
                    multiArch: fields["multi-arch"] ?? "", version: fields["version"] ?? ""))
        }
        fields.removeAll(keepingCapacity: true)
    }
    for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        var line = rawLine
        if line.last == 0x0D { line = line.dropLast() }
        if line.isEmpty {
            finish()
            continue
        }
        // Continuation lines belong to multi-line fields (Description, Conffiles); none of the fields used here.
        guard let first = line.first, first != 0x20, first != 0x09, first != 0x23 else { continue }
        guard let colon = line.firstIndex(of: 0x3A) else { continue }
        let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
        let value = String(decoding: line[line.index(after: colon)...], as: UTF8.self)
        fields[name] = value.trimmingSpaces()
    }
    finish()
    return stanzas
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
