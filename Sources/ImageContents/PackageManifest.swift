/// The list of packages in a root image, as `dpkg-query --show` prints it and MAAS publishes it
/// (`squashfs.manifest`): one `name<TAB>version` line per package, followed, in images that seed snaps, by one
/// `snap:NAME<TAB>CHANNEL<TAB>REVISION` line per seeded snap, as Ubuntu's image builder (livecd-rootfs) appends them.
///
/// ```swift
/// let manifest = try image.packageManifest()
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
    /// - Throws: ``SquashFSError`` (`invalidArgument`) naming the first line without a tab, or a snap line with
    ///   another number of columns or an empty column.
    public init(parsing text: String) throws {
        var entries: [Entry] = []
        // "\r\n" is a single Character, so splitting on newlines handles both line endings.
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.isEmpty { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 2, let name = columns.first, !name.isEmpty else {
                throw SquashFSError(.invalidArgument, "manifest line \(number + 1) is not 'name<TAB>version': \(line)")
            }
            guard name.hasPrefix(Entry.snapPrefix) else {
                entries.append(Entry(name: String(name), version: String(columns[1])))
                continue
            }
            let snap = name.dropFirst(Entry.snapPrefix.count)
            guard columns.count <= 3, !snap.isEmpty, columns.allSatisfy({ !$0.isEmpty }), let revision = columns.last
            else {
                throw SquashFSError(
                    .invalidArgument,
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

extension PackageManifest {
    /// Limits on the work reading an image's manifest may do; beyond them ``SquashFSImage/packageManifest(options:)``
    /// throws a ``SquashFSError`` with code `limitExceeded`. The defaults are far above what real images hold (an
    /// Ubuntu server's status file is a few MB, its `updates/` journal normally empty: dpkg folds it into the status
    /// file after 250 entries).
    public struct Options: Sendable, Hashable {
        /// The largest dpkg database file read (`status` or one `updates/` journal file): 64 MiB.
        public var maximumFileSize: UInt64 = 64 << 20
        /// The most bytes read across the status file and all journal files, a file reached through several hard
        /// links counting each time: 128 MiB.
        public var maximumTotalBytes: UInt64 = 128 << 20
        /// The most journal files in `var/lib/dpkg/updates/`: 4096.
        public var maximumUpdateFiles = 4096
        /// The most packages (distinct name and architecture) in the database: 200,000 (the whole Ubuntu archive
        /// has fewer than 100,000).
        public var maximumPackages = 200_000
        /// The longest line of a dpkg database file or seed.yaml kept whole (1 MiB); longer lines are skipped, or
        /// refused (`limitExceeded`) when they hold a field the manifest needs.
        public var maximumLineLength = 1 << 20

        /// The default limits.
        public init() {}
    }
}

extension SquashFSImage {
    /// The image's package manifest, as Ubuntu's image builder (livecd-rootfs `create_manifest`) writes it: the
    /// packages read from `var/lib/dpkg/status` and the pending entries in `var/lib/dpkg/updates/`, exactly as
    /// `dpkg-query --show --admindir=ROOT/var/lib/dpkg` lists them for the same root, then, when the image has a
    /// `var/lib/snapd/seed/seed.yaml`, one `snap:NAME<TAB>CHANNEL<TAB>REVISION` line per seeded snap, in seed order,
    /// as livecd-rootfs' `snap-seed-parse` appends them (see ``SnapSeed``).
    ///
    /// The native architecture (which decides the `:arch` suffix of foreign packages) is the `dpkg` package's, not
    /// the host's, so an arm64 image gives the same manifest on any machine.
    ///
    /// The files are read as streams, a chunk at a time, so memory follows the packages listed, not the files'
    /// sizes or shapes; `options` bounds the rest.
    ///
    /// - Throws: ``SquashFSError`` with code `notFound` when the image has no dpkg database, `limitExceeded` when a
    ///   limit of `options` is reached, or what ``snapSeed()`` throws for a seed.yaml it cannot read.
    public func packageManifest(options: PackageManifest.Options = PackageManifest.Options()) throws
        -> PackageManifest
    {
        let statusPath = ImagePath("/var/lib/dpkg/status")
        let status: FileReader
        do {
            status = try fileReader(at: statusPath)
        } catch let error as SquashFSError where error.code == .notFound || error.code == .notADirectory {
            throw SquashFSError(
                .notFound, "\(name): no dpkg database (var/lib/dpkg/status) in the image", underlyingError: error)
        }
        var database = DpkgDatabase(options: options)
        try read(status, at: statusPath, into: &database)
        for (path, inode) in try pendingUpdates(options: options) {
            try read(try fileReader(for: inode), at: path, into: &database)
        }
        let packages = database.packages
        let native = database.order.compactMap { packages[$0] }.last { $0.package.lowercased() == "dpkg" }?.architecture
        var listed: [(name: String, arch: String, entry: PackageManifest.Entry)] = []
        for key in database.order {
            guard let stanza = packages[key], stanza.isListed else { continue }
            let name = stanza.package.lowercased()
            let arch = stanza.architecture
            let foreign = !arch.isEmpty && arch != "all" && native.map { $0 != arch } == true
            let suffixed = (stanza.multiArch.lowercased() == "same" && !arch.isEmpty) || foreign
            let entry = PackageManifest.Entry(
                name: suffixed ? "\(name):\(arch)" : name, version: dpkgDisplayVersion(stanza.version))
            listed.append((name, arch, entry))
        }
        listed.sort { lhs, rhs in
            lhs.name != rhs.name
                ? lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
                : lhs.arch.utf8.lexicographicallyPrecedes(rhs.arch.utf8)
        }
        var entries = listed.map(\.entry)
        if let seed = try snapSeed(maximumLineLength: options.maximumLineLength) { entries += seed.manifestEntries }
        return PackageManifest(entries: entries)
    }

    /// Parses one dpkg database file into `database`, a chunk at a time, within the limits of its options.
    private func read(_ file: FileReader, at path: ImagePath, into database: inout DpkgDatabase) throws {
        let options = database.options
        guard file.size <= options.maximumFileSize else {
            throw SquashFSError(
                .limitExceeded,
                "\(name): \(path) is \(file.size) bytes, over the limit of \(options.maximumFileSize) "
                    + "(PackageManifest.Options.maximumFileSize)")
        }
        guard file.size <= options.maximumTotalBytes - min(database.bytesRead, options.maximumTotalBytes) else {
            throw SquashFSError(
                .limitExceeded,
                "\(name): \(path): the dpkg database files add up to more than \(options.maximumTotalBytes) bytes "
                    + "(PackageManifest.Options.maximumTotalBytes)")
        }
        database.bytesRead += file.size
        var parser = DpkgStanzaParser()
        let imageName = name
        try forEachLine(of: file, maximumLineLength: options.maximumLineLength) { line, number, truncated in
            if let stanza = try parser.read(
                line, truncated: truncated, where: { "\(imageName): \(path), line \(number)" })
            {
                try database.apply(stanza, in: "\(imageName): \(path)")
            }
        }
        if let stanza = parser.finish() { try database.apply(stanza, in: "\(imageName): \(path)") }
    }

    /// The journal files in `var/lib/dpkg/updates/` (regular files named with digits only), in numeric order, with
    /// their inodes. The directory is read entry by entry; only the journal files are kept.
    private func pendingUpdates(options: PackageManifest.Options) throws -> [(path: ImagePath, inode: Inode)] {
        let directoryPath = ImagePath("/var/lib/dpkg/updates")
        let directory: Inode
        do {
            directory = try inode(at: directoryPath)
        } catch let error as SquashFSError where error.code == .notFound {
            return []
        }
        guard let layout = directory.directory else { return [] }
        var listing = try DirectoryListingReader(
            image: self, block: layout.startBlock, offset: Int(layout.startOffset),
            listingSize: Int(layout.listingSize), directoryName: directoryPath)
        var journal: [(name: [UInt8], kind: FileKind, number: UInt32, reference: InodeReference)] = []
        while let found = try listing.nextEntry({ name, kind, number, reference in
            (name.allSatisfy { (0x30...0x39).contains($0) } && kind == .regularFile)
                ? (Array(name), kind, number, reference) : nil
        }) {
            guard let entry = found else { continue }
            guard journal.count < options.maximumUpdateFiles else {
                throw SquashFSError(
                    .limitExceeded,
                    "\(name): \(directoryPath) holds more than \(options.maximumUpdateFiles) journal files "
                        + "(PackageManifest.Options.maximumUpdateFiles)")
            }
            journal.append(entry)
        }
        // Numeric order: compare without leading zeros, shorter first, then byte-wise.
        func digits(_ name: [UInt8]) -> ArraySlice<UInt8> { name.drop { $0 == 0x30 } }
        journal.sort { lhs, rhs in
            let (left, right) = (digits(lhs.name), digits(rhs.name))
            return left.count != right.count ? left.count < right.count : left.lexicographicallyPrecedes(right)
        }
        var memo = MetadataBlockMemo()
        return try journal.map { entry in
            let path = directoryPath.appending(entry.name)
            let inode = try inode(
                at: entry.reference, listedAs: entry.kind, number: entry.number, entryName: path.description,
                memo: &memo)
            return (path, inode)
        }
    }
}

/// The packages read so far from a dpkg database, keyed as dpkg keys them, with the work done.
private struct DpkgDatabase {
    let options: PackageManifest.Options
    var packages: [String: DpkgStanza] = [:]
    /// The keys in first-seen order.
    var order: [String] = []
    var bytesRead: UInt64 = 0

    init(options: PackageManifest.Options) { self.options = options }

    /// Records a stanza; a later one for the same package replaces it (the journal overrides the status file).
    mutating func apply(_ stanza: DpkgStanza, in file: @autoclosure () -> String) throws {
        let key = stanza.key
        if packages.updateValue(stanza, forKey: key) == nil {
            order.append(key)
            guard order.count <= options.maximumPackages else {
                throw SquashFSError(
                    .limitExceeded,
                    "\(file()): more than \(options.maximumPackages) packages (PackageManifest.Options.maximumPackages)"
                )
            }
        }
    }
}
