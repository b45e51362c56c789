/// The list of packages in a root image, as `dpkg-query --show` prints it and MAAS publishes it
/// (`squashfs.manifest`): one `name<TAB>version` line per package, followed, in images that seed snaps, by one
/// `snap:NAME<TAB>CHANNEL<TAB>REVISION` line per seeded snap, as Ubuntu's image builder (livecd-rootfs) appends them.
///
/// ```swift
/// let manifest = try PackageManifest(of: image)
/// print(manifest.text, terminator: "")
/// let published = try PackageManifest(parsing: String(decoding: bytes, as: UTF8.self))
/// let changes = manifest.difference(from: published)
/// ```
public struct PackageManifest: Sendable, Hashable {
    /// One manifest line: a package (its name, with `:arch` where dpkg adds it, and its version) or a seeded snap.
    public struct Entry: Sendable, Hashable {
        /// What a manifest line lists.
        public enum Kind: Sendable, Hashable {
            /// A Debian package, as `dpkg-query --show` lists it.
            case package
            /// A seeded snap. `channel` is nil for a two-column line (`snap:NAME<TAB>REVISION`).
            case snap(channel: String?)
        }

        /// The first column: `libc6:amd64` for `Multi-Arch: same` and foreign packages, `snap:lxd` for a snap.
        public var name: String
        /// The version, without a zero epoch; for a snap, its revision.
        public var version: String
        /// Whether the line lists a package or a snap.
        public var kind: Kind

        /// Creates an entry from the first two columns of a line; a name starting with `snap:` makes a snap entry
        /// without a channel.
        public init(name: String, version: String) {
            self.name = name
            self.version = version
            self.kind = name.hasPrefix(Self.snapPrefix) ? .snap(channel: nil) : .package
        }

        /// Creates a snap entry: `snap:NAME<TAB>CHANNEL<TAB>REVISION`, or two columns when `channel` is nil.
        ///
        /// - Parameters:
        ///   - snap: The snap's name, without the `snap:` prefix.
        ///   - channel: The channel it was seeded from (`latest/stable`), or `nil`.
        ///   - revision: The revision (`x1`, `1234`).
        public init(snap: String, channel: String?, revision: String) {
            self.name = Self.snapPrefix + snap
            self.version = revision
            self.kind = .snap(channel: channel)
        }

        /// The prefix of snap lines.
        static let snapPrefix = "snap:"

        /// Whether the entry is a seeded snap.
        public var isSnap: Bool {
            if case .snap = kind { return true }
            return false
        }

        /// The snap's name without the `snap:` prefix; nil for a package.
        public var snapName: String? { isSnap ? String(name.dropFirst(Self.snapPrefix.count)) : nil }

        /// The snap's channel; nil for a package or a two-column snap line.
        public var channel: String? {
            if case .snap(let channel) = kind { return channel }
            return nil
        }

        /// The manifest line without its newline: the columns joined by tabs.
        public var line: String {
            if let channel { return "\(name)\t\(channel)\t\(version)" }
            return "\(name)\t\(version)"
        }

        /// Whether `other` (the same name) lists something else: another version or revision, or, when both lines
        /// have one, another channel.
        func differs(from other: Entry) -> Bool {
            if version != other.version { return true }
            if let channel, let otherChannel = other.channel { return channel != otherChannel }
            return false
        }
    }

    /// The packages, in dpkg-query's order (by name, then architecture, byte-wise), then the seeded snaps in seed
    /// order.
    public var entries: [Entry]

    /// The seeded snaps' entries.
    public var snaps: [Entry] { entries.filter(\.isSnap) }

    /// Creates a manifest from entries, kept in the given order.
    public init(entries: [Entry]) { self.entries = entries }

