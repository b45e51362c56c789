public import SquashFS

/// A software bill of materials of a root image: its operating system (from os-release) and its installed Debian
/// packages (from the dpkg database), with their package URLs, source packages and the licenses their
/// machine-readable copyright files declare, read from the image without extracting it.
///
/// ```swift
/// let image = try SquashFSImage(path: "squashfs")
/// var options = SoftwareBillOfMaterials.Options()
/// options.imageSHA256 = digestBytes
/// let sbom = try SoftwareBillOfMaterials(of: image, options: options)
/// let cycloneDX = sbom.cycloneDXJSON()  // CycloneDX 1.6 JSON
/// let spdx = sbom.spdxJSON()  // SPDX 2.3 JSON
/// ```
///
/// The documents are reproducible: the same image and options give the same bytes. Their serial number and
/// namespace are derived from the image's SHA-256 when one is given, else from the contents listed; their
/// timestamp is ``Options/timestamp`` or the image's modification time (superblock).
public struct SoftwareBillOfMaterials: Sendable, Hashable {
    /// What to describe and the limits on the work done.
    public struct Options: Sendable, Hashable {
        /// The image's name in the documents (the CycloneDX metadata component, the SPDX document and image
        /// package); nil uses the last component of the image's file name.
        public var imageName: String?
        /// The image file's SHA-256 (32 bytes), recorded as the image's hash and used to derive the serial number.
        public var imageSHA256: [UInt8]?
        /// The documents' creation time in seconds since 1970-01-01 UTC; nil uses the image's modification time.
        public var timestamp: Int64?
        /// Whether to read `/usr/share/doc/<package>/copyright` files for licenses (default true).
        public var readsLicenses = true
        /// The largest copyright file read (4 MiB); larger ones are skipped (no license recorded).
        public var maximumCopyrightFileSize: UInt64 = 4 << 20
        /// The most bytes read across all copyright files (256 MiB); past it, reading stops with
        /// ``ImageContentsError/Code/limitExceeded``.
        public var maximumCopyrightTotalBytes: UInt64 = 256 << 20
        /// The limits on reading the dpkg database.
        public var databaseLimits = PackageManifest.Options()

        /// The defaults.
        public init() {}
    }

    /// One installed Debian package.
    public struct Package: Sendable, Hashable {
        /// The package name, lower-cased as dpkg keys it.
        public var name: String
        /// The architecture (`amd64`, `all`).
        public var architecture: String
        /// The version as dpkg prints it (a zero epoch dropped).
        public var version: String
        /// The source package's name (the binary's name when the status file gives none).
        public var sourceName: String
        /// The source package's version (the binary's version when the status file gives none).
        public var sourceVersion: String
        /// The `Maintainer` field; empty when absent.
        public var maintainer: String
        /// The `Homepage` field; empty when absent.
        public var homepage: String
        /// The license expressions of the package's machine-readable copyright file, in DEP-5 syntax
        /// (`GPL-2+ or Artistic`); empty when it has none or the file is not machine-readable.
        public var licenses: [String]
        /// The package URL: `pkg:deb/<ID>/<name>@<version>?arch=<arch>&distro=<ID>-<VERSION_ID>`, with
        /// `&upstream=<source>` (or `<source>@<version>`) where the source package differs.
        public var packageURL: String

        /// Creates a package description.
        public init(
            name: String, architecture: String, version: String, sourceName: String, sourceVersion: String,
            maintainer: String = "", homepage: String = "", licenses: [String] = [], packageURL: String
        ) {
            self.name = name
            self.architecture = architecture
            self.version = version
            self.sourceName = sourceName
            self.sourceVersion = sourceVersion
            self.maintainer = maintainer
            self.homepage = homepage
            self.licenses = licenses
            self.packageURL = packageURL
        }
    }

    /// The operating system, when the image has an os-release file.
    public var operatingSystem: OperatingSystem?
    /// The installed packages (dpkg state `installed`, as in `install ok installed`), by name, then architecture,
    /// byte-wise.
    public var packages: [Package]
    /// The image's name in the documents.
    public var imageName: String
    /// The image's SHA-256, when given.
    public var imageSHA256: [UInt8]?
    /// The documents' creation time, in seconds since 1970-01-01 UTC.
    public var timestamp: Int64

