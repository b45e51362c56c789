// How published Ubuntu manifests list seeded snaps (checked against the sources, not guessed):
//
// - livecd-rootfs `live-build/functions`, `create_manifest CHROOT FILE`: runs
//   `dpkg-query --show --admindir="$CHROOT/var/lib/dpkg" > FILE`, then `./config/snap-seed-parse "$CHROOT" FILE`,
//   which *appends* to FILE (read in the Joshua-Riek/livecd-rootfs and lubuntu-team/livecd-rootfs mirrors of
//   https://git.launchpad.net/livecd-rootfs, `live-build/functions` and `live-build/snap-seed-parse.py`).
// - snap-seed-parse, when `$CHROOT/var/lib/snapd/seed/seed.yaml` is a regular file: `yaml.safe_load(f)['snaps']`, and
//   for each item, in file order, `revision = file[file.rindex('_') + 1:]` with every non-digit removed
//   (`re.sub(r'[^0-9]', '', ...)`: `lxd_24322.snap` → `24322`, a local `foo_x1.snap` → `1`), then writes
//   `"snap:{name}\t{channel}\t{revision}\n"`. Three columns; the channel is copied exactly as seed.yaml has it (no
//   `latest/` is added: `stable`, `stable/ubuntu-20.04`, `4.0/stable/ubuntu-20.04`); `classic`, `unasserted` and the
//   other keys are ignored; a missing `name`, `channel` or `file`, or a file name without `_`, aborts the script
//   (KeyError, ValueError) and so the build. Without seed.yaml it writes nothing (newer versions then read a UC20
//   `seed/systems/` model instead; classic MAAS images do not have one, and that case is not handled here).
// - A published manifest (Ubuntu 20.04 desktop daily, 2020-02-20, quoted on ubuntuforums.org, thread "snap
//   disappeared?"): `snap:core\tstable\t8689`, `snap:gnome-3-28-1804\tstable/ubuntu-20.04\t116`, after the dpkg
//   lines.
// - livecd-rootfs `_snap_preseed` writes seed.yaml as `snaps:` then, per snap, `  -` and `    name: ...`,
//   `    channel: ...`, optionally `    classic: true`, and `    file: NAME_REV.snap`; snapd's
//   `snap prepare-image` writes it with go-yaml (`- name: ...` at column 0). The keys snapd knows are those of
//   snapd `seed/internal/seed_yaml.go` (`Snap16`, github.com/canonical/snapd): name, snap-id, channel, devmode,
//   classic, private, contact, unasserted, file; snapd refuses a seed with an invalid or duplicate name, or a `file`
//   that is empty or a path.
//
// Where this reader is stricter than snap-seed-parse: it refuses YAML it does not understand (anything but a
// top-level `snaps:` list of flat mappings with scalar values), unknown keys, duplicate keys or names (snapd refuses
// those seeds), names snapd would refuse, and a file name with no digit after its last `_` (snap-seed-parse would
// write an empty revision column). Every refusal is a `corrupt` error naming the file and the line.

/// The snaps a classic Ubuntu image seeds, read from `var/lib/snapd/seed/seed.yaml`, and the manifest lines Ubuntu's
/// image builder (livecd-rootfs) appends for them to the published manifest.
///
/// Only the subset of YAML that snapd and livecd-rootfs write is accepted: a top-level `snaps:` list whose items are
/// flat mappings of scalar values (plain, `'single'` or `"double"` quoted), with comments and blank lines anywhere.
/// Anything else is refused with a ``SquashFSError`` (`corrupt`) whose message names the file and the line.
///
/// ```swift
/// if let seed = try image.snapSeed() {
///     for snap in seed.snaps { print(snap.name, snap.channel, snap.revision) }
/// }
/// let seed = try SnapSeed(parsing: Array("snaps:\n  - name: lxd\n    channel: stable\n    file: lxd_1.snap\n".utf8))
/// ```
public struct SnapSeed: Sendable, Hashable {
    /// One item of the `snaps:` list.
    public struct Snap: Sendable, Hashable {
        /// The snap's name (`name`).
        public var name: String
        /// The channel it was seeded from (`channel`), exactly as written: `stable`, `latest/stable`,
        /// `4.0/stable/ubuntu-20.04`.
        public var channel: String
        /// The snap file in `var/lib/snapd/seed/snaps/` (`file`), e.g. `lxd_24322.snap`.
        public var file: String
        /// The revision livecd-rootfs derives from ``file``: the digits after its last `_` (`lxd_24322.snap` gives
        /// `24322`; an unasserted local revision `foo_x1.snap` gives `1`).
        public var revision: String
        /// Whether the snap uses classic confinement (`classic: true`).
        public var isClassic: Bool
        /// Whether the snap is installed in developer mode (`devmode: true`).
        public var isDevMode: Bool
        /// Whether the seed holds no assertions for the snap (`unasserted: true`, a locally built snap).
        public var isUnasserted: Bool

