/// The list of packages in a root image, as `dpkg-query --show` prints it and MAAS publishes it
/// (`squashfs.manifest`): one `name<TAB>version` line per package.
///
/// ```swift
/// let manifest = try image.packageManifest()
/// print(manifest.text, terminator: "")
/// let published = try PackageManifest(parsing: String(decoding: bytes, as: UTF8.self))
/// let changes = manifest.difference(from: published)
/// ```
public struct PackageManifest: Sendable, Hashable {
    /// One package: its name (with `:arch` where dpkg adds it) and its version.
    public struct Entry: Sendable, Hashable {
        /// The name as dpkg-query prints it: `libc6:amd64` for `Multi-Arch: same` and foreign packages.
        public var name: String
        /// The version, without a zero epoch.
        public var version: String

        /// Creates an entry.
        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    /// The packages, in dpkg-query's order (by name, then architecture, byte-wise).
    public var entries: [Entry]

    /// Creates a manifest from entries, kept in the given order.
    public init(entries: [Entry]) { self.entries = entries }

    /// Parses a published manifest: `name<TAB>version` lines (further tab-separated columns, as on `snap:` lines,
    /// are ignored); empty lines are skipped.
    ///
    /// - Throws: ``SquashFSError`` (`invalidArgument`) naming the first line without a tab.
    public init(parsing text: String) throws {
        var entries: [Entry] = []
        // "\r\n" is a single Character, so splitting on newlines handles both line endings.
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.isEmpty { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 2, !columns[0].isEmpty else {
                throw SquashFSError(.invalidArgument, "manifest line \(number + 1) is not 'name<TAB>version': \(line)")
            }
            entries.append(Entry(name: String(columns[0]), version: String(columns[1])))
        }
        self.entries = entries
    }

    /// The manifest as text, one `name<TAB>version` line per package, as `dpkg-query --show` prints it.
    public var text: String {
        var result = ""
        for entry in entries { result += "\(entry.name)\t\(entry.version)\n" }
        return result
    }

    /// What changed from `other` (the older manifest) to this one.
    public func difference(from other: PackageManifest) -> ManifestDifference {
        let old = Dictionary(other.entries.map { ($0.name, $0.version) }, uniquingKeysWith: { _, last in last })
        let new = Dictionary(entries.map { ($0.name, $0.version) }, uniquingKeysWith: { _, last in last })
        var difference = ManifestDifference()
        for entry in entries {
            if let previous = old[entry.name] {
                if previous != entry.version {
                    difference.changed.append(.init(name: entry.name, oldVersion: previous, newVersion: entry.version))
                }
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
    /// A package whose version changed.
    public struct Change: Sendable, Hashable {
        /// The package name.
        public var name: String
        /// The version in the older manifest.
        public var oldVersion: String
        /// The version in the newer manifest.
        public var newVersion: String

        /// Creates a change.
        public init(name: String, oldVersion: String, newVersion: String) {
            self.name = name
            self.oldVersion = oldVersion
            self.newVersion = newVersion
        }
    }

    /// Packages only in the newer manifest.
    public var added: [PackageManifest.Entry] = []
    /// Packages only in the older manifest.
    public var removed: [PackageManifest.Entry] = []
    /// Packages in both with different versions.
    public var changed: [Change] = []

    /// Whether the manifests list the same packages and versions.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}

extension SquashFSImage {
    /// The most bytes read from one dpkg database file.
    static let maximumDpkgFileSize: UInt64 = 256 << 20

    /// The image's package manifest, read from `var/lib/dpkg/status` and the pending entries in
    /// `var/lib/dpkg/updates/`, exactly as `dpkg-query --show --admindir=ROOT/var/lib/dpkg` lists it for the same
    /// root; nothing else is read from the image.
    ///
    /// The native architecture (which decides the `:arch` suffix of foreign packages) is the `dpkg` package's, not
    /// the host's, so an arm64 image gives the same manifest on any machine.
    ///
    /// - Throws: ``SquashFSError`` with code `notFound` when the image has no dpkg database.
    public func packageManifest() throws -> PackageManifest {
        let status: [UInt8]
        do {
            status = try contentsOfFile(at: "/var/lib/dpkg/status", maximumSize: Self.maximumDpkgFileSize)
        } catch let error as SquashFSError where error.code == .notFound || error.code == .notADirectory {
            throw SquashFSError(
                .notFound, "\(name): no dpkg database (var/lib/dpkg/status) in the image", underlyingError: error)
        }
        var packages: [String: DpkgStanza] = [:]
        var order: [String] = []
        func apply(_ stanzas: [DpkgStanza]) {
            for stanza in stanzas {
                if packages.updateValue(stanza, forKey: stanza.key) == nil { order.append(stanza.key) }
            }
        }
        apply(parseDpkgStanzas(status))
        for update in try pendingUpdates() {
            apply(parseDpkgStanzas(try contentsOfFile(at: update, maximumSize: Self.maximumDpkgFileSize)))
        }
        let native = order.compactMap { packages[$0] }.last { $0.package.lowercased() == "dpkg" }?.architecture
        var listed: [(name: String, arch: String, entry: PackageManifest.Entry)] = []
        for key in order {
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
        return PackageManifest(entries: listed.map(\.entry))
    }

    /// The journal files in `var/lib/dpkg/updates/` (names made of digits only), in numeric order.
    private func pendingUpdates() throws -> [ImagePath] {
        let directory: Inode
        do {
            directory = try inode(at: "/var/lib/dpkg/updates")
        } catch let error as SquashFSError where error.code == .notFound {
            return []
        }
        guard directory.kind == .directory else { return [] }
        let names = try contentsOfDirectory(directory)
            .filter { $0.kind == .regularFile && !$0.name.isEmpty && $0.name.allSatisfy { (0x30...0x39).contains($0) } }
            .map(\.name)
        // Numeric order: compare without leading zeros, shorter first, then byte-wise.
        func digits(_ name: [UInt8]) -> ArraySlice<UInt8> { name.drop { $0 == 0x30 } }
        let sorted = names.sorted { lhs, rhs in
            let (left, right) = (digits(lhs), digits(rhs))
            return left.count != right.count ? left.count < right.count : left.lexicographicallyPrecedes(right)
        }
        return sorted.map { ImagePath("/var/lib/dpkg/updates").appending($0) }
    }
}
