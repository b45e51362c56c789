import SquashFS

/// The packages an image's dpkg database lists (`var/lib/dpkg/status`, then the pending `var/lib/dpkg/updates/`
/// journal files in numeric order), keyed as dpkg keys them (name, architecture) and sorted by name then
/// architecture as bytes.
struct InstalledPackages {
    var packages: [ImageDifference.Package] = []

    /// Reads the database of `image`; an image without one lists no packages.
    init(of image: SquashFSImage, options: PackageManifest.Options) throws(ImageContentsError) {
        let statusPath = ImagePath("/var/lib/dpkg/status")
        guard let status = try image.fileReaderIfPresent(at: statusPath) else { return }
        var stanzas: [String: DpkgStanza] = [:]
        var bytesRead: UInt64 = 0
        func read(_ file: FileReader, at path: ImagePath) throws(ImageContentsError) {
            guard file.size <= options.maximumFileSize,
                file.size <= options.maximumTotalBytes - min(bytesRead, options.maximumTotalBytes)
            else {
                throw ImageContentsError(
                    .limitExceeded,
                    "\(image.name): \(path): the dpkg database is over the limits of PackageManifest.Options "
                        + "(\(options.maximumFileSize) bytes a file, \(options.maximumTotalBytes) in all)")
            }
            bytesRead += file.size
            var parser = DpkgStanzaParser()
            let location = "\(image.name): \(path)"
            func apply(_ stanza: DpkgStanza) throws(ImageContentsError) {
                if stanzas.updateValue(stanza, forKey: stanza.key) == nil, stanzas.count > options.maximumPackages {
                    throw ImageContentsError(
                        .limitExceeded,
                        "\(location): more than \(options.maximumPackages) packages "
                            + "(PackageManifest.Options.maximumPackages)")
                }
            }
            try image.forEachLine(of: file, at: path, maximumLineLength: options.maximumLineLength) {
                (line, number, truncated) throws(ImageContentsError) in
                if let stanza = try parser.read(line, truncated: truncated, where: { "\(location), line \(number)" }) {
                    try apply(stanza)
                }
            }
            if let stanza = parser.finish() { try apply(stanza) }
        }
        try read(status, at: statusPath)
        for (path, inode) in try Self.journalFiles(in: image, options: options) {
            let reader: FileReader
            do {
                reader = try image.fileReader(for: inode)
            } catch {
                throw ImageContentsError(reading: path, in: image, error)
            }
            try read(reader, at: path)
        }
        packages = stanzas.values.filter(\.isListed).map { stanza in
            ImageDifference.Package(
                name: stanza.package.lowercased(), architecture: stanza.architecture,
                version: dpkgDisplayVersion(stanza.version))
        }
        packages.sort { Self.compare($0, $1) < 0 }
    }

    /// Orders packages by name, then architecture, as bytes.
    static func compare(_ lhs: ImageDifference.Package, _ rhs: ImageDifference.Package) -> Int {
        func order(_ left: String, _ right: String) -> Int {
            if left == right { return 0 }
            return left.utf8.lexicographicallyPrecedes(right.utf8) ? -1 : 1
        }
        let byName = order(lhs.name, rhs.name)
        return byName != 0 ? byName : order(lhs.architecture, rhs.architecture)
    }

    /// The journal files of `var/lib/dpkg/updates/` (regular files named with digits only), in numeric order.
    private static func journalFiles(in image: SquashFSImage, options: PackageManifest.Options)
        throws(ImageContentsError) -> [(ImagePath, Inode)]
    {
        let directory = ImagePath("/var/lib/dpkg/updates")
        var files: [(name: [UInt8], inode: Inode)] = []
        var walker: TreeWalker
        do {
            walker = try image.walk(from: directory, recursive: false)
        } catch {
            if error.code == .notFound || error.code == .notADirectory { return [] }
            throw ImageContentsError(reading: directory, in: image, error)
        }
        do {
            while let entry = try walker.next() {
                let name = entry.name
                guard entry.depth == 1, entry.inode.kind == .regularFile, !name.isEmpty,
                    name.allSatisfy({ (0x30...0x39).contains($0) })
                else { continue }
                guard files.count < options.maximumUpdateFiles else {
                    throw ImageContentsError(
                        .limitExceeded,
                        "\(image.name): \(directory) holds more than \(options.maximumUpdateFiles) journal files "
                            + "(PackageManifest.Options.maximumUpdateFiles)")
                }
                files.append((name, entry.inode))
            }
        } catch let error as ImageContentsError {
            throw error
        } catch {
            throw ImageContentsError(reading: directory, in: image, error)
        }
        func digits(_ name: [UInt8]) -> ArraySlice<UInt8> { name.drop { $0 == 0x30 } }
        files.sort { lhs, rhs in
            let (left, right) = (digits(lhs.name), digits(rhs.name))
            return left.count != right.count ? left.count < right.count : left.lexicographicallyPrecedes(right)
        }
        return files.map { (directory.appending($0.name), $0.inode) }
    }
}