        /// Creates a seeded snap.
        public init(
            name: String, channel: String, file: String, revision: String, isClassic: Bool = false,
            isDevMode: Bool = false, isUnasserted: Bool = false
        ) {
            self.name = name
            self.channel = channel
            self.file = file
            self.revision = revision
            self.isClassic = isClassic
            self.isDevMode = isDevMode
            self.isUnasserted = isUnasserted
        }

        /// The manifest line livecd-rootfs writes for the snap: `snap:NAME<TAB>CHANNEL<TAB>REVISION`.
        public var manifestEntry: PackageManifest.Entry {
            PackageManifest.Entry(snap: name, channel: channel, revision: revision)
        }
    }

    /// Where snapd's classic seed lives in a root image.
    public static let path = "/var/lib/snapd/seed/seed.yaml"

    /// The largest seed.yaml read, in bytes (16 MiB; a real one is well under 4 KiB).
    public static let maximumSize: UInt64 = 16 << 20

    /// The seeded snaps, in the order of the file.
    public var snaps: [Snap]

    /// Creates a seed from snaps, kept in the given order.
    public init(snaps: [Snap]) { self.snaps = snaps }

    /// Parses the text of a seed.yaml.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents, at most ``maximumSize`` bytes.
    ///   - path: how error messages name the file.
    /// - Throws: ``SquashFSError`` with code `corrupt` (naming `path` and the line) for anything outside the accepted
    ///   subset or a snap without `name`, `channel` or a `file` whose revision can be read; `limitExceeded` when
    ///   `bytes` is larger than ``maximumSize``.
    public init(parsing bytes: [UInt8], path: String = SnapSeed.path) throws {
        guard UInt64(bytes.count) <= Self.maximumSize else {
            throw SquashFSError(.limitExceeded, "\(path): \(bytes.count) bytes, over \(Self.maximumSize)")
        }
        var parser = SeedYAMLParser(path: path)
        var scanner = LineScanner(maximumLineLength: .max)
        try scanner.feed(bytes[...]) { line, number, _ in try parser.read(line: line, number: number) }
        try scanner.finish { line, number, _ in try parser.read(line: line, number: number) }
        snaps = try parser.finish()
    }

    /// Parses a seed.yaml read line by line from an image.
    init(parser: SeedYAMLParser) throws {
        var parser = parser
        snaps = try parser.finish()
    }

    /// The manifest lines livecd-rootfs appends after the dpkg lines, one per snap, in seed order.
    public var manifestEntries: [PackageManifest.Entry] { snaps.map(\.manifestEntry) }

    /// The revision snap-seed-parse takes from a seed file name: what follows the last `_`, digits only; nil when
    /// the name has no `_` or no digit after it.
    static func revision(fromFile file: String) -> String? {
        guard let underscore = file.lastIndex(of: "_") else { return nil }
        let digits = String(file[file.index(after: underscore)...].filter { $0.isASCII && $0.isNumber })
        return digits.isEmpty ? nil : digits
    }
}

extension SquashFSImage {
    /// The snaps the image seeds (`var/lib/snapd/seed/seed.yaml`), or nil when it has no seed.yaml.
    ///
    /// - Throws: ``SquashFSError`` with code `corrupt` when the file cannot be understood (see ``SnapSeed``),
    ///   `limitExceeded` when it is larger than ``SnapSeed/maximumSize``, or what reading the image throws.
    public func snapSeed() throws -> SnapSeed? {
        try snapSeed(maximumLineLength: PackageManifest.Options().maximumLineLength)
    }

