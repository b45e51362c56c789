import BootAssets
import Testing

@Suite("Bootloaders and boot methods")
struct BootloaderTests {
    @Test(
        "The four combinations MAAS accepts",
        arguments: [
            ("pxelinux", "pxe", "i386", ["i386", "amd64"], ["syslinux"]),
            ("grub-efi-signed", "uefi", "amd64", ["amd64"], ["shim-signed", "grub2-signed"]),
            ("grub-efi", "uefi", "arm64", ["arm64"], ["shim-signed", "grub2-signed"]),
            ("grub-ieee1275", "open-firmware", "ppc64el", ["ppc64el", "ppc64"], ["grub2"]),
        ])
    func accepted(os: String, type: String, arch: String, serves: [String], archives: [String]) throws {
        let bootloader = try SupportedBootloader.validate(os: os, type: type, arch: arch)
        #expect(bootloader.os == os && bootloader.type.rawValue == type && bootloader.arch == arch)
        #expect(bootloader.servedArchitectures == serves)
        #expect(bootloader.archives == archives)
        #expect(bootloader.resourceName == "\(os)/\(type)")
        #expect(bootloader.servingDirectory == "bootloaders/\(type)/\(arch)")
        #expect(Set(bootloader.files.map(\.archive)).isSubset(of: Set(archives)))
        #expect(bootloader.files.first?.role == .firstStage)
    }

    @Test("Exactly four bootloaders, one per (type, arch)")
    func all() {
        #expect(SupportedBootloader.all.count == 4)
        #expect(Set(SupportedBootloader.all.map { "\($0.type)/\($0.arch)" }).count == 4)
        #expect(BootloaderType.pxe.servedArchitectures == ["i386", "amd64"])
        #expect(BootloaderType.uefi.supportedBootloaders.map(\.os) == ["grub-efi-signed", "grub-efi"])
        #expect(BootloaderType(rawValue: "open-firmware") == .openFirmware)
        #expect(SupportedBootloader.archiveItemNames == ["grub2-signed", "shim-signed", "grub2", "syslinux"])
    }

