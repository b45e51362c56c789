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
// The file is composed with Yams through the package's hardened reader (YAMLReading): complex keys are refused before
// composing, every node visited counts against a budget (aliases each time they are used), and only the expected
// shapes are ever entered, so aliases cannot make a small file expensive. Where this reader is stricter than
// snap-seed-parse: it refuses anything but a top-level `snaps:` list of flat mappings with scalar values, unknown keys,
// duplicate keys or names (snapd refuses those seeds), names snapd would refuse, plain values PyYAML (YAML 1.1) reads
// as booleans or numbers where a string is needed, and a file name with no digit after its last `_` (snap-seed-parse
// would write an empty revision column). Every refusal is a `corrupt` error naming the file and the line.

public import SquashFS
public import SystemPackage
import YAMLReading
import Yams

/// The snaps a classic Ubuntu image seeds, read from `var/lib/snapd/seed/seed.yaml`, and the manifest lines Ubuntu's
/// image builder (livecd-rootfs) appends for them to the published manifest.
///
/// The file is read as YAML (with Yams, within bounds: see ``maximumSize``), and only the shape snapd and
/// livecd-rootfs write is accepted: a top-level `snaps:` list whose items are flat mappings of scalar values.
/// Anything else is refused with an ``ImageContentsError`` (``ImageContentsError/Code/corrupt``) whose message names
/// the file and the line.
///
/// ```swift
/// if let seed = try SnapSeed(of: image) {
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
    public static let path: ImagePath = "/var/lib/snapd/seed/seed.yaml"

    /// The largest seed.yaml read, in bytes (16 MiB; a real one is well under 4 KiB).
    public static let maximumSize: UInt64 = 16 << 20

    /// The most snaps a seed may list (a real one lists a few dozen).
    public static let maximumSnaps = 10_000

    /// The most YAML nodes reading one seed may visit, an alias counted every time it is used.
    static let maximumNodeVisits = 200_000

    /// The longest value, in bytes (snapd allows 40-byte names; channels and file names are short too).
    static let maximumValueBytes = 4096

    /// The seeded snaps, in the order of the file.
    public var snaps: [Snap]

    /// Creates a seed from snaps, kept in the given order.
    public init(snaps: [Snap]) { self.snaps = snaps }

    /// Parses the text of a seed.yaml.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents, at most ``maximumSize`` bytes.
    ///   - path: how error messages name the file.
    /// - Throws: ``ImageContentsError`` with code ``ImageContentsError/Code/corrupt`` (naming `path` and the line)
    ///   for anything outside the accepted shape or a snap without `name`, `channel` or a `file` whose revision can
    ///   be read; ``ImageContentsError/Code/limitExceeded`` when `bytes` is larger than ``maximumSize``, or lists
    ///   more than ``maximumSnaps`` snaps.
    public init(parsing bytes: [UInt8], path: FilePath = "/var/lib/snapd/seed/seed.yaml") throws(ImageContentsError) {
        try self.init(parsing: bytes, source: path.description)
    }

    /// Parses the text of a seed.yaml whose messages name it `path`; see ``init(parsing:path:)-(_,FilePath)``.
    public init(parsing bytes: [UInt8], path: String) throws(ImageContentsError) {
        try self.init(parsing: bytes, source: path)
    }

    /// Parses a seed.yaml whose messages name it `source`.
    init(parsing bytes: [UInt8], source: String) throws(ImageContentsError) {
        guard UInt64(bytes.count) <= Self.maximumSize else {
            throw ImageContentsError(.limitExceeded, "\(source): \(bytes.count) bytes, over \(Self.maximumSize)")
        }
        var reader = SeedReader(source: source)
        snaps = try reader.read(bytes)
    }

    /// Reads the snaps a root image seeds (`var/lib/snapd/seed/seed.yaml`); nil when the image has no seed.yaml (or
    /// something other than a regular file in its place), as livecd-rootfs' snap-seed-parse treats it.
    ///
    /// ```swift
    /// if let seed = try SnapSeed(of: image) {
    ///     for snap in seed.snaps { print(snap.name, snap.channel, snap.revision) }
    /// }
    /// ```
    ///
    /// - Parameter image: a root image.
    /// - Throws: ``ImageContentsError`` with code ``ImageContentsError/Code/corrupt`` when the file cannot be
    ///   understood, ``ImageContentsError/Code/limitExceeded`` when it is larger than ``maximumSize``,
    ///   ``ImageContentsError/Code/image`` when reading the image fails, ``ImageContentsError/Code/cancelled``.
    public init?(of image: SquashFSImage) throws(ImageContentsError) {
        guard let file = try image.fileReaderIfPresent(at: Self.path, nilUnlessFile: true) else { return nil }
        guard file.size <= Self.maximumSize else {
            throw ImageContentsError(
                .limitExceeded,
                "\(image.name): \(Self.path) is larger than \(Self.maximumSize) bytes (\(file.size) bytes)")
        }
        if Task.isCancelled { throw .cancelled(reading: Self.path, in: image) }
        let bytes: [UInt8]
        do {
            bytes = try file.readAll(maximumSize: Self.maximumSize)
        } catch {
            throw ImageContentsError(reading: Self.path, in: image, error)
        }
        try self.init(parsing: bytes, source: "\(image.name): \(Self.path)")
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

/// Reads a seed.yaml's tree (see ``SnapSeed``) through the hardened YAML reader.
private struct SeedReader {
    /// A scalar value: a string, YAML's null (an empty value, `~`, `null`), or a plain scalar YAML 1.1 reads as
    /// something else (a boolean, a number, a date).
    private enum Scalar {
        case string(String)
        case null
        case nonString(String)
    }

    /// A value of an item, with its node (for the line in messages) and its key path.
    private struct Value {
        var scalar: Scalar
        var node: Node
        var path: String
    }

    private static let stringKeys: Set<String> = ["name", "channel", "file", "snap-id", "contact"]
    private static let booleanKeys: Set<String> = ["classic", "devmode", "private", "unasserted"]
    private static let trueWords: Set<String> = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"]

    let source: String
    private var yaml: YAMLReader

    init(source: String) {
        self.source = source
        yaml = YAMLReader(
            source: source, maximumNodeVisits: SnapSeed.maximumNodeVisits,
            maximumStringBytes: SnapSeed.maximumValueBytes)
    }

    /// An error about line `line` found before the YAML is composed.
    private func corrupt(_ line: Int, _ message: String) -> ImageContentsError {
        ImageContentsError(.corrupt, "\(source): line \(line): \(message)")
    }

    /// An error about `node` at `path`.
    private func corrupt(_ node: Node, _ path: String, _ problem: String) -> ImageContentsError {
        ImageContentsError(.corrupt, "\(yaml.location(node, path)): \(problem)")
    }

    /// The reader's error as this module's: a limit stays a limit, anything else is a corrupt seed. A syntax error
    /// (`SOURCE is not valid YAML: LINE:COLUMN: ...`) is named `SOURCE: line LINE: not valid YAML: ...`, as every
    /// other message names its line.
    private func wrap(_ error: YAMLReadingError) -> ImageContentsError {
        let code: ImageContentsError.Code = error.code == .limitExceeded ? .limitExceeded : .corrupt
        let prefix = "\(source) is not valid YAML: "
        guard error.message.hasPrefix(prefix) else {
            return ImageContentsError(code, error.message, underlyingError: error)
        }
        let detail = error.message.dropFirst(prefix.count)
        var line = detail.prefix { $0.isASCII && $0.isNumber }
        if line.isEmpty || detail.dropFirst(line.count).first != ":",
            let range = detail.firstRange(of: " in line ")
        {
            // Yams's duplicate-key error names the line of the mapping at its end.
            line = detail[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        }
        guard !line.isEmpty else { return ImageContentsError(code, error.message, underlyingError: error) }
        return ImageContentsError(
            code, "\(source): line \(line): not valid YAML: \(detail)", underlyingError: error)
    }

    mutating func read(_ bytes: [UInt8]) throws(ImageContentsError) -> [SnapSeed.Snap] {
        // What YAML reads as a line break or refuses, even in a comment, and the tabs PyYAML refuses, are refused
        // first, with their line.
        var scanner = LineScanner(maximumLineLength: .max)
        var hasContent = false
        let check = { (line: ArraySlice<UInt8>, number: Int, _: Bool) throws(ImageContentsError) in
            if try self.checkLine(line, line: number) { hasContent = true }
        }
        try scanner.feed(bytes[...], check)
        try scanner.finish(check)
        guard hasContent else { throw corrupt(1, "no top-level 'snaps:' list") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw corrupt(1, "invalid UTF-8") }
        do {
            return try read(YAMLReader.compose(text, source: source, documentKind: "a snap seed"))
        } catch let error as YAMLReadingError {
            throw wrap(error)
        } catch let error as ImageContentsError {
            throw error
        } catch {
            throw ImageContentsError(.corrupt, "\(source): \(error)")
        }
    }

    /// Reads the composed document: a mapping with one key, `snaps`, holding a list (or nothing).
    private mutating func read(_ root: Node) throws -> [SnapSeed.Snap] {
        var snapsNode: Node?
        for (key, value) in try yaml.mapping(root, "the document") {
            guard key == "snaps" else { throw corrupt(value, key, "unknown top-level key \(quote(key))") }
            snapsNode = value
        }
        guard let snapsNode else {
            throw ImageContentsError(.corrupt, "\(yaml.location(root, "the document")): no top-level 'snaps:' list")
        }
        var snaps: [SnapSeed.Snap] = []
        var names: Set<String> = []
        for (index, item) in try yaml.sequence(snapsNode, "snaps", limit: SnapSeed.maximumSnaps).enumerated() {
            let snap = try readItem(item, "snaps[\(index)]")
            guard names.insert(snap.name).inserted else {
                throw corrupt(item, "snaps[\(index)].name", "snap \(quote(snap.name)) is listed twice")
            }
            snaps.append(snap)
        }
        return snaps
    }

    /// One item of the list: a flat mapping of known keys to scalars.
    private mutating func readItem(_ item: Node, _ path: String) throws -> SnapSeed.Snap {
        if YAMLReader.isNull(item) { throw corrupt(item, path, "an empty list item") }
        var values: [String: Value] = [:]
        for (key, value) in try yaml.mapping(item, path) {
            let valuePath = "\(path).\(key)"
            guard Self.stringKeys.contains(key) || Self.booleanKeys.contains(key) else {
                throw corrupt(value, valuePath, "unknown key \(quote(key))")
            }
            let scalar = try readScalar(value, valuePath)
            if Self.booleanKeys.contains(key) {
                guard case .nonString(let word) = scalar,
                    Self.trueWords.contains(word) || Self.falseWords.contains(word)
                else { throw corrupt(value, valuePath, "'\(key)' must be true or false") }
            }
            values[key] = Value(scalar: scalar, node: value, path: valuePath)
        }
        guard !values.isEmpty else { throw corrupt(item, path, "an empty list item") }
        func required(_ key: String) throws(ImageContentsError) -> (value: String, node: Node, path: String) {
            guard let entry = values[key] else { throw corrupt(item, path, "the snap has no '\(key)'") }
            switch entry.scalar {
            case .string(let value) where !value.isEmpty:
                return (value, entry.node, entry.path)
            case .nonString(let value):
                throw corrupt(
                    entry.node, entry.path, "'\(key)' is not a string in YAML 1.1: \(quote(value)) (quote it)")
            case .string, .null:
                throw corrupt(entry.node, entry.path, "'\(key)' has no value")
            }
        }
        let name = try required("name")
        guard isValidSnapName(name.value) else {
            throw corrupt(name.node, name.path, "invalid snap name \(quote(name.value))")
        }
        let channel = try required("channel")
        let components = channel.value.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count <= 3, components.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw corrupt(channel.node, channel.path, "invalid channel \(quote(channel.value))")
        }
        let file = try required("file")
        guard !file.value.contains("/") else {
            throw corrupt(file.node, file.path, "'file' must be a file name, not a path")
        }
        guard let revision = SnapSeed.revision(fromFile: file.value) else {
            throw corrupt(file.node, file.path, "no revision in \(quote(file.value)) (expected NAME_REVISION.snap)")
        }
        func flag(_ key: String) -> Bool {
            guard case .nonString(let word)? = values[key]?.scalar else { return false }
            return Self.trueWords.contains(word)
        }
        return SnapSeed.Snap(
            name: name.value, channel: channel.value, file: file.value, revision: revision,
            isClassic: flag("classic"), isDevMode: flag("devmode"), isUnasserted: flag("unasserted"))
    }

    /// A scalar value: its text (the YAML reader refuses collections, control characters and long values), then
    /// printable ASCII only, as the values end up in tab-separated manifest lines.
    private mutating func readScalar(_ node: Node, _ path: String) throws -> Scalar {
        if YAMLReader.isNull(node) { return .null }
        let text = try yaml.string(node, path)
        guard text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw corrupt(node, path, "a value with a control or non-ASCII character")
        }
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return .string(text) }
        return isYAML11NonString(text) ? .nonString(text) : .string(text)
    }

    /// Refuses, anywhere in a line (comments too), what YAML reads as a line break (a lone CR, NEL, U+2028, U+2029)
    /// or refuses (other control characters, invalid UTF-8, U+FFFE, U+FFFF), and a tab outside a comment (PyYAML,
    /// which snap-seed-parse reads the file with, refuses it where libyaml would not). Returns whether the line
    /// holds more than blanks, a comment or a document marker.
    private func checkLine(_ rawLine: ArraySlice<UInt8>, line: Int) throws(ImageContentsError) -> Bool {
        var bytes = rawLine
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        try checkCharacters(bytes, line: line)
        let content = bytes.drop { $0 == 0x20 }
        if content.first == 0x09 { throw corrupt(line, "a tab in the indentation") }
        // A comment starts with a '#' at the start of the line or after a blank.
        var previous: UInt8 = 0x20
        for byte in content {
            if byte == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) { break }
            if byte == 0x09 { throw corrupt(line, "a tab outside a comment") }
            previous = byte
        }
        var text = content.prefix { $0 != UInt8(ascii: "#") }
        while text.last == 0x20 { text = text.dropLast() }
        return !text.isEmpty && !text.elementsEqual("---".utf8) && !text.elementsEqual("...".utf8)
    }

    /// Refuses, anywhere in a line (comments too), what YAML reads as a line break (a lone CR, NEL, U+2028, U+2029)
    /// or refuses (other control characters, invalid UTF-8, U+FFFE, U+FFFF).
    func checkCharacters(_ bytes: ArraySlice<UInt8>, line: Int) throws(ImageContentsError) {
        if bytes.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 }) { return }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw corrupt(line, "invalid UTF-8") }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x20...0x7E, 0xA0...0x2027, 0x202A...0xD7FF, 0xE000...0xFEFE, 0xFF00...0xFFFD, 0x10000...:
                continue
            default:
                throw corrupt(line, "a control character, line separator or byte order mark")
            }
        }
    }

    /// Whether PyYAML (YAML 1.1, which snap-seed-parse loads the file with) resolves this plain scalar to something
    /// other than a string: its implicit resolvers for booleans, integers (`010` is 8, `1_0` is 10, `1:30` is 90),
    /// floats, timestamps and the `<<` and `=` keys. snap-seed-parse would print such a value differently
    /// (`True`, `8`), so it is refused where a string is needed.
    func isYAML11NonString(_ text: String) -> Bool {
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

    /// snapd's rule (`naming.ValidateSnap`): 1 to 40 lower-case letters, digits and single inner hyphens, with at
    /// least one letter.
    func isValidSnapName(_ name: String) -> Bool {
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

    /// A value quoted for an error message: at most 200 bytes of it, with control characters and invalid UTF-8
    /// escaped (a seed.yaml line can be megabytes long).
    func quote(_ value: String) -> String {
        let bytes = Array(value.utf8.prefix(201))
        if bytes.count <= 200 { return "'" + printable(bytes) + "'" }
        return "'" + printable(Array(bytes.prefix(200))) + "…'"
    }
}