    /// Parses a published manifest: `name<TAB>version` lines (further tab-separated columns are ignored) and
    /// `snap:NAME<TAB>CHANNEL<TAB>REVISION` or `snap:NAME<TAB>REVISION` lines; empty lines are skipped.
    ///
    /// - Throws: ``ImageContentsError`` with code ``ImageContentsError/Code/invalidManifest`` naming the first line
    ///   without a tab, or a snap line with another number of columns or an empty column.
    public init(parsing text: String) throws(ImageContentsError) {
        var entries: [Entry] = []
        // "\r\n" is a single Character, so splitting on newlines handles both line endings.
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.isEmpty { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 2, let name = columns.first, !name.isEmpty else {
                throw ImageContentsError(
                    .invalidManifest, "manifest line \(number + 1) is not 'name<TAB>version': \(line)")
            }
            guard name.hasPrefix(Entry.snapPrefix) else {
                entries.append(Entry(name: String(name), version: String(columns[1])))
                continue
            }
            let snap = name.dropFirst(Entry.snapPrefix.count)
            guard columns.count <= 3, !snap.isEmpty, columns.allSatisfy({ !$0.isEmpty }), let revision = columns.last
            else {
                throw ImageContentsError(
                    .invalidManifest,
                    "manifest line \(number + 1) is not 'snap:NAME<TAB>CHANNEL<TAB>REVISION' or "
                        + "'snap:NAME<TAB>REVISION': \(line)"
                )
            }
            let channel = columns.count == 3 ? String(columns[1]) : nil
            entries.append(Entry(snap: String(snap), channel: channel, revision: String(revision)))
        }
        self.entries = entries
    }

    /// The manifest as text, one line per entry: `name<TAB>version` as `dpkg-query --show` prints it, then the
    /// `snap:NAME<TAB>CHANNEL<TAB>REVISION` lines.
    public var text: String {
        var result = ""
        for entry in entries { result += entry.line + "\n" }
        return result
    }

    /// What changed from `other` (the older manifest) to this one. Entries are matched by name; a snap changed when
    /// its revision did or, when both lines give one, its channel.
    public func difference(from other: PackageManifest) -> ManifestDifference {
        let old = Dictionary(other.entries.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        let new = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        var difference = ManifestDifference()
        for entry in entries {
            if let previous = old[entry.name] {
                if entry.differs(from: previous) { difference.changed.append(.init(old: previous, new: entry)) }
            } else {
                difference.added.append(entry)
            }
        }
        difference.removed = other.entries.filter { new[$0.name] == nil }
        return difference
    }
}

/// The packages added, removed and changed between two manifests.
public struct ManifestDifference: Sendable, Hashable {
    /// A package whose version changed, or a snap whose revision or channel changed.
    public struct Change: Sendable, Hashable {
        /// The entry in the older manifest.
        public var old: PackageManifest.Entry
        /// The entry in the newer manifest (the same name).
        public var new: PackageManifest.Entry

        /// The package name (`snap:NAME` for a snap).
        public var name: String { new.name }
        /// The version (a snap's revision) in the older manifest.
        public var oldVersion: String { old.version }
        /// The version (a snap's revision) in the newer manifest.
        public var newVersion: String { new.version }

        /// Creates a change between two entries of the same name.
        public init(old: PackageManifest.Entry, new: PackageManifest.Entry) {
            self.old = old
            self.new = new
        }

        /// Creates a change of a package's version.
        public init(name: String, oldVersion: String, newVersion: String) {
            self.init(
                old: PackageManifest.Entry(name: name, version: oldVersion),
                new: PackageManifest.Entry(name: name, version: newVersion))
        }
    }

    /// Packages (and snaps) only in the newer manifest.
    public var added: [PackageManifest.Entry] = []
    /// Packages (and snaps) only in the older manifest.
    public var removed: [PackageManifest.Entry] = []
    /// Packages in both with different versions, and snaps in both with a different revision or channel.
    public var changed: [Change] = []

    /// Whether the manifests list the same packages and snaps, with the same versions.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}
