public import SimpleStreams

/// The boot resources of one or more MAAS streams, built from their products documents as a MAAS region imports
/// them, with everything refused and why.
///
/// ```swift
/// let result = try await reader.query(StreamQuery())
/// let catalogue = BootResourceCatalogue(result.products.map(\.document))
/// for resource in catalogue.resources {
///     print(resource.name, resource.architecture, resource.latestCompleteVersion?.name ?? "none complete")
/// }
/// for refusal in catalogue.refusals { print("refused:", refusal) }
/// ```
///
/// Products are checked the way MAAS checks them:
/// - the product id must be a MAAS product id (`SimpleStreams.MaasProductID`); an Ubuntu product must be a `v2`,
///   `v3` or `v3+platform` one (`v4` for Ubuntu Core); a bootloader a `:1:` one whose (os, type, arch) is one of the
///   four MAAS accepts (``SupportedBootloader``);
/// - `os`, `release`, `arch` and (Ubuntu) `subarch` must be there, and `arch` must agree with the product id;
/// - `os`, `release`, `label` and `version` must be usable as one path segment each, since MAAS serves files under
///   `OS/ARCH/SUBARCH/RELEASE/LABEL/FILE` (letters, digits, `.`, `_`, `+`, `~`, `-`; not `.` or `..`);
/// - every item needs an `ftype`, a `path`, a `size` and a 64-digit `sha256`: an item without them cannot be
///   verified and is refused, which the completeness of its version then shows;
/// - two products that make the same resource (same name, architecture and alias): the first is kept.
public struct BootResourceCatalogue: Sendable {
    /// The resources, in document and product order.
    public private(set) var resources: [BootResource] = []
    /// Everything refused (documents, products, items), with the reason.
    public private(set) var refusals: [CatalogueRefusal] = []
    /// The Ubuntu releases kernel strings are resolved against: the standard table plus the releases the
    /// catalogue's products name.
    public private(set) var releases: UbuntuReleaseTable

    /// Builds the resources of `documents`.
    ///
    /// - Parameters:
    ///   - documents: The products documents, in the order a region reads them; a product that makes the same
    ///     resource as an earlier one is refused and the first is kept.
    ///   - releases: The Ubuntu releases known before reading; products add theirs.
    public init(_ documents: [ProductsDocument], releases: UbuntuReleaseTable = .standard) {
        self.releases = releases
        var keys: [String: String] = [:]
        for document in documents {
            let products: [MaasProduct]
            do {
                let parsed = try document.maasProducts()
                products = parsed.products
                refusals += parsed.refused.map { CatalogueRefusal(product: $0.name, reason: $0.reason) }
            } catch {
                refusals.append(
                    CatalogueRefusal(product: document.contentID ?? "products document", reason: error.message))
                continue
            }
            for product in products {
                do throws(CatalogueRefusal) {
                    let (resource, itemRefusals) = try Self.makeResource(product)
                    refusals += itemRefusals
                    if let first = keys[resource.id] {
                        throw CatalogueRefusal(
                            product: product.product.name,
                            reason: "makes the same resource (\(resource.id)) as \(first), which is kept")
                    }
                    keys[resource.id] = product.product.name
                    resources.append(resource)
                    if resource.family == .ubuntu, let version = resource.version,
                        let release = UbuntuRelease(resource: resource, version: version, product: product)
                    {
                        self.releases = self.releases.adding(release)
                    }
                } catch {
                    refusals.append(error)
                }
            }
        }
    }

    /// The resources matching every given criterion: `os` (`ubuntu`), `release` (a release name such as `jammy` or
    /// a version such as `22.04`), `arch` (`amd64`).
    public func resources(os: String? = nil, release: String? = nil, arch: String? = nil) -> [BootResource] {
        resources.filter { resource in
            (os == nil || resource.os == os)
                && (release == nil || resource.release == release || resource.version == release)
                && (arch == nil || resource.architecture.arch == arch
                    || (resource.supportedBootloader?.servedArchitectures.contains(arch ?? "") ?? false))
        }
    }

    /// The bootloader resource of `type` that boots architecture `arch` (the i386 PXELINUX for amd64 BIOS).
    public func bootloader(_ type: BootloaderType, for arch: String) -> BootResource? {
        resources.first { resource in
            resource.bootloaderType == type
                && (resource.supportedBootloader?.servedArchitectures.contains(arch) ?? false)
        }
    }