    /// Reads the seed as ``snapSeed()`` does, a chunk at a time: memory follows the snaps listed, not the file's
    /// size or shape; a line longer than `maximumLineLength` is refused (`corrupt`).
    func snapSeed(maximumLineLength: Int) throws -> SnapSeed? {
        let file: FileReader
        do {
            file = try fileReader(at: ImagePath(SnapSeed.path))
        } catch let error as SquashFSError
            where error.code == .notFound || error.code == .notADirectory || error.code == .notAFile
        {
            // snap-seed-parse checks os.path.isfile: a missing seed.yaml, or one that is not a file, seeds nothing.
            return nil
        }
        guard file.size <= SnapSeed.maximumSize else {
            throw SquashFSError(
                .limitExceeded,
                "\(name): \(SnapSeed.path) is larger than \(SnapSeed.maximumSize) bytes (\(file.size) bytes)")
        }
        var parser = SeedYAMLParser(path: "\(name): \(SnapSeed.path)")
        try forEachLine(of: file, maximumLineLength: maximumLineLength) { line, number, truncated in
            guard !truncated else {
                throw SquashFSError(
                    .corrupt, "\(name): \(SnapSeed.path), line \(number): longer than \(maximumLineLength) bytes")
            }
            try parser.read(line: line, number: number)
        }
        return try SnapSeed(parser: parser)
    }
}

/// A line-based reader for the seed.yaml subset (see ``SnapSeed``).
struct SeedYAMLParser {
    /// A scalar value: a string, YAML's null (an empty value, `~`, `null`), or a plain scalar YAML 1.1 reads as
    /// something else (a boolean, a number, a date).
    private enum Scalar {
        case string(String)
        case null
        case nonString(String)
    }

    /// The keys of the item being read, with the line each was on.
    private struct Item {
        var line: Int
        var values: [String: (scalar: Scalar, line: Int)] = [:]
    }

    private static let stringKeys: Set<String> = ["name", "channel", "file", "snap-id", "contact"]
    private static let booleanKeys: Set<String> = ["classic", "devmode", "private", "unasserted"]
    private static let trueWords: Set<String> = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"]

    let path: String
    private var snaps: [SnapSeed.Snap] = []
    private var names: Set<String> = []
    private var sawDocumentStart = false
    private var sawContent = false
    private var sawSnapsKey = false
    private var emptyFlowList = false
    private var dashIndent: Int?
    private var keyIndent: Int?
    private var item: Item?

    init(path: String) { self.path = path }

    private func error(_ line: Int, _ message: String) -> SquashFSError {
        SquashFSError(.corrupt, "\(path), line \(line): \(message)")
    }

    /// Reads line `number` (without its LF).
    mutating func read(line rawLine: ArraySlice<UInt8>, number: Int) throws {
        var line = rawLine
        if line.last == 0x0D { line = line.dropLast() }
        try checkCharacters(line, line: number)
        let indent = line.prefix { $0 == 0x20 }.count
        let content = line.dropFirst(indent)
        // PyYAML refuses a tab anywhere but in a comment; the value and structure checks refuse the others.
        if content.first == 0x09 { throw error(number, "a tab in the indentation") }
        if content.isEmpty || content.first == UInt8(ascii: "#") { return }
        try read(content, indent: indent, line: number)
    }

    /// Ends the file: returns the snaps read.
    mutating func finish() throws -> [SnapSeed.Snap] {
        try finishItem()
        guard sawSnapsKey else { throw error(1, "no top-level 'snaps:' list") }
        return snaps
    }

