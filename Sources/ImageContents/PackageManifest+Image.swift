public import SquashFS

extension PackageManifest {
    /// Limits on the work reading an image's manifest may do; beyond them ``PackageManifest/init(of:options:)``
    /// throws an ``ImageContentsError`` with code ``ImageContentsError/Code/limitExceeded``. The defaults are far
    /// above what real images hold (an Ubuntu server's status file is a few MB, its `updates/` journal normally
    /// empty: dpkg folds it into the status file after 250 entries).
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
        /// The longest line of a dpkg database file kept whole (1 MiB); longer lines are skipped, or refused
        /// (``ImageContentsError/Code/limitExceeded``) when they hold a field the manifest needs.
        public var maximumLineLength = 1 << 20

        /// The default limits.
        public init() {}
    }

    /// Reads the package manifest of a root image, as Ubuntu's image builder (livecd-rootfs `create_manifest`)
    /// writes it: the packages read from `var/lib/dpkg/status` and the pending entries in `var/lib/dpkg/updates/`,
    /// exactly as `dpkg-query --show --admindir=ROOT/var/lib/dpkg` lists them for the same root, then, when the image
    /// has a `var/lib/snapd/seed/seed.yaml`, one `snap:NAME<TAB>CHANNEL<TAB>REVISION` line per seeded snap, in seed
    /// order, as livecd-rootfs' `snap-seed-parse` appends them (see ``SnapSeed``).
    ///
    /// ```swift
    /// let image = try SquashFSImage(path: "squashfs")
    /// let manifest = try PackageManifest(of: image)
    /// print(manifest.text, terminator: "")
    /// ```
    ///
    /// The native architecture (which decides the `:arch` suffix of foreign packages) is the `dpkg` package's, not
    /// the host's, so an arm64 image gives the same manifest on any machine.
    ///
    /// The files are read as streams, a chunk at a time, so memory follows the packages listed, not the files'
    /// sizes or shapes; `options` bounds the rest. Task cancellation is checked between chunks.
    ///
    /// - Parameters:
    ///   - image: a root image (an Ubuntu or Debian `squashfs`).
    ///   - options: the limits on the work done.
    /// - Throws: ``ImageContentsError`` with code ``ImageContentsError/Code/notFound`` when the image has no dpkg
    ///   database, ``ImageContentsError/Code/limitExceeded`` when a limit of `options` is reached,
    ///   ``ImageContentsError/Code/corrupt`` for a seed.yaml that cannot be read (see ``SnapSeed/init(of:)``),
    ///   ``ImageContentsError/Code/image`` when reading the image fails, ``ImageContentsError/Code/cancelled``.
    public init(of image: SquashFSImage, options: Options = Options()) throws(ImageContentsError) {
        var entries = try Self.readDpkgDatabase(of: image, options: options).manifestEntries()
        if let seed = try SnapSeed(of: image) { entries += seed.manifestEntries }
        self.init(entries: entries)
    }

    /// Reads `var/lib/dpkg/status` and the pending entries of `var/lib/dpkg/updates/` within the limits of `options`
    /// (shared by the manifest, the SBOM and the image difference).
    ///
    /// - Throws: ``ImageContentsError`` with code ``ImageContentsError/Code/notFound`` when the image has no dpkg
    ///   database, `limitExceeded`, `image`, `cancelled`.
    static func readDpkgDatabase(
        of image: SquashFSImage, options: Options = Options()
    ) throws(ImageContentsError) -> DpkgDatabase {
        let statusPath = ImagePath("/var/lib/dpkg/status")
        guard let status = try image.fileReaderIfPresent(at: statusPath) else {
            throw ImageContentsError(.notFound, "\(image.name): no dpkg database (var/lib/dpkg/status) in the image")
        }
        var database = DpkgDatabase(options: options)
        try database.read(status, at: statusPath, in: image)
        for journal in try Self.pendingUpdates(in: image, options: options) {
            let reader: FileReader
            do {
                reader = try image.fileReader(for: journal.inode)
            } catch {
                throw ImageContentsError(reading: journal.path, in: image, error)
            }
            try database.read(reader, at: journal.path, in: image)
        }
        return database
    }

    /// A journal file of `var/lib/dpkg/updates/`.
    private struct JournalFile {
        var name: [UInt8]
        var path: ImagePath
        var inode: Inode
    }

    /// The journal files in `var/lib/dpkg/updates/` (regular files named with digits only), in numeric order. The
    /// directory is read entry by entry; only the journal files are kept.
    private static func pendingUpdates(
        in image: SquashFSImage, options: Options
    ) throws(ImageContentsError) -> [JournalFile] {
        let directoryPath = ImagePath("/var/lib/dpkg/updates")
        var journal: [JournalFile] = []
        var walker: TreeWalker
        do {
            walker = try image.walk(from: directoryPath, recursive: false)
        } catch {
            if error.code == .notFound { return [] }
            throw ImageContentsError(reading: directoryPath, in: image, error)
        }
        do {
            while let entry = try walker.next() {
                guard entry.depth == 1 else { continue }
                let name = entry.name
                guard entry.inode.kind == .regularFile, name.allSatisfy({ (0x30...0x39).contains($0) }) else {
                    continue
                }
                guard journal.count < options.maximumUpdateFiles else {
                    throw ImageContentsError(
                        .limitExceeded,
                        "\(image.name): \(directoryPath) holds more than \(options.maximumUpdateFiles) journal files "
                            + "(PackageManifest.Options.maximumUpdateFiles)")
                }
                journal.append(JournalFile(name: name, path: directoryPath.appending(name), inode: entry.inode))
            }
        } catch let error as ImageContentsError {
            throw error
        } catch {
            throw ImageContentsError(reading: directoryPath, in: image, error)
        }
        // Numeric order: compare without leading zeros, shorter first, then byte-wise.
        func digits(_ name: [UInt8]) -> ArraySlice<UInt8> { name.drop { $0 == 0x30 } }
        journal.sort { lhs, rhs in
            let (left, right) = (digits(lhs.name), digits(rhs.name))
            return left.count != right.count ? left.count < right.count : left.lexicographicallyPrecedes(right)
        }
        return journal
    }
}