    @Test(
        "Other combinations are refused as unsupported",
        arguments: [
            ("pxelinux", "pxe", "amd64"), ("grub-efi", "uefi", "amd64"), ("grub-efi-signed", "uefi", "arm64"),
            ("grub-ieee1275", "open-firmware", "ppc64"), ("pxelinux", "uefi", "i386"), ("grub-efi", "bios", "arm64"),
            ("", "pxe", "i386"), ("pxelinux", "PXE", "i386"),
        ])
    func refused(os: String, type: String, arch: String) throws {
        let error = try #require(bootAssetsError { try SupportedBootloader.validate(os: os, type: type, arch: arch) })
        #expect(error.code == .unsupported)
        #expect(error.message.contains(type), "\(error.message)")
        #expect(
            error.message.contains("i386 pxelinux product") == (type == "pxe" && arch == "amd64"), "\(error.message)")
    }

    @Test(
        "DHCP client-architecture codes select MAAS's boot methods",
        arguments: [
            (0x00, "pxe", "lpxelinux.0"), (0x07, "uefi_amd64_tftp", "bootx64.efi"),
            (0x09, "uefi_ebc_tftp", "bootx64.efi"), (0x0B, "uefi_arm64_tftp", "bootaa64.efi"),
            (0x0C, "open-firmware_ppc64el", "bootppc64.bin"), (0x0E, "powernv", "pxelinux.0"),
            (0x10, "uefi_amd64_http", "bootx64.efi"), (0x13, "uefi_arm64_http", "bootaa64.efi"),
            (0x1F, "s390x", "boots390x.bin"), (0x20, "s390x_partition", "s390x_partition/maas"),
        ] as [(UInt16, String, String)])
    func clientArchitectures(code: UInt16, name: String, path: String) throws {
        let method = try #require(BootMethod.forClientArchitecture(code))
        #expect(method.name == name && method.bootloaderPath == path)
        #expect(method.clientArchitectures.contains(code))
        #expect(BootMethod.named(name) == method)
    }

    @Test(
        "Unknown client-architecture codes select nothing",
        arguments: [0x01, 0x06, 0x08, 0x0A, 0x11, 0x21, 0xFFFF] as [UInt16])
    func unknownCodes(code: UInt16) {
        #expect(BootMethod.forClientArchitecture(code) == nil)
    }

    @Test("PXE boots i386 and amd64 (not MAAS's '1386' typo)")
    func pxeArchitectures() throws {
        let pxe = try #require(BootMethod.named("pxe"))
        #expect(pxe.architectures == ["i386", "amd64"])
        #expect(!BootMethod.all.contains { $0.architectures.contains("1386") })
        #expect(
            pxe.bootloaderFiles == [
                "lpxelinux.0", "chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32",
            ])
    }

    @Test(
        "Each method's supported bootloader",
        arguments: [
            ("pxe", "pxelinux/pxe/i386"), ("uefi_amd64_tftp", "grub-efi-signed/uefi/amd64"),
            ("uefi_amd64_http", "grub-efi-signed/uefi/amd64"), ("uefi_ebc_tftp", "grub-efi-signed/uefi/amd64"),
            ("uefi_arm64_tftp", "grub-efi/uefi/arm64"), ("uefi_arm64_http", "grub-efi/uefi/arm64"),
            ("open-firmware_ppc64el", "grub-ieee1275/open-firmware/ppc64el"), ("powernv", "-"), ("s390x", "-"),
            ("s390x_partition", "-"), ("ipxe", "-"), ("onie", "-"), ("windows", "-"),
        ])
    func supportedBootloaders(name: String, expected: String) throws {
        let method = try #require(BootMethod.named(name))
        #expect((method.supportedBootloader?.description ?? "-") == expected)
        #expect((method.bootloaderType == nil) == (expected == "-"))
        // Every file the method fetches is one its bootloader serves.
        if let bootloader = method.supportedBootloader {
            for file in method.bootloaderFiles {
                #expect(bootloader.file(servedAs: file) != nil, "\(name): \(file)")
            }
        }
    }

    @Test("Every MAAS boot method is there once")
    func methods() {
        #expect(
            BootMethod.all.map(\.name) == [
                "pxe", "uefi_amd64_tftp", "uefi_amd64_http", "uefi_ebc_tftp", "uefi_arm64_tftp", "uefi_arm64_http",
                "open-firmware_ppc64el", "powernv", "s390x", "s390x_partition", "ipxe", "onie", "windows",
            ])
        let codes = BootMethod.all.flatMap(\.clientArchitectures)
        #expect(Set(codes).count == codes.count)
    }

    @Test("Firmware and architecture pick a method or are unsupported")
    func firmware() throws {
        #expect(try BootMethod.forFirmware(.bios, arch: "i386").name == "pxe")
        #expect(try BootMethod.forFirmware(.uefi, arch: "arm64").name == "uefi_arm64_tftp")
        #expect(try BootMethod.forFirmware(.openFirmware, arch: "ppc64").name == "open-firmware_ppc64el")
        #expect(try BootMethod.forFirmware(.ipxe, arch: "riscv64").name == "ipxe")
        for (firmware, arch) in [(Firmware.bios, "arm64"), (.uefi, "ppc64el"), (.s390x, "amd64"), (.powerNV, "amd64")] {
            let error = bootAssetsError { try BootMethod.forFirmware(firmware, arch: arch) }
            #expect(error?.code == .unsupported, "\(firmware) \(arch)")
            #expect(error?.message.contains(arch) == true)
        }
    }

    @Test(
        "PXELINUX modules are served from the bios modules directory",
        arguments: ["ldlinux.c32", "chain.c32", "ifcpu.c32", "menu.c32"])
    func modules(name: String) throws {
        let pxelinux = try #require(SupportedBootloader.all.first { $0.os == "pxelinux" })
        let file = try #require(pxelinux.file(servedAs: name))
        #expect(file.servedName == name && file.role == .module && file.archive == "syslinux")
        #expect(file.sourcePath == "usr/lib/syslinux/modules/bios/" + name)
        #expect(!file.isModuleGlob)
        #expect(pxelinux.servingPath(of: name) == "bootloaders/pxe/i386/" + name)
    }

    @Test("Files a bootloader does not serve are nil; named files keep their source")
    func servedNames() throws {
        let shim = try SupportedBootloader.validate(os: "grub-efi-signed", type: "uefi", arch: "amd64")
        #expect(shim.file(servedAs: "bootx64.efi")?.sourcePath == "usr/lib/shim/shimx64.efi.signed.latest")
        #expect(shim.file(servedAs: "grubx64.efi")?.archive == "grub2-signed")
        #expect(shim.file(servedAs: "mmx64.efi")?.role == .mokManager)
        #expect(shim.file(servedAs: "chain.c32") == nil)
        #expect(shim.file(servedAs: "bootaa64.efi") == nil)
        let pxelinux = try SupportedBootloader.validate(os: "pxelinux", type: "pxe", arch: "i386")
        #expect(pxelinux.file(servedAs: "lpxelinux.0")?.sourcePath == "usr/lib/PXELINUX/lpxelinux.0")
        #expect(pxelinux.file(servedAs: "bootx64.efi") == nil)
        let power = try SupportedBootloader.validate(os: "grub-ieee1275", type: "open-firmware", arch: "ppc64el")
        #expect(power.file(servedAs: "bootppc64.bin")?.archive == "grub2")
    }
}
