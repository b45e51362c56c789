import ArgumentParser
import BootAssets
import SignedStreams
import SimpleStreams

/// `maas-images boot list`: the boot resources of a verified stream, their latest complete version and files.
struct BootListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the boot resources of a MAAS stream with their latest complete version and its files.",
        discussion: """
            Reads every products document of the mirror (verifying signatures as `streams query` does) and builds \
            the boot resources MAAS would import: Ubuntu images (name ubuntu/RELEASE, architecture ARCH/SUBARCH), \
            other operating systems' base images (centos/centos70) and bootloaders (grub-efi-signed/uefi). \
            Products MAAS would refuse (unsupported bootloaders, unknown stream formats, items without a size or \
            sha256) are listed on standard error with the reason. Ubuntu resources come first, then other \
            operating systems, then bootloaders, each in the stream's order.

            A version is complete when it has what MAAS requires to import it: Ubuntu boot-kernel, boot-initrd, \
            manifest and squashfs or root-image.gz; single-file images manifest and root-tgz; bootloaders one of \
            the archives grub2-signed, shim-signed, grub2, syslinux. For each resource the latest complete version \
            is shown with its files, and every newer incomplete version with what it lacks.
            """
    )

    @OptionGroup var stream: StreamSourceOptions

    @Option(help: "Only resources of this operating system (ubuntu, centos, grub-efi-signed, ...).")
    var os: String?

    @Option(help: "Only resources of this release, by name or version (jammy, 22.04, centos70).")
    var release: String?

    @Option(help: "Only resources for this architecture (amd64, arm64, ...); bootloaders that boot it included.")
    var arch: String?

    @Flag(help: "Print a JSON object with the resources and the refusals.")
    var json = false

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let result = try await stream.read()
            let catalogue = BootResourceCatalogue(result.products.map(\.document))
            let resources = Self.ordered(catalogue.resources(os: os, release: release, arch: arch))
            if json {
                try JSONOutput.write(BootListOutput(resources: resources, refusals: catalogue.refusals))
                return
            }
            for refusal in catalogue.refusals { writeStandardError("refused: \(printable(refusal.description))\n") }
            var output = BufferedOutput()
            for resource in resources { output.write(Self.text(resource)) }
            try output.flush()
        }
    }

    /// Ubuntu resources first, then other operating systems, then bootloaders; catalogue order within each.
    static func ordered(_ resources: [BootResource]) -> [BootResource] {
        let rank: [BootResourceFamily: Int] = [.ubuntu: 0, .singleFile: 1, .bootloader: 2]
        return resources.enumerated().sorted { lhs, rhs in
            (rank[lhs.element.family] ?? 3, lhs.offset) < (rank[rhs.element.family] ?? 3, rhs.offset)
        }.map(\.element)
    }

    /// A resource as text: a heading line, then its latest complete version with its files, then newer
    /// incomplete versions with what they lack.
    static func text(_ resource: BootResource) -> String {
        var heading = [printable(resource.name), printable(resource.architecture.description)]
        if let alias = resource.alias { heading.append("alias=\(printable(alias))") }
        if let kflavor = resource.kflavor { heading.append("kflavor=\(printable(kflavor))") }
        heading.append("label=\(printable(resource.label))")
        var text = heading.joined(separator: "  ") + "\n"
        for version in resource.incompleteNewerVersions {
            text += "  \(printable(version.name))  incomplete: \(printable(version.completeness.description))\n"
        }
        guard let version = resource.latestCompleteVersion else {
            return text + "  no complete version\n"
        }
        var flags = ["complete"]
        if resource.family == .ubuntu { flags.append(version.completeness.isUsable ? "bootable" : "not bootable") }
        if resource.family != .bootloader {
            flags.append(version.completeness.isXInstallable ? "installable" : "not installable")
        }
        text += "  \(printable(version.name))  \(flags.joined(separator: ", "))\n"
        for file in version.files {
            let fields = [file.itemName, file.fileType.rawValue, String(file.size), file.sha256, file.path]
            text += "    " + fields.map(printable).joined(separator: "\t") + "\n"
        }
        return text
    }
}