/// The packages read so far from a dpkg database, keyed as dpkg keys them, with the work done.
struct DpkgDatabase {
    let options: PackageManifest.Options
    var packages: [String: DpkgStanza] = [:]
    /// The keys in first-seen order.
    var order: [String] = []
    var bytesRead: UInt64 = 0

    init(options: PackageManifest.Options) { self.options = options }

    /// Parses one dpkg database file of `image`, a chunk at a time, within the limits of the options.
    mutating func read(_ file: FileReader, at path: ImagePath, in image: SquashFSImage) throws(ImageContentsError) {
        guard file.size <= options.maximumFileSize else {
            throw ImageContentsError(
                .limitExceeded,
                "\(image.name): \(path) is \(file.size) bytes, over the limit of \(options.maximumFileSize) "
                    + "(PackageManifest.Options.maximumFileSize)")
        }
        guard file.size <= options.maximumTotalBytes - min(bytesRead, options.maximumTotalBytes) else {
            throw ImageContentsError(
                .limitExceeded,
                "\(image.name): \(path): the dpkg database files add up to more than \(options.maximumTotalBytes) "
                    + "bytes (PackageManifest.Options.maximumTotalBytes)")
        }
        bytesRead += file.size
        var parser = DpkgStanzaParser()
        let location = "\(image.name): \(path)"
        try image.forEachLine(of: file, at: path, maximumLineLength: options.maximumLineLength) {
            (line, number, truncated) throws(ImageContentsError) in
            if let stanza = try parser.read(line, truncated: truncated, where: { "\(location), line \(number)" }) {
                try apply(stanza, in: location)
            }
        }
        if let stanza = parser.finish() { try apply(stanza, in: location) }
    }

    /// Records a stanza; a later one for the same package replaces it (the journal overrides the status file).
    mutating func apply(_ stanza: DpkgStanza, in file: String) throws(ImageContentsError) {
        let key = stanza.key
        if packages.updateValue(stanza, forKey: key) == nil {
            order.append(key)
            guard order.count <= options.maximumPackages else {
                throw ImageContentsError(
                    .limitExceeded,
                    "\(file): more than \(options.maximumPackages) packages (PackageManifest.Options.maximumPackages)")
            }
        }
    }

    /// The stanzas of the listed packages (see ``DpkgStanza/isListed``), by lower-cased name, then architecture,
    /// byte-wise.
    func listedStanzas() -> [DpkgStanza] {
        order.compactMap { packages[$0] }.filter(\.isListed).sorted { lhs, rhs in
            let (left, right) = (lhs.package.lowercased(), rhs.package.lowercased())
            return left != right
                ? left.utf8.lexicographicallyPrecedes(right.utf8)
                : lhs.architecture.utf8.lexicographicallyPrecedes(rhs.architecture.utf8)
        }
    }

    /// The listed packages as `dpkg-query --show` prints them: by name, then architecture, byte-wise; `:arch` added
    /// for `Multi-Arch: same` packages and for packages of another architecture than the `dpkg` package's.
    func manifestEntries() -> [PackageManifest.Entry] {
        struct Listed {
            var name: String
            var architecture: String
            var entry: PackageManifest.Entry
        }
        let native = order.compactMap { packages[$0] }.last { $0.package.lowercased() == "dpkg" }?.architecture
        var listed: [Listed] = []
        for key in order {
            guard let stanza = packages[key], stanza.isListed else { continue }
            let name = stanza.package.lowercased()
            let arch = stanza.architecture
            let foreign = !arch.isEmpty && arch != "all" && native.map { $0 != arch } == true
            let suffixed = (stanza.multiArch.lowercased() == "same" && !arch.isEmpty) || foreign
            let entry = PackageManifest.Entry(
                name: suffixed ? "\(name):\(arch)" : name, version: dpkgDisplayVersion(stanza.version))
            listed.append(Listed(name: name, architecture: arch, entry: entry))
        }
        listed.sort { lhs, rhs in
            lhs.name != rhs.name
                ? lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
                : lhs.architecture.utf8.lexicographicallyPrecedes(rhs.architecture.utf8)
        }
        return listed.map(\.entry)
    }
}
