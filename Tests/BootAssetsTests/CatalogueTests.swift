import BootAssets
import SimpleStreams
import Testing

@Suite("Boot resource catalogues")
struct CatalogueTests {
    static func fixtureCatalogue() throws -> BootResourceCatalogue {
        BootResourceCatalogue(try Fixture.maasProducts.map { try Fixture.products($0) })
    }

    static func resource(
        _ catalogue: BootResourceCatalogue, _ name: String, _ architecture: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> BootResource {
        try #require(
            catalogue.resources.first { $0.name == name && $0.architecture.description == architecture },
            "no \(name) \(architecture) in \(catalogue.resources.map(\.description))", sourceLocation: sourceLocation)
    }

    // MARK: - The real images.maas.io documents

    @Test("The real documents make exactly these resources, in document order")
    func fixtureResources() throws {
        let catalogue = try Self.fixtureCatalogue()
        let rows = catalogue.resources.map { resource in
            [
                resource.name, resource.architecture.description, resource.alias ?? "-", resource.kflavor ?? "-",
                resource.label, resource.latestCompleteVersion?.name ?? "-",
                String(resource.latestCompleteVersion?.files.count ?? -1), resource.family.rawValue,
            ].joined(separator: " ")
        }
        #expect(
            rows == [
                "ubuntu/jammy amd64/ga-22.04 ubuntu/22.04 generic stable 20250718 4 ubuntu",
                "ubuntu/jammy arm64/ga-22.04 ubuntu/22.04 generic stable 20250812 4 ubuntu",
                "ubuntu/noble amd64/ga-24.04 ubuntu/24.04 generic stable 20250709 4 ubuntu",
                "ubuntu/noble arm64/ga-24.04 ubuntu/24.04 generic stable 20250709 4 ubuntu",
                "centos/centos70 amd64/generic centos/7.0 generic stable 20240622_01 2 single-file",
                "centos/8 amd64/generic centos/8 generic stable 20211104_01 2 single-file",
                "grub-efi-signed/uefi amd64/generic - - stable 20231004.0 2 bootloader",
                "grub-efi/uefi arm64/generic - - stable 20231004.0 2 bootloader",
                "grub-ieee1275/open-firmware ppc64el/generic - - stable 20210509.0 1 bootloader",
                "pxelinux/pxe i386/generic - - stable 20210203.0 1 bootloader",
            ])
    }

    @Test("Ubuntu resources carry the product's release details, subarches and versions newest first")
    func fixtureUbuntuDetails() throws {
        let catalogue = try Self.fixtureCatalogue()
        let jammy = try Self.resource(catalogue, "ubuntu/jammy", "amd64/ga-22.04")
        #expect(jammy.os == "ubuntu" && jammy.release == "jammy" && jammy.version == "22.04")
        #expect(jammy.releaseTitle == "22.04 LTS" && jammy.supportEOL == "2027-04-21")
        #expect(jammy.productName == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04")
        #expect(jammy.versions.map(\.name) == ["20250718", "20250615"])
        #expect(jammy.incompleteNewerVersions.isEmpty)
        #expect(jammy.subarches.first == "generic" && jammy.subarches.last == "ga-22.04" && jammy.subarches.count == 22)
        #expect(
            jammy.supports(subarch: "generic") && jammy.supports(subarch: "hwe-p")
                && !jammy.supports(subarch: "ga-24.04"))
        #expect(jammy.kernel?.channel == .ga)
        let latest = try #require(jammy.latestCompleteVersion)
        #expect(latest.completeness.isComplete && latest.completeness.isUsable && latest.completeness.isXInstallable)
        #expect(latest.completeness.description == "complete")
        #expect(latest.files.map(\.itemName) == ["boot-initrd", "boot-kernel", "manifest", "squashfs"])
        let kernel = try #require(latest.file(ofType: .bootKernel))
        #expect(kernel.path == "jammy/amd64/20250718/ga-22.04/generic/boot-kernel")
        #expect(kernel.size == 11_708_744 && kernel.sha256.hasPrefix("54fe42a379c1") && kernel.sha256.count == 64)
        #expect(kernel.kernelPackage == "linux-generic" && kernel.filename == "boot-kernel")
        #expect(latest.bootRoot?.fileType == .squashfs)
        #expect(latest.totalSize == latest.files.map(\.size).reduce(0, +))
    }

    @Test("CentOS and bootloader resources from the real documents")
    func fixtureOtherFamilies() throws {
        let catalogue = try Self.fixtureCatalogue()
        let centos = try Self.resource(catalogue, "centos/centos70", "amd64/generic")
        #expect(centos.releaseTitle == "CentOS 7" && centos.version == "7.0" && centos.kernel == nil)
        let version = try #require(centos.latestCompleteVersion)
        #expect(version.completeness.isXInstallable && !version.completeness.isUsable)
        #expect(version.file(ofType: .rootTGZ)?.path == "centos/centos70/amd64/20240622_01/root-tgz")

        let shim = try Self.resource(catalogue, "grub-efi-signed/uefi", "amd64/generic")
        #expect(shim.bootloaderType == .uefi && shim.alias == nil && shim.version == nil && shim.kflavor == nil)
        #expect(shim.supportedBootloader?.os == "grub-efi-signed")
        let archives = try #require(shim.latestCompleteVersion)
        #expect(archives.file(named: "shim-signed")?.fileType == .archiveTarXZ)
        #expect(archives.file(named: "shim-signed")?.sourcePackage == "shim-signed")
        #expect(archives.file(named: "grub2-signed")?.path == "bootloaders/uefi/amd64/20231004.0/grub2-signed.tar.xz")
    }

    @Test("The stream's pxelinux:pxe:amd64 product is refused, pointing at the i386 one")
    func fixtureRefusal() throws {
        let catalogue = try Self.fixtureCatalogue()
        #expect(catalogue.refusals.count == 1, "\(catalogue.refusals)")
        let refusal = try #require(catalogue.refusals.first)
        #expect(refusal.product == "com.ubuntu.maas.stable:1:pxelinux:pxe:amd64")
        #expect(refusal.version == nil && refusal.item == nil)
        #expect(refusal.reason.contains("i386"), "\(refusal.reason)")
        #expect(refusal.description.hasPrefix("com.ubuntu.maas.stable:1:pxelinux:pxe:amd64: "))
        #expect(!catalogue.resources.contains { $0.productName == refusal.product })
    }

    @Test("Bootloaders by firmware type and machine architecture")
    func fixtureBootloaders() throws {
        let catalogue = try Self.fixtureCatalogue()
        #expect(catalogue.bootloader(.pxe, for: "amd64")?.architecture.description == "i386/generic")
        #expect(catalogue.bootloader(.pxe, for: "i386")?.name == "pxelinux/pxe")
        #expect(catalogue.bootloader(.uefi, for: "amd64")?.name == "grub-efi-signed/uefi")
        #expect(catalogue.bootloader(.uefi, for: "arm64")?.name == "grub-efi/uefi")
        #expect(catalogue.bootloader(.openFirmware, for: "ppc64")?.name == "grub-ieee1275/open-firmware")
        #expect(catalogue.bootloader(.uefi, for: "ppc64el") == nil)
        #expect(catalogue.bootloader(.pxe, for: "arm64") == nil)
    }

    @Test("Filtering by os, release name or version, and architecture")
    func fixtureFilters() throws {
        let catalogue = try Self.fixtureCatalogue()
        #expect(catalogue.resources(os: "ubuntu", release: "22.04").map(\.architecture.arch) == ["amd64", "arm64"])
        #expect(catalogue.resources(release: "noble", arch: "arm64").map(\.name) == ["ubuntu/noble"])
        #expect(catalogue.resources(os: "centos", release: "7.0").map(\.name) == ["centos/centos70"])
        let amd64 = catalogue.resources(arch: "amd64").map(\.name)
        #expect(amd64.contains("pxelinux/pxe") && amd64.contains("grub-efi-signed/uefi"))
        #expect(!amd64.contains("grub-efi/uefi") && !amd64.contains("grub-ieee1275/open-firmware"))
        #expect(amd64.count == 6, "\(amd64)")
        #expect(catalogue.resources(os: "windows").isEmpty)
    }

    @Test("The catalogue learns the releases its products name")
    func releasesFromProducts() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(
            release: "zesty2", version: "42.04", subarch: "ga-42.04",
            versions: [
                (
                    "20250718",
                    CatalogueBuilder.ubuntuItems(
                        release: "zesty2", arch: "amd64", version: "20250718", subarch: "ga-42.04")
                )
            ])
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.isEmpty, "\(catalogue.refusals)")
        #expect(catalogue.releases.release(named: "zesty2")?.version == "42.04")
        #expect(try KernelString.ordering(of: "hwe-42.04", in: catalogue.releases).major == 42)
        #expect(UbuntuReleaseTable.standard.release(named: "zesty2") == nil)
    }

    // MARK: - Generated documents: versions and completeness

    @Test("An incomplete newest version: the older complete one is served, the newer listed with what it lacks")
    func incompleteNewest() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(versions: [
            (
                "20250718",
                CatalogueBuilder.ubuntuItems(
                    release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04",
                    types: ["boot-kernel", "boot-initrd"])
            ),
            (
                "20250615",
                CatalogueBuilder.ubuntuItems(release: "jammy", arch: "amd64", version: "20250615", subarch: "ga-22.04")
            ),
        ])
        let catalogue = try builder.catalogue()
        let resource = try #require(catalogue.resources.first)
        #expect(resource.latestVersion?.name == "20250718")
        #expect(resource.latestCompleteVersion?.name == "20250615")
        #expect(resource.incompleteNewerVersions.map(\.name) == ["20250718"])
        let completeness = try #require(resource.incompleteNewerVersions.first?.completeness)
        #expect(completeness.missing == [.fileType(.manifest), .anyFileType([.squashfs, .rootImageGZ])])
        #expect(!completeness.isComplete && !completeness.isUsable && !completeness.isXInstallable)
        #expect(completeness.missingForBoot == [.anyFileType([.squashfs, .rootImageGZ])])
        #expect(completeness.description == "missing manifest; one of squashfs, root-image.gz")
    }

    @Test("Versions are ordered by name, not document order, and none complete means no latest complete version")
    func noneComplete() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(versions: [
            (
                "20240101",
                CatalogueBuilder.ubuntuItems(
                    release: "jammy", arch: "amd64", version: "20240101", subarch: "ga-22.04", types: ["squashfs"])
            ),
            (
                "20250101",
                CatalogueBuilder.ubuntuItems(
                    release: "jammy", arch: "amd64", version: "20250101", subarch: "ga-22.04", types: ["manifest"])
            ),
        ])
        let resource = try #require(try builder.catalogue().resources.first)
        #expect(resource.versions.map(\.name) == ["20250101", "20240101"])
        #expect(resource.latestCompleteVersion == nil)
        #expect(resource.incompleteNewerVersions.count == 2)
        #expect(
            resource.versions[0].completeness.missing == [
                .fileType(.bootKernel), .fileType(.bootInitrd), .anyFileType([.squashfs, .rootImageGZ]),
            ])
    }

    @Test("root-image.gz stands in for squashfs")
    func rootImage() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(versions: [
            (
                "20250718",
                CatalogueBuilder.ubuntuItems(
                    release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04",
                    types: ["boot-kernel", "boot-initrd", "manifest", "root-image.gz"])
            )
        ])
        let version = try #require(try builder.catalogue().resources.first?.latestCompleteVersion)
        #expect(version.completeness.isComplete && version.completeness.isUsable && version.completeness.isXInstallable)
        #expect(version.bootRoot?.fileType == .rootImageGZ)
    }

    @Test("Unknown file types are kept as they are")
    func unknownTypes() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(versions: [
            (
                "20250718",
                CatalogueBuilder.ubuntuItems(
                    release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04",
                    types: ["boot-kernel", "boot-initrd", "manifest", "squashfs", "root-vhdx", "di-kernel"])
            )
        ])
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.isEmpty)
        let version = try #require(catalogue.resources.first?.latestCompleteVersion)
        #expect(version.files.count == 6)
        let unknown = try #require(version.file(named: "root-vhdx"))
        #expect(unknown.fileType.rawValue == "root-vhdx" && !unknown.fileType.isKnown)
        #expect(version.file(ofType: "di-kernel")?.itemName == "di-kernel")
    }

    @Test(
        "Items without ftype, path, size or a 64-digit sha256 are refused one by one",
        arguments: [
            ("ftype", "has no 'ftype'"), ("size", "has no 'size'"), ("sha256", "sha256"), ("short", "sha256"),
            ("nonhex", "sha256"), ("negative", "size"), ("path", "has no 'path'"),
        ])
    func refusedItems(missing: String, reason: String) throws {
        let path = "jammy/amd64/20250718/ga-22.04/generic/boot-kernel"
        let good = CatalogueBuilder.digest(path)
        var members: [(String, StreamJSON)] = []
        if missing != "ftype" { members.append(("ftype", "boot-kernel")) }
        if missing != "path" { members.append(("path", .string(path))) }
        if missing != "size" { members.append(("size", .integer(missing == "negative" ? -5 : 1000))) }
        switch missing {
        case "sha256": break
        case "short": members.append(("sha256", .string(String(good.dropLast()))))
        case "nonhex": members.append(("sha256", .string(String(good.dropLast()) + "g")))
        default: members.append(("sha256", .string(good)))
        }
        var items = CatalogueBuilder.ubuntuItems(
            release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04",
            types: ["boot-initrd", "manifest", "squashfs"])
        items.append(("boot-kernel", .object(members)))
        var builder = CatalogueBuilder()
        let id = builder.ubuntu(versions: [("20250718", items)])
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.count == 1, "\(catalogue.refusals)")
        let refusal = try #require(catalogue.refusals.first)
        #expect(refusal.product == id && refusal.version == "20250718" && refusal.item == "boot-kernel")
        #expect(refusal.reason.contains(reason), "\(refusal.reason)")
        #expect(refusal.description.contains("version 20250718 item boot-kernel"))
        let resource = try #require(catalogue.resources.first)
        #expect(resource.latestCompleteVersion == nil)
        #expect(resource.versions.first?.completeness.missing == [.fileType(.bootKernel)])
    }

    @Test("An uppercase sha256 is accepted and kept lowercase")
    func uppercaseDigest() throws {
        let path = "jammy/amd64/20250718/ga-22.04/generic/boot-kernel"
        var items = CatalogueBuilder.ubuntuItems(
            release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04",
            types: ["boot-initrd", "manifest", "squashfs"])
        items.append(
            (
                "boot-kernel",
                CatalogueBuilder.item(
                    ftype: "boot-kernel", path: path, sha256: CatalogueBuilder.digest(path).uppercased())
            ))
        var builder = CatalogueBuilder()
        builder.ubuntu(versions: [("20250718", items)])
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.isEmpty)
        #expect(
            catalogue.resources.first?.latestCompleteVersion?.file(ofType: .bootKernel)?.sha256
                == CatalogueBuilder.digest(path))
    }

    // MARK: - Bootloaders

    @Test(
        "Bootloader combinations MAAS does not accept are refused, one wrong field at a time",
        arguments: [
            ("grub-efi", "uefi", "amd64", "grub-efi"), ("pxelinux", "uefi", "i386", "pxelinux"),
            ("grub-ieee1275", "open-firmware", "ppc64", "ppc64"), ("grub-efi-signed", "uefi", "arm64", "arm64"),
            ("pxelinux", "pxe", "amd64", "i386 pxelinux product"), ("grub-efi-signed", "bios", "amd64", "'bios'"),
            ("syslinux", "pxe", "i386", "syslinux"),
        ])
    func refusedBootloaders(os: String, type: String, arch: String, mentioned: String) throws {
        var builder = CatalogueBuilder()
        builder.contentID = "com.ubuntu.maas:stable:1:bootloader-download"
        let id = builder.bootloader(os: os, type: type, arch: arch, archives: ["grub2-signed", "shim-signed"])
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.isEmpty)
        let refusal = try #require(catalogue.refusals.first)
        #expect(catalogue.refusals.count == 1)
        #expect(refusal.product == id)
        #expect(refusal.reason.contains(mentioned), "\(refusal.reason)")
    }

    @Test("A bootloader whose fields disagree with its product id is refused")
    func bootloaderFieldMismatch() throws {
        var builder = CatalogueBuilder()
        builder.contentID = "com.ubuntu.maas:stable:1:bootloader-download"
        builder.bootloader(
            os: "grub-efi-signed", type: "uefi", arch: "amd64", fieldType: "pxe", archives: ["shim-signed"])
        builder.bootloader(os: "grub-efi", type: "uefi", arch: "arm64", fieldArch: "amd64", archives: ["shim-signed"])
        builder.bootloader(
            os: "grub-ieee1275", type: "open-firmware", arch: "ppc64el", fieldOS: "grub-efi", archives: ["grub2"])
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.count == 3, "\(catalogue.refusals)")
        #expect(catalogue.refusals.first?.reason.contains("'pxe'") == true)
        #expect(catalogue.refusals.dropFirst().first?.reason.contains("'arm64'") == true)
        #expect(catalogue.resources.isEmpty, "\(catalogue.resources)")
    }

    @Test("A bootloader version needs one of the archives MAAS knows")
    func bootloaderCompleteness() throws {
        var builder = CatalogueBuilder()
        builder.contentID = "com.ubuntu.maas:stable:1:bootloader-download"
        builder.bootloader(
            os: "pxelinux", type: "pxe", arch: "i386", archives: [],
            versions: [
                (
                    "20250101.0",
                    CatalogueBuilder.bootloaderItems(
                        type: "pxe", arch: "i386", version: "20250101.0", archives: ["pxelinux"])
                ),
                (
                    "20240101.0",
                    CatalogueBuilder.bootloaderItems(
                        type: "pxe", arch: "i386", version: "20240101.0", archives: ["syslinux"])
                ),
            ])
        let resource = try #require(try builder.catalogue().resources.first)
        #expect(resource.latestCompleteVersion?.name == "20240101.0")
        #expect(
            resource.incompleteNewerVersions.first?.completeness.missing == [
                .anyItem(["grub2-signed", "shim-signed", "grub2", "syslinux"])
            ])
    }

    // MARK: - Ubuntu products

    @Test(
        "Stream formats: ubuntu takes v2, v3 and v3+platform; ubuntu-core takes v4",
        arguments: [
            ("ubuntu", "v3", true), ("ubuntu", "v2", true), ("ubuntu", "v3+platform", true), ("ubuntu", "v4", false),
            ("ubuntu", "v5", false), ("ubuntu-core", "v4", true), ("ubuntu-core", "v3", false),
        ])
    func streamFormats(os: String, format: String, accepted: Bool) throws {
        var builder = CatalogueBuilder()
        let id = builder.ubuntu(format: format, os: os)
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.count == (accepted ? 1 : 0))
        if accepted {
            #expect(catalogue.resources.first?.name == "\(os)/jammy")
            #expect(catalogue.refusals.isEmpty)
        } else {
            let refusal = try #require(catalogue.refusals.first)
            #expect(refusal.product == id)
            #expect(refusal.reason.contains(format), "\(refusal.reason)")
        }
    }

    @Test("Flavoured and edge kernels: the flavour goes into the architecture before -edge")
    func flavouredKernels() throws {
        var builder = CatalogueBuilder()
        let edge = builder.ubuntu(
            subarch: "hwe-22.04-edge", kflavor: "lowlatency",
            versions: [
                (
                    "20250718",
                    CatalogueBuilder.ubuntuItems(
                        release: "jammy", arch: "amd64", version: "20250718", subarch: "hwe-22.04-edge",
                        flavour: "lowlatency")
                )
            ])
        builder.ubuntu(subarch: "hwe-22.04", kflavor: "lowlatency")
        builder.ubuntu(subarch: "ga-22.04", kflavor: "generic")
        #expect(edge == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:hwe-22.04-lowlatency-edge")
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.isEmpty, "\(catalogue.refusals)")
        #expect(
            catalogue.resources.map(\.architecture.description) == [
                "amd64/hwe-22.04-lowlatency-edge", "amd64/hwe-22.04-lowlatency", "amd64/ga-22.04",
            ])
        let resource = try #require(catalogue.resources.first)
        #expect(resource.kflavor == "lowlatency")
        #expect(resource.kernel?.channel == .hweEdge && resource.kernel?.flavour == "lowlatency")
        #expect(
            resource.latestCompleteVersion?.file(ofType: .bootKernel)?.path
                == "jammy/amd64/20250718/hwe-22.04-edge/lowlatency/boot-kernel")
    }

    @Test("Missing os, release, arch or subarch refuses the product, naming the field")
    func requiredFields() throws {
        for field in ["os", "release", "arch", "subarch"] {
            var builder = CatalogueBuilder()
            builder.ubuntu()
            builder.removeField(field, ofProduct: 0)
            let catalogue = try builder.catalogue()
            #expect(catalogue.resources.isEmpty, "\(field)")
            #expect(catalogue.refusals.first?.reason == "has no '\(field)'", "\(catalogue.refusals)")
        }
    }

    @Test("An arch that disagrees with the product id is refused")
    func archMismatch() throws {
        var builder = CatalogueBuilder()
        let id = builder.ubuntu(arch: "amd64", idArch: "arm64")
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.isEmpty)
        #expect(catalogue.refusals.first?.product == id)
        #expect(catalogue.refusals.first?.reason.contains("'amd64'") == true)
        #expect(catalogue.refusals.first?.reason.contains("'arm64'") == true)
    }

    @Test("Two products making the same resource: the first is kept, the second refused naming the first")
    func duplicates() throws {
        var stable = CatalogueBuilder()
        let first = stable.ubuntu()
        let second = stable.ubuntu(label: "candidate")
        var other = CatalogueBuilder()
        other.ubuntu()
        let catalogue = try catalogue(stable, other)
        #expect(catalogue.resources.count == 1)
        #expect(catalogue.resources.first?.productName == first)
        #expect(catalogue.refusals.count == 2, "\(catalogue.refusals)")
        #expect(catalogue.refusals.first?.product == second)
        #expect(catalogue.refusals.allSatisfy { $0.reason.contains(first) && $0.reason.contains("same resource") })
    }

    @Test("A product id that is not a MAAS one is refused, the others kept")
    func foreignProductID() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu()
        builder.copyProduct(0, as: "com.example:thing")
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.count == 1)
        #expect(catalogue.refusals.map(\.product) == ["com.example:thing"])
    }

    @Test(
        "Odd characters in a subarch refuse the product",
        arguments: ["ga 22.04", "ga-22.04/x", "gä-22.04", "ga-22.04\n", "ga_22.04", "ga-22.04;rm", ""])
    func oddSubarch(subarch: String) throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(
            subarch: subarch,
            versions: [
                (
                    "20250718",
                    CatalogueBuilder.ubuntuItems(release: "jammy", arch: "amd64", version: "20250718", subarch: "x")
                )
            ])
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.isEmpty, "\(catalogue.resources)")
        #expect(catalogue.refusals.count == 1)
    }

    @Test("Very long values are kept whole or refused as names, not truncated or crashed on")
    func longValues() throws {
        let longSubarch = "ga-22.04-" + String(repeating: "x", count: 20_000)
        var builder = CatalogueBuilder()
        builder.ubuntu(
            subarch: longSubarch,
            versions: [
                (
                    "20250718",
                    CatalogueBuilder.ubuntuItems(release: "jammy", arch: "amd64", version: "20250718", subarch: "x")
                )
            ])
        builder.ubuntu(release: String(repeating: "r", count: 50_000), subarch: "ga-24.04")
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.count == 1, "\(catalogue.refusals)")
        #expect(catalogue.resources.first?.architecture.subarch == longSubarch)
        // A release becomes a path segment, so one longer than 255 bytes is refused.
        #expect(catalogue.refusals.count == 1)
        #expect(catalogue.refusals.first?.reason.contains("cannot be a path segment") == true)
    }

    @Test(
        "A release or os that is not a single path segment is refused",
        arguments: [("release", "jam/my"), ("release", "../etc"), ("os", "ubu/ntu")])
    func slashInNames(field: String, value: String) throws {
        var builder = CatalogueBuilder()
        // The item paths stay those of jammy: only the product field is hostile.
        let versions = [
            (
                "20250718",
                CatalogueBuilder.ubuntuItems(release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04")
            )
        ]
        if field == "release" {
            builder.ubuntu(release: value, versions: versions)
        } else {
            builder.ubuntu(os: value, versions: versions)
        }
        let catalogue = try builder.catalogue()
        #expect(catalogue.resources.isEmpty, "\(catalogue.resources.map(\.name))")
        #expect(catalogue.refusals.count == 1)
        #expect(catalogue.refusals.first?.reason.contains("cannot be a path segment") == true)
    }

    // MARK: - Single-file products

    @Test(
        "CentOS versions need manifest and root-tgz",
        arguments: [
            (["manifest", "root-tgz"], [] as [String]), (["root-tgz"], ["manifest"]), (["manifest"], ["root-tgz"]),
            (["manifest", "squashfs"], ["root-tgz"]), (["manifest", "root-txz"], ["root-tgz"]),
        ])
    func centosRules(types: [String], missing: [String]) throws {
        var builder = CatalogueBuilder()
        builder.contentID = "com.ubuntu.maas:stable:centos-bases-download"
        builder.bases(versions: [("20240622_01", CatalogueBuilder.basesItems(types: types))])
        let catalogue = try builder.catalogue()
        let resource = try #require(catalogue.resources.first)
        #expect(resource.family == .singleFile && resource.name == "centos/centos70" && resource.alias == "centos/7.0")
        #expect(resource.kflavor == "generic" && resource.architecture.description == "amd64/generic")
        let version = try #require(resource.versions.first)
        #expect(version.completeness.missing.map(\.description) == missing)
        #expect((resource.latestCompleteVersion != nil) == missing.isEmpty)
    }

    // MARK: - Aliases

    @Test("Product fields given through _aliases are expanded before the product is read")
    func aliases() throws {
        var builder = CatalogueBuilder()
        let release: StreamJSON = .object([
            ("release", "jammy"), ("version", "22.04"), ("release_title", "22.04 LTS"), ("os", "ubuntu"),
        ])
        builder.addTop("_aliases", .object([("rel", .object([("jammy", release)]))]))
        let id = "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04"
        let items = CatalogueBuilder.ubuntuItems(
            release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04")
        builder.addProduct(
            id,
            [
                ("arch", "amd64"), ("kflavor", "generic"), ("label", "stable"), ("rel", "jammy"),
                ("subarch", "ga-22.04"), ("subarches", "generic,ga-22.04"),
                ("versions", CatalogueBuilder.versions([("20250718", items)])),
            ])
        let catalogue = try builder.catalogue()
        #expect(catalogue.refusals.isEmpty, "\(catalogue.refusals)")
        let resource = try #require(catalogue.resources.first)
        #expect(resource.name == "ubuntu/jammy" && resource.alias == "ubuntu/22.04")
        #expect(resource.releaseTitle == "22.04 LTS")
    }
}