    /// The resource a product makes, and the items it refused.
    private static func makeResource(_ product: MaasProduct) throws(CatalogueRefusal) -> (
        BootResource, [CatalogueRefusal]
    ) {
        let name = product.product.name
        func refuse(_ reason: String) -> CatalogueRefusal { CatalogueRefusal(product: name, reason: reason) }
        func required(_ key: String, _ value: String?) throws(CatalogueRefusal) -> String {
            guard let value, !value.isEmpty else { throw refuse("has no '\(key)'") }
            return value
        }
        /// `value` if it can be one segment of a name and a serving path.
        func segment(_ key: String, _ value: String) throws(CatalogueRefusal) -> String {
            guard Self.isNameSegment(value) else {
                throw refuse(
                    "its \(key) '\(value)' cannot be a path segment (letters, digits, '.', '_', '+', '~', '-'; not '.' or '..'; at most 255)"
                )
            }
            return value
        }
        let arch = try required("arch", product.arch)
        guard arch == product.id.arch else {
            throw refuse("its arch '\(arch)' is not the product id's '\(product.id.arch)'")
        }
        let family: BootResourceFamily
        var os: String
        var release: String
        var subarch: String
        var aliasVersion: String?
        var kflavor: String? = product.kflavor
        var bootloaderType: BootloaderType?
        switch product.id.kind {
        case .ubuntu(let format, let idVersion, _, _):
            family = .ubuntu
            os = try required("os", product.os)
            if os.lowercased().contains("ubuntu") {
                let accepted = os == "ubuntu-core" ? ["v4"] : ["v2", "v3", "v3+platform"]
                guard accepted.contains(format) else {
                    throw refuse(
                        "MAAS imports \(os) products of stream format \(accepted.joined(separator: ", ")) only, not \(format)"
                    )
                }
            }
            if product.bootloaderType != nil { throw refuse("an image product with a 'bootloader-type'") }
            release = try required("release", product.release)
            let streamSubarch = try required("subarch", product.subarch)
            subarch = KernelString.subarchitecture(streamSubarch, flavour: kflavor)
            aliasVersion = product.version ?? idVersion
        case .bases(let idOS, let idVersion, _):
            family = .singleFile
            os = product.os ?? idOS
            release = try required("release", product.release)
            subarch = product.subarch ?? "generic"
            aliasVersion = product.version ?? idVersion
            kflavor = kflavor ?? "generic"
            if product.bootloaderType != nil { throw refuse("an image product with a 'bootloader-type'") }
        case .bootloader(let idOS, let idType, _):
            family = .bootloader
            os = product.os ?? idOS
            let typeName = try required("bootloader-type", product.bootloaderType)
            guard typeName == idType else {
                throw refuse("its bootloader-type '\(typeName)' is not the product id's '\(idType)'")
            }
            let supported: SupportedBootloader
            do {
                supported = try SupportedBootloader.validate(os: os, type: typeName, arch: arch)
            } catch {
                throw refuse(error.message)
            }
            bootloaderType = supported.type
            release = typeName
            subarch = "generic"
            kflavor = nil
        }
        os = try segment("os", os)
        release = try segment("release", release)
        let label = try segment("label", product.label ?? product.id.label)
        var alias: String?
        if let aliasVersion { alias = "\(os)/\(try segment("version", aliasVersion))" }
        let architecture: BootArchitecture
        do {
            architecture = try BootArchitecture(arch: arch, subarch: subarch)
        } catch {
            throw refuse(error.message)
        }
        var versions: [BootResourceVersion] = []
        var itemRefusals: [CatalogueRefusal] = []
        for version in product.versionsNewestFirst {
            var files: [BootResourceFile] = []
            for item in version.items {
                do {
                    files.append(try file(item))
                } catch {
                    itemRefusals.append(
                        CatalogueRefusal(product: name, version: version.name, item: item.name, reason: error.reason))
                }
            }
            versions.append(BootResourceVersion(name: version.name, files: files, family: family))
        }
        let resource = BootResource(
            family: family, name: "\(os)/\(release)",
            architecture: architecture, alias: alias, os: os, release: release,
            version: family == .bootloader ? nil : product.version, releaseTitle: product.releaseTitle,
            kflavor: kflavor, label: label, subarches: product.subarchList,
            bootloaderType: bootloaderType, supportEOL: product.supportEOL, productName: name, versions: versions)
        return (resource, itemRefusals)
    }

    /// Whether `value` can be one segment of a resource name and of a serving path.
    static func isNameSegment(_ value: String) -> Bool {
        value != "." && value != ".." && (1...255).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2B || byte == 0x7E || byte == 0x2D
            }
    }

    /// The file an item describes, or why it cannot be used: no `ftype`, `path` or `size`, or a `sha256` that is
    /// not 64 hexadecimal digits.
    private static func file(_ item: StreamItem) throws(CatalogueRefusal) -> BootResourceFile {
        func refuse(_ reason: String) -> CatalogueRefusal { CatalogueRefusal(product: "", reason: reason) }
        guard let ftype = item.ftype, !ftype.isEmpty else { throw refuse("has no 'ftype'") }
        guard let path = item.path else { throw refuse("has no 'path'") }
        guard let size = item.size else { throw refuse("has no 'size' (a non-negative integer)") }
        guard let digest = item.sha256, digest.utf8.count == 64, digest.utf8.allSatisfy(\.isHexDigit) else {
            throw refuse("has no 'sha256' of 64 hexadecimal digits: it cannot be verified")
        }
        return BootResourceFile(
            itemName: item.name, fileType: BootFileType(rawValue: ftype), path: path, size: size,
            sha256: digest.lowercased(), kernelPackage: item.kpackage, sourcePackage: item.sourcePackage,
            sourceVersion: item.sourceVersion, sourceRelease: item.sourceRelease)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

extension UbuntuRelease {
    /// The release an Ubuntu resource belongs to, from its product's `release`, `version` and
    /// `release_codename`, or `nil` when the version is not `MAJOR.MINOR`.
    fileprivate init?(resource: BootResource, version: String, product: MaasProduct) {
        self.init(
            series: resource.release, version: version, codename: product.releaseCodename ?? resource.release,
            isLTS: resource.releaseTitle?.hasSuffix("LTS") ?? false)
        guard versionNumbers != nil else { return nil }
    }
}
