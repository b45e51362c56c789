import BootAssets
import SimpleStreams
import Testing

@Suite("Boot sets")
struct BootSetTests {
    /// jammy amd64 with ga-22.04, hwe-22.04 and hwe-22.04-edge (all listing `generic`), noble amd64 ga-24.04,
    /// jammy arm64 ga-22.04 and xgene-uboot-mustang, CentOS 7 and the four bootloaders.
    static func standardCatalogue(bootloaders: Bool = true) throws -> BootResourceCatalogue {
        var ubuntu = CatalogueBuilder()
        for subarch in ["hwe-22.04-edge", "hwe-22.04", "ga-22.04"] {
            ubuntu.ubuntu(
                subarch: subarch, subarches: "generic,hwe-p,ga-20.04,\(subarch)",
                versions: [
                    (
                        "20250718",
                        CatalogueBuilder.ubuntuItems(
                            release: "jammy", arch: "amd64", version: "20250718", subarch: subarch)
                    )
                ])
        }
        ubuntu.ubuntu(release: "noble", version: "24.04", subarch: "ga-24.04")
        ubuntu.ubuntu(arch: "arm64", subarch: "ga-22.04")
        ubuntu.ubuntu(
            arch: "arm64", subarch: "xgene-uboot-mustang", subarches: "xgene-uboot-mustang",
            versions: [
                (
                    "20250718",
                    CatalogueBuilder.ubuntuItems(
                        release: "jammy", arch: "arm64", version: "20250718", subarch: "xgene-uboot-mustang",
                        types: ["boot-initrd", "boot-kernel", "boot-dtb", "manifest", "squashfs"])
                )
            ])
        var centos = CatalogueBuilder()
        centos.contentID = "com.ubuntu.maas:stable:centos-bases-download"
        centos.bases()
        var loaders = CatalogueBuilder()
        loaders.contentID = "com.ubuntu.maas:stable:1:bootloader-download"
        if bootloaders { loaders.standardBootloaders() }
        let result = try catalogue(ubuntu, centos, loaders)
        #expect(result.refusals.isEmpty, "\(result.refusals)")
        return result
    }

    @Test("ubuntu/jammy amd64 generic takes ga-22.04 over hwe-22.04 and hwe-22.04-edge")
    func genericPicksGA() throws {
        let set = try Self.standardCatalogue().bootSet(for: BootSetRequest(release: "jammy", arch: "amd64"))
        #expect(set.resource.architecture.description == "amd64/ga-22.04")
        #expect(set.kernel.path == "jammy/amd64/20250718/ga-22.04/generic/boot-kernel")
        #expect(set.initrd.path == "jammy/amd64/20250718/ga-22.04/generic/boot-initrd")
        #expect(set.root.fileType == .squashfs)
        #expect(set.deployment.file == set.root && set.deployment.curtinSourceType?.rawValue == "squashfs")
        #expect(set.deviceTree == nil && set.bootMethod == nil && set.bootloader == nil)
        #expect(set.version.name == "20250718")
    }