/// `boot list --json`: the resources and the refusals.
struct BootListOutput: Encodable {
    var resources: [Resource]
    var refused: [Refusal]

    init(resources: [BootResource], refusals: [CatalogueRefusal]) {
        self.resources = resources.map(Resource.init)
        refused = refusals.map(Refusal.init)
    }

    /// A boot resource. `alias`, `version`, `kflavor` and `bootloader_type` are left out when the resource has none;
    /// `latest_version` and `latest_complete_version` are `null` then.
    struct Resource: Encodable {
        var name: String
        var architecture: String
        var family: String
        var os: String
        var release: String
        var label: String
        var product: String
        var subarches: [String]
        var alias: String?
        var version: String?
        var kflavor: String?
        var bootloaderType: String?
        var latestVersion: String?
        var latestCompleteVersion: Version?
        var incompleteNewerVersions: [Version]

        init(_ resource: BootResource) {
            name = resource.name
            architecture = resource.architecture.description
            family = resource.family.rawValue
            os = resource.os
            release = resource.release
            label = resource.label
            product = resource.productName
            subarches = resource.subarches
            alias = resource.alias
            version = resource.version
            kflavor = resource.kflavor
            bootloaderType = resource.bootloaderType?.rawValue
            latestVersion = resource.latestVersion?.name
            latestCompleteVersion = resource.latestCompleteVersion.map(Version.init)
            incompleteNewerVersions = resource.incompleteNewerVersions.map(Version.init)
        }

        private enum CodingKeys: String, CodingKey {
            case name, architecture, family, os, release, label, product, subarches, alias, version, kflavor
            case bootloaderType, latestVersion, latestCompleteVersion, incompleteNewerVersions
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(architecture, forKey: .architecture)
            try container.encode(family, forKey: .family)
            try container.encode(os, forKey: .os)
            try container.encode(release, forKey: .release)
            try container.encode(label, forKey: .label)
            try container.encode(product, forKey: .product)
            try container.encode(subarches, forKey: .subarches)
            try container.encodeIfPresent(alias, forKey: .alias)
            try container.encodeIfPresent(version, forKey: .version)
            try container.encodeIfPresent(kflavor, forKey: .kflavor)
            try container.encodeIfPresent(bootloaderType, forKey: .bootloaderType)
            try container.encode(latestVersion, forKey: .latestVersion)
            try container.encode(latestCompleteVersion, forKey: .latestCompleteVersion)
            try container.encode(incompleteNewerVersions, forKey: .incompleteNewerVersions)
        }
    }

    /// A version of a resource, with what it lacks and its files.
    struct Version: Encodable {
        var name: String
        var complete: Bool
        var bootable: Bool
        var installable: Bool
        var missing: [String]
        var files: [File]

        init(_ version: BootResourceVersion) {
            let completeness = version.completeness
            name = version.name
            complete = completeness.isComplete
            bootable = completeness.isUsable
            installable = completeness.isXInstallable
            missing = completeness.missing.map(\.description)
            files = version.files.map(File.init)
        }
    }

    /// A file of a version.
    struct File: Encodable {
        var item: String
        var ftype: String
        var path: String
        var size: Int64
        var sha256: String

        init(_ file: BootResourceFile) {
            item = file.itemName
            ftype = file.fileType.rawValue
            path = file.path
            size = file.size
            sha256 = file.sha256
        }
    }

    /// A product, version or item MAAS would refuse; `version` and `item` are left out when the refusal is about
    /// a whole product or version.
    struct Refusal: Encodable {
        var product: String
        var version: String?
        var item: String?
        var reason: String

        init(_ refusal: CatalogueRefusal) {
            product = refusal.product
            version = refusal.version
            item = refusal.item
            reason = refusal.reason
        }
    }
}
