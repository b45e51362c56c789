import SquashFS

/// The licenses declared by a Debian machine-readable copyright file (DEP-5, copyright-format 1.0):
/// `/usr/share/doc/<package>/copyright`.
enum DebianCopyright {
    /// The license short names (DEP-5 expressions such as `GPL-2+ or Artistic`) declared by `text`: the `License`
    /// of the `Files: *` paragraph when there is one, else every distinct `License` of the `Files` paragraphs, in
    /// the order met. Empty when the text is not in the machine-readable format (its first paragraph has no
    /// `Format:` field naming copyright-format or dep5).
    struct Reader {
        private var paragraph = 0
        private var field = ""
        private(set) var isMachineReadable = false
        private var files: [String] = []
        private var license: String?
        private var wildcardLicense: String?
        private(set) var licenses: [String] = []

        /// Reads one line (without its LF).
        mutating func read(_ rawLine: ArraySlice<UInt8>) {
            var line = rawLine
            if line.last == 0x0D { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                finishParagraph()
                return
            }
            guard paragraph == 0 || isMachineReadable else { return }
            if let first = line.first, first == 0x20 || first == 0x09 {
                // A continuation line: more patterns of `Files`, the text of a license (not kept).
                if field == "files" { files += Self.words(line) }
                return
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            field = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = line[line.index(after: colon)...]
            switch field {
            case "format":
                let format = String(decoding: value, as: UTF8.self)
                if paragraph == 0, format.contains("copyright-format") || format.contains("dep5") {
                    isMachineReadable = true
                }
            case "files": files += Self.words(value)
            case "license":
                let name = Self.words(value).joined(separator: " ")
                if !name.isEmpty { license = name }
            default: break
            }
        }

        /// Whether the header paragraph (the first) is finished.
        var headerFinished: Bool { paragraph > 0 }

        /// Ends the input: the last paragraph is finished and the licenses decided.
        mutating func finish() {
            finishParagraph()
            if let wildcardLicense { licenses = [wildcardLicense] }
        }

        private mutating func finishParagraph() {
            defer {
                field = ""
                files = []
                license = nil
            }
            guard !(files.isEmpty && license == nil && field.isEmpty) else { return }
            paragraph += 1
            guard isMachineReadable, !files.isEmpty, let license else { return }
            if files.contains("*"), wildcardLicense == nil { wildcardLicense = license }
            if !licenses.contains(license) { licenses.append(license) }
        }

        private static func words(_ bytes: ArraySlice<UInt8>) -> [String] {
            bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}

extension DebianCopyright {
    /// Whether the header paragraph in `prefix` (the start of a copyright file) declares the machine-readable format:
    /// files that do not are skipped after their first bytes.
    static func declaresMachineReadableFormat(_ prefix: [UInt8]) -> Bool {
        var reader = Reader()
        for line in prefix.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if reader.headerFinished { break }
            reader.read(line)
        }
        return reader.isMachineReadable
    }
}

/// Turns DEP-5 license expressions into SPDX license expressions: known short names become SPDX identifiers
/// (`GPL-2+` → `GPL-2.0-or-later`, `Expat` → `MIT`), others `LicenseRef-` identifiers; `or`/`and` become `OR`/`AND`,
/// commas group (`A or B, and C` → `(A OR B) AND C`), and `X with Y exception` becomes one `LicenseRef-`.
enum LicenseExpression {
    /// An SPDX expression and the `LicenseRef-` identifiers it uses, each with the DEP-5 name it stands for.
    struct Converted {
        var expression: String
        var references: [(id: String, name: String)]
        /// The SPDX identifier when the expression is one known license, nil otherwise.
        var singleIdentifier: String?
        /// Whether the expression is a single name (known or not).
        var isSingleName: Bool
    }

    static func convert(_ debian: String) -> Converted {
        var references: [(id: String, name: String)] = []
        var groups: [(connector: String, text: String, compound: Bool)] = []
        for (index, part) in debian.split(separator: ",").enumerated() {
            var words = part.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var connector = "AND"
            if index > 0, let first = words.first, ["and", "or"].contains(first.lowercased()) {
                connector = first.uppercased()
                words.removeFirst()
            }
            guard !words.isEmpty else { continue }
            var terms: [String] = []
            var operators: [String] = []
            var name: [String] = []
            func flush() {
                guard !name.isEmpty else { return }
                terms.append(identifier(for: name.joined(separator: " "), references: &references))
                name = []
            }
            for word in words {
                let lowered = word.lowercased()
                if (lowered == "or" || lowered == "and") && !name.isEmpty && name.last?.lowercased() != "with" {
                    flush()
                    operators.append(lowered.uppercased())
                } else {
                    name.append(word)
                }
            }
            flush()
            var text = terms.first ?? ""
            for (operatorText, term) in zip(operators, terms.dropFirst()) { text += " \(operatorText) \(term)" }
            groups.append((connector, text, terms.count > 1))
        }
        guard !groups.isEmpty else {
            return Converted(expression: "NOASSERTION", references: [], singleIdentifier: nil, isSingleName: false)
        }
        if groups.count == 1, let only = groups.first {
            let single = !only.compound
            return Converted(
                expression: only.text, references: references,
                singleIdentifier: single && !only.text.hasPrefix("LicenseRef-") ? only.text : nil,
                isSingleName: single)
        }
        var expression = ""
        for (index, group) in groups.enumerated() {
            let term = group.compound ? "(\(group.text))" : group.text
            switch index {
            case 0: expression = term
            case 1: expression = "\(expression) \(group.connector) \(term)"
            default: expression = "(\(expression)) \(group.connector) \(term)"
            }
        }
        return Converted(expression: expression, references: references, singleIdentifier: nil, isSingleName: false)
    }