    private mutating func read(_ content: ArraySlice<UInt8>, indent: Int, line: Int) throws {
        defer { sawContent = true }
        if !sawContent, !sawDocumentStart, indent == 0, stripComment(content).elementsEqual("---".utf8) {
            sawDocumentStart = true
            return
        }
        let isDash = content.first == UInt8(ascii: "-") && (content.count == 1 || content.dropFirst().first == 0x20)
        if indent == 0 && !isDash {
            try readTopLevel(content, line: line)
            return
        }
        guard sawSnapsKey, !emptyFlowList else {
            throw error(line, "unexpected \(describe(content)) outside the 'snaps:' list")
        }
        if isDash {
            if let dashIndent, dashIndent != indent {
                throw error(line, "bad indentation: list item at column \(indent + 1), expected \(dashIndent + 1)")
            }
            dashIndent = indent
            try finishItem()
            item = Item(line: line)
            let rest = content.dropFirst()
            let spaces = rest.prefix { $0 == 0x20 }.count
            let body = rest.dropFirst(spaces)
            if body.isEmpty || body.first == UInt8(ascii: "#") {
                keyIndent = nil
            } else {
                keyIndent = indent + 1 + spaces
                try readKeyValue(body, line: line)
            }
            return
        }
        guard item != nil, let dashIndent else {
            throw error(line, "expected a '- ' list item, found \(describe(content))")
        }
        if let keyIndent {
            guard indent == keyIndent else {
                throw error(line, "bad indentation: key at column \(indent + 1), expected \(keyIndent + 1)")
            }
        } else {
            guard indent > dashIndent else {
                throw error(line, "bad indentation: key at column \(indent + 1), expected beyond \(dashIndent + 1)")
            }
            keyIndent = indent
        }
        try readKeyValue(content, line: line)
    }

    /// A line at column 1 that is not a list item: only `snaps:` (a block list follows) or `snaps: []`.
    private mutating func readTopLevel(_ content: ArraySlice<UInt8>, line: Int) throws {
        let (key, value) = try splitKey(content, line: line)
        guard key == "snaps" else { throw error(line, "unknown top-level key \(quote(key))") }
        guard !sawSnapsKey else { throw error(line, "a second 'snaps:' key") }
        sawSnapsKey = true
        let rest = stripComment(value)
        if rest.isEmpty { return }
        guard rest.elementsEqual("[]".utf8) else {
            throw error(line, "'snaps:' must be followed by a list, found \(describe(rest))")
        }
        emptyFlowList = true
    }

    /// `key: value` inside a list item.
    private mutating func readKeyValue(_ content: ArraySlice<UInt8>, line: Int) throws {
        let (key, valueBytes) = try splitKey(content, line: line)
        guard Self.stringKeys.contains(key) || Self.booleanKeys.contains(key) else {
            throw error(line, "unknown key \(quote(key))")
        }
        guard var current = item else { throw error(line, "expected a '- ' list item") }
        if current.values[key] != nil { throw error(line, "a second '\(key)' in the same snap") }
        let scalar = try readScalar(valueBytes, line: line)
        if Self.booleanKeys.contains(key) {
            guard case .nonString(let word) = scalar, Self.trueWords.contains(word) || Self.falseWords.contains(word)
            else { throw error(line, "'\(key)' must be true or false") }
        }
        current.values[key] = (scalar, line)
        item = current
    }

