import ArgumentParser
import BootAssets
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
                let value = JSONValue.object([
                    "resources": .array(resources.map(Self.json)),
                    "refused": .array(catalogue.refusals.map(Self.json)),
                ])
                try writeStandardOutput(value.serialized(JSONWritingStyle(indent: 1, spacedSeparators: true)) + [0x0A])
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

    static func json(_ resource: BootResource) -> JSONValue {
        var object: JSONObject = [
            "name": .string(resource.name), "architecture": .string(resource.architecture.description),
            "family": .string(resource.family.rawValue), "os": .string(resource.os),
            "release": .string(resource.release), "label": .string(resource.label),
            "product": .string(resource.productName), "subarches": .array(resource.subarches.map(JSONValue.string)),
        ]
        if let alias = resource.alias { object["alias"] = .string(alias) }
        if let version = resource.version { object["version"] = .string(version) }
        if let kflavor = resource.kflavor { object["kflavor"] = .string(kflavor) }
        if let type = resource.bootloaderType { object["bootloader_type"] = .string(type.rawValue) }
        object["latest_version"] = resource.latestVersion.map { .string($0.name) } ?? .null
        object["latest_complete_version"] = resource.latestCompleteVersion.map(json) ?? .null
        object["incomplete_newer_versions"] = .array(resource.incompleteNewerVersions.map(json))
        return .object(object)
    }

    static func json(_ version: BootResourceVersion) -> JSONValue {
        let completeness = version.completeness
        return .object([
            "name": .string(version.name),
            "complete": .bool(completeness.isComplete),
            "bootable": .bool(completeness.isUsable),
            "installable": .bool(completeness.isXInstallable),
            "missing": .array(completeness.missing.map { .string($0.description) }),
            "files": .array(
                version.files.map { file in
                    .object([
                        "item": .string(file.itemName), "ftype": .string(file.fileType.rawValue),
                        "path": .string(file.path), "size": .integer(file.size), "sha256": .string(file.sha256),
                    ])
                }),
        ])
    }

    static func json(_ refusal: CatalogueRefusal) -> JSONValue {
        var object: JSONObject = ["product": .string(refusal.product), "reason": .string(refusal.reason)]
        if let version = refusal.version { object["version"] = .string(version) }
        if let item = refusal.item { object["item"] = .string(item) }
        return .object(object)
    }
}