    /// The SPDX identifier of one DEP-5 license name, recording a `LicenseRef-` for names SPDX does not list.
    private static func identifier(for name: String, references: inout [(id: String, name: String)]) -> String {
        if let known = spdxIdentifiers[name.lowercased()] { return known }
        let reference = self.reference(for: name)
        if !references.contains(where: { $0.id == reference }) { references.append((reference, name)) }
        return reference
    }

    /// `LicenseRef-` and the name with `+` spelled `-plus` and every character but letters, digits, `.` and `-`
    /// replaced by `-`.
    static func reference(for name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", ".", "-": text.unicodeScalars.append(scalar)
            case "+": text += "-plus"
            default: text += "-"
            }
        }
        return "LicenseRef-" + (text.isEmpty ? "unnamed" : text)
    }

    /// DEP-5 short names (and SPDX identifiers written as such), lower-cased, to SPDX license list identifiers.
    static let spdxIdentifiers: [String: String] = {
        var table: [String: String] = [
            "expat": "MIT", "mit": "MIT", "isc": "ISC", "zlib": "Zlib", "apache-2.0": "Apache-2.0",
            "apache-1.1": "Apache-1.1", "apache-1.0": "Apache-1.0", "artistic": "Artistic-1.0",
            "artistic-1.0": "Artistic-1.0", "artistic-2.0": "Artistic-2.0", "bsd-2-clause": "BSD-2-Clause",
            "bsd-3-clause": "BSD-3-Clause", "bsd-4-clause": "BSD-4-Clause", "cc0-1.0": "CC0-1.0",
            "cc-by-3.0": "CC-BY-3.0", "cc-by-4.0": "CC-BY-4.0", "cc-by-sa-3.0": "CC-BY-SA-3.0",
            "cc-by-sa-4.0": "CC-BY-SA-4.0", "mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0", "openssl": "OpenSSL",
            "python-2.0": "Python-2.0", "psf-2.0": "PSF-2.0", "curl": "curl", "ftl": "FTL", "x11": "X11",
            "unicode-dfs-2016": "Unicode-DFS-2016", "0bsd": "0BSD", "bsl-1.0": "BSL-1.0", "wtfpl": "WTFPL",
            "epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0", "ofl-1.1": "OFL-1.1", "unlicense": "Unlicense",
            "gpl-2.0-only": "GPL-2.0-only", "gpl-2.0-or-later": "GPL-2.0-or-later", "gpl-3.0-only": "GPL-3.0-only",
            "gpl-3.0-or-later": "GPL-3.0-or-later", "lgpl-2.1-only": "LGPL-2.1-only",
            "lgpl-2.1-or-later": "LGPL-2.1-or-later", "lgpl-3.0-only": "LGPL-3.0-only",
            "lgpl-3.0-or-later": "LGPL-3.0-or-later", "afl-2.1": "AFL-2.1", "afl-3.0": "AFL-3.0",
            "postgresql": "PostgreSQL", "vim": "Vim", "fsfullr": "FSFULLR", "fsful": "FSFUL", "fsfap": "FSFAP",
            "tcl": "TCL", "sleepycat": "Sleepycat", "ruby": "Ruby", "libpng": "Libpng", "libpng-2.0": "libpng-2.0",
            "icu": "ICU", "ncsa": "NCSA", "bsd-1-clause": "BSD-1-Clause", "mit-0": "MIT-0", "php-3.01": "PHP-3.01",
            "cc-by-sa-2.0": "CC-BY-SA-2.0", "cc-by-2.0": "CC-BY-2.0",
            "gfdl-1.3-no-invariants-only":
                "GFDL-1.3-no-invariants-only", "mpl-1.0": "MPL-1.0", "eupl-1.2": "EUPL-1.2", "ipl-1.0": "IPL-1.0",
            "cpl-1.0": "CPL-1.0", "ofl-1.0": "OFL-1.0", "unicode-3.0": "Unicode-3.0", "hpnd": "HPND",
        ]
        // The GNU families: `GPL-2` is the version only, `GPL-2+` the version or later (also `GPL-2.0`, `GPL-2.0+`).
        let families: [(debian: String, spdx: String, versions: [String])] = [
            ("gpl", "GPL", ["1", "2", "3"]), ("lgpl", "LGPL", ["2", "2.1", "3"]), ("agpl", "AGPL", ["3"]),
            ("gfdl", "GFDL", ["1.1", "1.2", "1.3"]),
        ]
        for family in families {
            for version in family.versions {
                let full = version.contains(".") ? version : version + ".0"
                for spelling in Set([version, full]) {
                    table["\(family.debian)-\(spelling)"] = "\(family.spdx)-\(full)-only"
                    table["\(family.debian)-\(spelling)+"] = "\(family.spdx)-\(full)-or-later"
                }
            }
        }
        return table
    }()
}