    /// Splits `key: rest`; keys are lower-case letters, digits and hyphens.
    private func splitKey(_ content: ArraySlice<UInt8>, line: Int) throws -> (String, ArraySlice<UInt8>) {
        let key = content.prefix { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
        let afterKey = content.dropFirst(key.count)
        guard !key.isEmpty, afterKey.first == UInt8(ascii: ":") else {
            throw error(line, "expected 'key: value', found \(describe(content))")
        }
        let value = afterKey.dropFirst()
        guard value.isEmpty || value.first == 0x20 else {
            throw error(line, "expected 'key: value', found \(describe(content))")
        }
        return (String(decoding: key, as: UTF8.self), value.drop { $0 == 0x20 })
    }

    private func readScalar(_ bytes: ArraySlice<UInt8>, line: Int) throws -> Scalar {
        guard let first = bytes.first else { return .null }
        switch first {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return try readQuoted(bytes, line: line)
        case UInt8(ascii: "#"):
            return .null
        default:
            break
        }
        let indicators = Array("[]{}&*!|>%@`,?".utf8)
        let startsSequence = first == UInt8(ascii: "-") && (bytes.count == 1 || bytes.dropFirst().first == 0x20)
        guard !indicators.contains(first), !startsSequence else {
            throw error(line, "unsupported YAML value \(describe(bytes)) (only plain or quoted scalars)")
        }
        let value = stripComment(bytes)
        try checkPrintable(value, line: line)
        if value.last == UInt8(ascii: ":") || containsColonSpace(value) {
            throw error(line, "unsupported YAML value \(describe(value)) (a nested mapping)")
        }
        let text = String(decoding: value, as: UTF8.self)
        if ["~", "null", "Null", "NULL"].contains(text) { return .null }
        return isYAML11NonString(text) ? .nonString(text) : .string(text)
    }

    /// Whether PyYAML (YAML 1.1, which snap-seed-parse loads the file with) resolves this plain scalar to something
    /// other than a string: its implicit resolvers for booleans, integers (`010` is 8, `1_0` is 10, `1:30` is 90),
    /// floats, timestamps and the `<<` and `=` keys. snap-seed-parse would print such a value differently
    /// (`True`, `8`), so it is refused where a string is needed.
    private func isYAML11NonString(_ text: String) -> Bool {
        if text == "<<" || text == "=" { return true }
        if Self.trueWords.contains(text) || Self.falseWords.contains(text) { return true }
        guard let first = text.utf8.first, Array("-+.0123456789".utf8).contains(first) else { return false }
        // PyYAML's int, float and timestamp patterns (yaml/resolver.py), split into their alternatives.
        let patterns = [
            #/[-+]?0b[0-1_]+/#, #/[-+]?0[0-7_]+/#, #/[-+]?(?:0|[1-9][0-9_]*)/#, #/[-+]?0x[0-9a-fA-F_]+/#,
            #/[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+/#,
            #/[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?/#, #/\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?/#,
            #/[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*/#, #/[-+]?\.(?:inf|Inf|INF)/#, #/\.(?:nan|NaN|NAN)/#,
            #/[0-9]{4}-[0-9]{2}-[0-9]{2}/#,
            #/
            [0-9]{4} - [0-9]{1,2} - [0-9]{1,2} (?: [Tt] | [\ \t]+ ) [0-9]{1,2} : [0-9]{2} : [0-9]{2} (?: \. [0-9]* )?
            (?: [\ \t]* (?: Z | [-+] [0-9]{1,2} (?: : [0-9]{2} )? ) )?
            /#,
        ]
        return patterns.contains { text.wholeMatch(of: $0) != nil }
    }

    /// A single- or double-quoted scalar on one line; in double quotes only `\"`, `\\` and `\/` are understood.
    private func readQuoted(_ bytes: ArraySlice<UInt8>, line: Int) throws -> Scalar {
        guard let quote = bytes.first else { return .null }
        var value: [UInt8] = []
        var index = bytes.index(after: bytes.startIndex)
        var closed = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            if byte == quote {
                if quote == UInt8(ascii: "'"), index < bytes.endIndex, bytes[index] == quote {
                    value.append(quote)
                    index = bytes.index(after: index)
                    continue
                }
                closed = true
                break
            }
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                guard index < bytes.endIndex,
                    [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/")].contains(bytes[index])
                else { throw error(line, "unsupported escape in a quoted value") }
                value.append(bytes[index])
                index = bytes.index(after: index)
                continue
            }
            value.append(byte)
        }
        guard closed else { throw error(line, "unterminated quoted value") }
        let rest = bytes[index...]
        let spaces = rest.prefix { $0 == 0x20 }.count
        let trailing = rest.dropFirst(spaces)
        guard trailing.isEmpty || (spaces > 0 && trailing.first == UInt8(ascii: "#")) else {
            throw error(line, "unexpected \(describe(trailing)) after a quoted value")
        }
        try checkPrintable(value[...], line: line)
        return .string(String(decoding: value, as: UTF8.self))
    }