    /// Reads the bill of materials of `image`.
    ///
    /// - Throws: ``ImageContentsError`` with code ``ImageContentsError/Code/notFound`` when the image has no dpkg
    ///   database, ``ImageContentsError/Code/limitExceeded`` when a limit of `options` is reached,
    ///   ``ImageContentsError/Code/image`` when reading the image fails, ``ImageContentsError/Code/cancelled``.
    public init(of image: SquashFSImage, options: Options = Options()) throws(ImageContentsError) {
        let database = try PackageManifest.readDpkgDatabase(of: image, options: options.databaseLimits)
        let operatingSystem = try OperatingSystem(of: image)
        let vendor = operatingSystem?.id ?? "linux"
        var distro = vendor
        if let versionID = operatingSystem?.versionID, !versionID.isEmpty { distro += "-" + versionID }
        var licenses = LicenseReading(image: image, options: options)
        var packages: [Package] = []
        for stanza in database.listedStanzas() where Self.isInstalled(stanza) {
            if Task.isCancelled {
                throw ImageContentsError(.cancelled, "\(image.name): reading the SBOM was cancelled")
            }
            let name = stanza.package.lowercased()
            let version = dpkgDisplayVersion(stanza.version)
            var (sourceName, sourceVersion) = (name, version)
            let sourceWords = stanza.source.split(separator: " ")
            if let first = sourceWords.first {
                sourceName = String(first)
                if sourceWords.count > 1 {
                    sourceVersion = sourceWords.dropFirst().joined(separator: " ").trimmingCharacters(in: "()")
                }
            }
            var upstream = ""
            if sourceName != name || sourceVersion != version {
                upstream = sourceVersion == version ? sourceName : sourceName + "@" + sourceVersion
            }
            let packageURL = PackageURL.deb(
                vendor: vendor, name: name, version: version,
                qualifiers: [("arch", stanza.architecture), ("distro", distro), ("upstream", upstream)])
            packages.append(
                Package(
                    name: name, architecture: stanza.architecture, version: version, sourceName: sourceName,
                    sourceVersion: sourceVersion, maintainer: stanza.maintainer, homepage: stanza.homepage,
                    licenses: options.readsLicenses ? try licenses.licenses(of: name) : [], packageURL: packageURL))
        }
        self.operatingSystem = operatingSystem
        self.packages = packages
        self.imageName = options.imageName ?? Self.lastComponent(of: image.name)
        self.imageSHA256 = options.imageSHA256
        self.timestamp = options.timestamp ?? Int64(image.superblock.modificationTime)
    }

    /// Creates a bill of materials from its parts (for documents of packages read elsewhere).
    public init(
        operatingSystem: OperatingSystem?, packages: [Package], imageName: String, imageSHA256: [UInt8]? = nil,
        timestamp: Int64
    ) {
        self.operatingSystem = operatingSystem
        self.packages = packages
        self.imageName = imageName
        self.imageSHA256 = imageSHA256
        self.timestamp = timestamp
    }

    /// Installed: the package's state (the third word of `Status`, as in `install ok installed`) is `installed`,
    /// whatever was selected for it (`hold`, `deinstall`); packages half installed, unpacked but not configured,
    /// removed with their configuration files left, or not installed are not listed.
    private static func isInstalled(_ stanza: DpkgStanza) -> Bool {
        let words = stanza.status.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 3 else { return false }
        return words[2] == "installed"
    }

    private static func lastComponent(of name: String) -> String {
        let component = name.split(separator: "/").last.map(String.init) ?? name
        return component.isEmpty ? "image" : component
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, characters.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, characters.contains(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

/// Reads the licenses of packages from their copyright files, within the limits of the options; each package name
/// is read once (the architectures of a `Multi-Arch: same` package share their documentation).
private struct LicenseReading {
    let image: SquashFSImage
    let options: SoftwareBillOfMaterials.Options
    var bytesRead: UInt64 = 0
    var cache: [String: [String]] = [:]

    init(image: SquashFSImage, options: SoftwareBillOfMaterials.Options) {
        self.image = image
        self.options = options
    }

    mutating func licenses(of package: String) throws(ImageContentsError) -> [String] {
        if let cached = cache[package] { return cached }
        let licenses = try read(package)
        cache[package] = licenses
        return licenses
    }

    private mutating func read(_ package: String) throws(ImageContentsError) -> [String] {
        // A name that is not one path component finds nothing (dpkg's names never are).
        guard !package.isEmpty, package != ".", package != "..",
            !package.utf8.contains(where: { $0 == 0x2F || $0 == 0 })
        else { return [] }
        let path = ImagePath("/usr/share/doc/\(package)/copyright")
        // A missing file, or a path that does not resolve to a regular file (a link loop, a directory), declares
        // nothing; a failure to read the image is an error.
        let reader: FileReader
        do {
            reader = try image.fileReader(at: path)
        } catch {
            if [.notFound, .notADirectory, .notAFile, .tooManySymlinks, .limitExceeded].contains(error.code) {
                return []
            }
            throw ImageContentsError(reading: path, in: image, error)
        }
        guard reader.size <= options.maximumCopyrightFileSize else { return [] }
        guard reader.size <= options.maximumCopyrightTotalBytes - min(bytesRead, options.maximumCopyrightTotalBytes)
        else {
            throw ImageContentsError(
                .limitExceeded,
                "\(image.name): \(path): the copyright files add up to more than \(options.maximumCopyrightTotalBytes) "
                    + "bytes (SoftwareBillOfMaterials.Options.maximumCopyrightTotalBytes)")
        }
        bytesRead += reader.size
        // Most of a copyright file is license text; one that is not machine-readable is left after its header.
        let prefix: [UInt8]
        do {
            prefix = try reader.read(at: 0, count: Int(min(reader.size, 8192)))
        } catch {
            throw ImageContentsError(reading: path, in: image, error)
        }
        guard DebianCopyright.declaresMachineReadableFormat(prefix) else { return [] }
        var copyright = DebianCopyright.Reader()
        try image.forEachLine(of: reader, at: path, maximumLineLength: 64 << 10) { line, _, _ in
            copyright.read(line)
        }
        copyright.finish()
        return copyright.licenses
    }
}