    @Test("The release can be named by version; a legacy kernel a resource stands in for is too old for jammy")
    func releaseByVersion() throws {
        let catalogue = try Self.standardCatalogue()
        let byVersion = try catalogue.bootSet(for: BootSetRequest(release: "22.04", arch: "amd64"))
        #expect(byVersion.resource.architecture.subarch == "ga-22.04")
        // hwe-p (precise) is listed in the subarches of every jammy kernel, but, as MAAS says, too old for jammy.
        let legacy = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64", subarch: "hwe-p"))
            })
        #expect(legacy.code == .unsupported && legacy.message.contains("too old"))
        // A kernel no resource has or stands in for is missing.
        let unknown = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64", subarch: "hwe-20.04-edge"))
            })
        #expect(unknown.code == .noSuchImage)
    }

    @Test("An explicit kernel is taken exactly", arguments: ["hwe-22.04", "hwe-22.04-edge", "ga-22.04"])
    func explicitKernel(kernel: String) throws {
        let set = try Self.standardCatalogue().bootSet(
            for: BootSetRequest(release: "jammy", arch: "amd64", subarch: kernel))
        #expect(set.resource.architecture.subarch == kernel)
        #expect(set.kernel.path == "jammy/amd64/20250718/\(kernel)/generic/boot-kernel")
    }

    @Test("An unknown kernel is noSuchImage listing the available ones and MAAS's no-such-image path")
    func unknownKernel() throws {
        let catalogue = try Self.standardCatalogue()
        let error = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64", subarch: "hwe-22.10"))
            })
        #expect(error.code == .noSuchImage)
        #expect(error.message.contains("ga-22.04, hwe-22.04, hwe-22.04-edge"), "\(error.message)")
        #expect(error.message.contains("ubuntu/amd64/hwe-22.10/jammy/no-such-image/boot-kernel"), "\(error.message)")
    }

    @Test("A missing release or architecture is noSuchImage naming what exists")
    func missingReleaseOrArch() throws {
        let catalogue = try Self.standardCatalogue()
        let release = try #require(
            bootAssetsError { try catalogue.bootSet(for: BootSetRequest(release: "focal", arch: "amd64")) })
        #expect(release.code == .noSuchImage)
        #expect(release.message.contains("ubuntu/focal"), "\(release.message)")
        #expect(release.message.contains("ubuntu/jammy, ubuntu/noble"), "\(release.message)")
        #expect(release.message.contains("ubuntu/amd64/generic/focal/no-such-image/boot-kernel"), "\(release.message)")

        let arch = try #require(
            bootAssetsError { try catalogue.bootSet(for: BootSetRequest(release: "noble", arch: "arm64")) })
        #expect(arch.code == .noSuchImage)
        #expect(arch.message.contains("arm64") && arch.message.contains("(it has amd64)"), "\(arch.message)")
    }

    @Test("All candidates incomplete is .incomplete naming the missing types")
    func allIncomplete() throws {
        var builder = CatalogueBuilder()
        builder.ubuntu(versions: [
            (
                "20250718",
                CatalogueBuilder.ubuntuItems(
                    release: "jammy", arch: "amd64", version: "20250718", subarch: "ga-22.04",
                    types: ["boot-kernel", "manifest", "squashfs"])
            )
        ])
        builder.ubuntu(
            subarch: "hwe-22.04",
            versions: [
                (
                    "20250718",
                    CatalogueBuilder.ubuntuItems(
                        release: "jammy", arch: "amd64", version: "20250718", subarch: "hwe-22.04",
                        types: ["boot-kernel", "boot-initrd", "manifest"])
                )
            ])
        let catalogue = try builder.catalogue()
        let error = try #require(
            bootAssetsError { try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64")) })
        #expect(error.code == .incomplete)
        #expect(error.message.contains("boot-initrd"), "\(error.message)")
        #expect(error.message.contains("one of squashfs, root-image.gz"), "\(error.message)")
        #expect(error.message.contains("amd64/ga-22.04") && error.message.contains("amd64/hwe-22.04"))
    }

    @Test("UEFI on amd64: bootx64.efi from shim-signed and grubx64.efi from grub2-signed")
    func uefiAMD64() throws {
        let set = try Self.standardCatalogue().bootSet(
            for: BootSetRequest(release: "jammy", arch: "amd64", firmware: .uefi))
        #expect(set.bootMethod?.name == "uefi_amd64_tftp")
        let bootloader = try #require(set.bootloader)
        #expect(bootloader.resource.name == "grub-efi-signed/uefi")
        #expect(bootloader.files.map(\.servedName) == ["bootx64.efi", "grubx64.efi"])
        #expect(bootloader.files.map(\.archive.itemName) == ["shim-signed", "grub2-signed"])
        #expect(
            bootloader.files.map(\.servingPath) == [
                "bootloaders/uefi/amd64/bootx64.efi", "bootloaders/uefi/amd64/grubx64.efi",
            ])
        #expect(bootloader.archives.map(\.itemName) == ["shim-signed", "grub2-signed"])
        let http = try Self.standardCatalogue().bootSet(
            for: BootSetRequest(release: "jammy", arch: "amd64", firmware: .uefiHTTP))
        #expect(http.bootMethod?.name == "uefi_amd64_http" && http.bootMethod?.transport == .http)
    }

    @Test("BIOS on amd64 uses the i386 pxelinux product: lpxelinux.0 and the .c32 modules")
    func biosAMD64() throws {
        let set = try Self.standardCatalogue().bootSet(
            for: BootSetRequest(release: "jammy", arch: "amd64", firmware: .bios))
        #expect(set.bootMethod?.name == "pxe")
        let bootloader = try #require(set.bootloader)
        #expect(bootloader.resource.architecture.description == "i386/generic")
        #expect(
            bootloader.files.map(\.servedName) == [
                "lpxelinux.0", "chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32",
            ])
        #expect(bootloader.files.allSatisfy { $0.archive.itemName == "syslinux" })
        #expect(bootloader.files.allSatisfy { $0.servingPath == "bootloaders/pxe/i386/" + $0.servedName })
        #expect(bootloader.files[1].file.sourcePath == "usr/lib/syslinux/modules/bios/chain.c32")
        #expect(bootloader.archives.count == 1)
    }

    @Test("A missing bootloader is noSuchImage naming the product")
    func missingBootloader() throws {
        let catalogue = try Self.standardCatalogue(bootloaders: false)
        let error = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64", firmware: .bios))
            })
        #expect(error.code == .noSuchImage)
        #expect(error.message.contains("pxelinux/pxe") && error.message.contains("i386"), "\(error.message)")
        #expect(error.message.contains("com.ubuntu.maas.LABEL:1:pxelinux:pxe:i386"), "\(error.message)")
    }

    @Test("A bootloader version without shim-signed is .incomplete naming the archive")
    func bootloaderWithoutShim() throws {
        var ubuntu = CatalogueBuilder()
        ubuntu.ubuntu()
        var loaders = CatalogueBuilder()
        loaders.contentID = "com.ubuntu.maas:stable:1:bootloader-download"
        loaders.bootloader(os: "grub-efi-signed", type: "uefi", arch: "amd64", archives: ["grub2-signed"])
        let catalogue = try catalogue(ubuntu, loaders)
        let error = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64", firmware: .uefi))
            })
        #expect(error.code == .incomplete)
        #expect(error.message.contains("'shim-signed'") && error.message.contains("bootx64.efi"), "\(error.message)")
    }

    @Test("Open Firmware on arm64 is unsupported; PowerNV needs no bootloader")
    func unsupportedFirmware() throws {
        let catalogue = try Self.standardCatalogue()
        let error = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "arm64", firmware: .openFirmware))
            })
        #expect(error.code == .unsupported)
        #expect(error.message.contains("arm64") && error.message.contains("ppc64el"), "\(error.message)")
        let arm = try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "arm64", firmware: .uefi))
        #expect(arm.bootloader?.files.map(\.servedName) == ["bootaa64.efi", "grubaa64.efi"])
    }

    @Test("CentOS deploys its root-tgz, booted by the newest LTS Ubuntu kernel")
    func centos() throws {
        let catalogue = try Self.standardCatalogue()
        let set = try catalogue.bootSet(for: BootSetRequest(os: "centos", release: "centos70", arch: "amd64"))
        #expect(set.resource.name == "ubuntu/noble" && set.resource.architecture.subarch == "ga-24.04")
        #expect(set.deployment.resource.name == "centos/centos70")
        #expect(set.deployment.file.fileType == .rootTGZ)
        #expect(set.deployment.curtinSourceType?.rawValue == "tgz")
        let byVersion = try catalogue.bootSet(
            for: BootSetRequest(os: "centos", release: "7.0", arch: "amd64", ephemeralRelease: "jammy"))
        #expect(byVersion.resource.name == "ubuntu/jammy")
        #expect(byVersion.deployment.file == set.deployment.file)
        #expect(Set(set.files.map(\.fileType)) == [.bootKernel, .bootInitrd, .squashfs, .rootTGZ])
    }

    @Test("CentOS without a deployable version, or not in the catalogue")
    func centosMissing() throws {
        let catalogue = try Self.standardCatalogue()
        let missing = try #require(
            bootAssetsError {
                try catalogue.bootSet(for: BootSetRequest(os: "centos", release: "8", arch: "amd64"))
            })
        #expect(missing.code == .noSuchImage)
        #expect(missing.message.contains("centos/amd64/generic/8/no-such-image/root-tgz"), "\(missing.message)")
        let plan9 = try #require(
            bootAssetsError { try catalogue.bootSet(for: BootSetRequest(os: "plan9", release: "4", arch: "amd64")) })
        #expect(plan9.code == .unsupported)
    }

    @Test("xgene-uboot-mustang gets its device tree; other platforms do not")
    func deviceTree() throws {
        let catalogue = try Self.standardCatalogue()
        let mustang = try catalogue.bootSet(
            for: BootSetRequest(release: "jammy", arch: "arm64", subarch: "xgene-uboot-mustang"))
        #expect(mustang.resource.architecture.subarch == "xgene-uboot-mustang")
        #expect(mustang.deviceTree?.path == "jammy/arm64/20250718/xgene-uboot-mustang/generic/boot-dtb")
        #expect(mustang.files.contains { $0.fileType == .bootDTB })
        let generic = try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "arm64"))
        #expect(generic.resource.architecture.subarch == "ga-22.04")
        #expect(generic.deviceTree == nil)
    }

    @Test("BootSet.files lists every file once", arguments: [Firmware.bios, .uefi])
    func filesHaveNoDuplicates(firmware: Firmware) throws {
        let set = try Self.standardCatalogue().bootSet(
            for: BootSetRequest(release: "jammy", arch: "amd64", firmware: firmware))
        let paths = set.files.map(\.path)
        #expect(Set(paths).count == paths.count, "\(paths)")
        // Ubuntu deploys the squashfs it boots: kernel, initrd, squashfs and the bootloader archives.
        #expect(paths.count == 3 + (set.bootloader?.archives.count ?? 0), "\(paths)")
        #expect(paths.first?.hasPrefix("bootloaders/") == true)
    }

    @Test("Served images carry MAAS's paths in each layout")
    func servedImages() throws {
        let catalogue = try Self.standardCatalogue()
        let set = try catalogue.bootSet(for: BootSetRequest(release: "jammy", arch: "amd64"))
        let paths = ServingPaths(catalogue.resources)
        let labelled = set.servedImages(paths, layout: .labelled).map(\.path)
        #expect(
            labelled == [
                "ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel", "ubuntu/amd64/ga-22.04/jammy/stable/boot-initrd",
                "ubuntu/amd64/ga-22.04/jammy/stable/squashfs",
            ])
        let short = set.servedImages(paths, layout: .shortSHA256Prefixed)
        for (index, served) in short.enumerated() {
            #expect(served.path == paths.shortDigest(of: served.file.sha256) + "/" + labelled[index])
        }
    }
}