    /// Refuses, anywhere in a line (comments too), what YAML reads as a line break (a lone CR, NEL, U+2028, U+2029)
    /// or refuses (other control characters, invalid UTF-8, U+FFFE, U+FFFF).
    private func checkCharacters(_ bytes: ArraySlice<UInt8>, line: Int) throws {
        if bytes.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 }) { return }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw error(line, "invalid UTF-8") }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x20...0x7E, 0xA0...0x2027, 0x202A...0xD7FF, 0xE000...0xFEFE, 0xFF00...0xFFFD, 0x10000...:
                continue
            default:
                throw error(line, "a control character, line separator or byte order mark")
            }
        }
    }

    /// Values are printable ASCII: they end up in tab-separated manifest lines.
    private func checkPrintable(_ bytes: ArraySlice<UInt8>, line: Int) throws {
        guard bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw error(line, "a value with a control or non-ASCII character")
        }
    }

    private mutating func finishItem() throws {
        guard let current = item else { return }
        item = nil
        keyIndent = nil
        guard !current.values.isEmpty else { throw error(current.line, "an empty list item") }
        func required(_ key: String) throws -> (value: String, line: Int) {
            guard let entry = current.values[key] else {
                throw error(current.line, "the snap has no '\(key)'")
            }
            switch entry.scalar {
            case .string(let value) where !value.isEmpty:
                return (value, entry.line)
            case .nonString(let value):
                throw error(entry.line, "'\(key)' is not a string in YAML 1.1: \(quote(value)) (quote it)")
            case .string, .null:
                throw error(entry.line, "'\(key)' has no value")
            }
        }
        let name = try required("name")
        guard isValidSnapName(name.value) else { throw error(name.line, "invalid snap name \(quote(name.value))") }
        guard names.insert(name.value).inserted else {
            throw error(name.line, "snap \(quote(name.value)) is listed twice")
        }
        let channel = try required("channel")
        let components = channel.value.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count <= 3, components.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw error(channel.line, "invalid channel \(quote(channel.value))")
        }
        let file = try required("file")
        guard !file.value.contains("/") else { throw error(file.line, "'file' must be a file name, not a path") }
        guard let revision = SnapSeed.revision(fromFile: file.value) else {
            throw error(file.line, "no revision in \(quote(file.value)) (expected NAME_REVISION.snap)")
        }
        func flag(_ key: String) -> Bool {
            guard case .nonString(let word)? = current.values[key]?.scalar else { return false }
            return Self.trueWords.contains(word)
        }
        snaps.append(
            SnapSeed.Snap(
                name: name.value, channel: channel.value, file: file.value, revision: revision,
                isClassic: flag("classic"), isDevMode: flag("devmode"), isUnasserted: flag("unasserted")))
    }

    /// snapd's rule (`naming.ValidateSnap`): 1 to 40 lower-case letters, digits and single inner hyphens, with at
    /// least one letter.
    private func isValidSnapName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...40).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-"),
            !name.contains("--")
        else { return false }
        let letters = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard bytes.allSatisfy({ letters.contains($0) || digits.contains($0) || $0 == UInt8(ascii: "-") }) else {
            return false
        }
        return bytes.contains { letters.contains($0) }
    }

    /// Drops a ` #` comment and trailing spaces from a plain value (a tab stays, and is refused later).
    private func stripComment(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = bytes.endIndex
        var previous: UInt8 = 0x20
        for index in bytes.indices {
            if bytes[index] == UInt8(ascii: "#"), previous == 0x20 {
                end = index
                break
            }
            previous = bytes[index]
        }
        var value = bytes[bytes.startIndex..<end]
        while value.last == 0x20 { value = value.dropLast() }
        return value
    }

    private func containsColonSpace(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: ":") && $1 == 0x20 }
    }

    /// A value quoted for an error message: at most 200 bytes of it, with control characters and invalid UTF-8
    /// escaped (a seed.yaml line can be megabytes long).
    private func quote(_ value: String) -> String {
        let bytes = Array(value.utf8.prefix(201))
        if bytes.count <= 200 { return "'" + printable(bytes) + "'" }
        return "'" + printable(Array(bytes.prefix(200))) + "…'"
    }

    /// A short, printable quotation of input for error messages.
    private func describe(_ bytes: ArraySlice<UInt8>) -> String {
        let shown = bytes.prefix(40).map { (0x20...0x7E).contains($0) ? Character(Unicode.Scalar($0)) : "?" }
        return "'" + String(shown) + (bytes.count > 40 ? "…'" : "'")
    }
}
