/// A bootloader product MAAS accepts: one of four (os, type, arch) combinations, with the archives it needs from
/// the stream and the files it serves.
///
/// MAAS refuses every other combination (`validate_bootloader`). In particular the stream's
/// `pxelinux:pxe:amd64` product is ignored: BIOS machines of both i386 and amd64 boot from the i386 product.
///
/// | os | type | arch | serves | archives | served files |
/// |---|---|---|---|---|---|
/// | `pxelinux` | `pxe` | i386 | i386, amd64 | `syslinux` | `lpxelinux.0`, `pxelinux.0`, `*.c32` |
/// | `grub-efi-signed` | `uefi` | amd64 | amd64 | `shim-signed`, `grub2-signed` | `bootx64.efi`, `grubx64.efi`, `mmx64.efi` |
/// | `grub-efi` | `uefi` | arm64 | arm64 | `shim-signed`, `grub2-signed` | `bootaa64.efi`, `grubaa64.efi`, `mmaa64.efi` |
/// | `grub-ieee1275` | `open-firmware` | ppc64el | ppc64el, ppc64 | `grub2` | `bootppc64.bin` |
public struct SupportedBootloader: Hashable, Sendable, CustomStringConvertible {
    /// The bootloader "operating system" of the product: `pxelinux`, `grub-efi-signed`, `grub-efi`,
    /// `grub-ieee1275`.
    public let os: String
    /// The bootloader type.
    public let type: BootloaderType
    /// The product's architecture (`i386` for PXELINUX).
    public let arch: String
    /// The machine architectures it boots.
    public let servedArchitectures: [String]
    /// The stream items (archives) it is made of: `syslinux`; `shim-signed`, `grub2-signed`; `grub2`.
    public let archives: [String]
    /// The files extracted from the archives and served, first stage first.
    public let files: [BootloaderFile]

    /// `os/type`: the boot resource name MAAS gives the product (`grub-efi-signed/uefi`).
    public var resourceName: String { "\(os)/\(type.rawValue)" }

    public var description: String { "\(os)/\(type.rawValue)/\(arch)" }

    /// The directory MAAS extracts the archives into and serves the files from: `bootloaders/TYPE/ARCH`.
    public var servingDirectory: String { "bootloaders/\(type.rawValue)/\(arch)" }

    /// The path a file is served from: `bootloaders/uefi/amd64/bootx64.efi`.
    public func servingPath(of servedName: String) -> String { servingDirectory + "/" + servedName }

    /// The file served as `servedName`, or `nil`.
    public func file(servedAs servedName: String) -> BootloaderFile? {
        files.first { $0.servedName == servedName }
            ?? files.first { $0.isModuleGlob && servedName.hasSuffix(".c32") }.map {
                BootloaderFile(
                    archive: $0.archive, sourcePath: $0.sourcePath.dropLast("*.c32".count) + servedName,
                    servedName: servedName, role: .module)
            }
    }

    /// The four bootloaders MAAS accepts.
    public static let all: [SupportedBootloader] = [
        SupportedBootloader(
            os: "pxelinux", type: .pxe, arch: "i386", servedArchitectures: ["i386", "amd64"], archives: ["syslinux"],
            files: [
                BootloaderFile(
                    archive: "syslinux", sourcePath: "usr/lib/PXELINUX/lpxelinux.0", servedName: "lpxelinux.0",
                    role: .firstStage),
                BootloaderFile(
                    archive: "syslinux", sourcePath: "usr/lib/PXELINUX/pxelinux.0", servedName: "pxelinux.0",
                    role: .firstStage),
                BootloaderFile(
                    archive: "syslinux", sourcePath: "usr/lib/syslinux/modules/bios/*.c32", servedName: "*.c32",
                    role: .module),
            ]),
        SupportedBootloader(
            os: "grub-efi-signed", type: .uefi, arch: "amd64", servedArchitectures: ["amd64"],
            archives: ["shim-signed", "grub2-signed"],
            files: [
                BootloaderFile(
                    archive: "shim-signed", sourcePath: "usr/lib/shim/shimx64.efi.signed.latest",
                    servedName: "bootx64.efi", role: .firstStage),
                BootloaderFile(
                    archive: "grub2-signed", sourcePath: "usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed",
                    servedName: "grubx64.efi", role: .secondStage),
                BootloaderFile(
                    archive: "shim-signed", sourcePath: "usr/lib/shim/mmx64.efi", servedName: "mmx64.efi",
                    role: .mokManager),
            ]),
        SupportedBootloader(
            os: "grub-efi", type: .uefi, arch: "arm64", servedArchitectures: ["arm64"],
            archives: ["shim-signed", "grub2-signed"],
            files: [
                BootloaderFile(
                    archive: "shim-signed", sourcePath: "usr/lib/shim/shimaa64.efi.signed.latest",
                    servedName: "bootaa64.efi", role: .firstStage),
                BootloaderFile(
                    archive: "grub2-signed", sourcePath: "usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed",
                    servedName: "grubaa64.efi", role: .secondStage),
                BootloaderFile(
                    archive: "shim-signed", sourcePath: "usr/lib/shim/mmaa64.efi", servedName: "mmaa64.efi",
                    role: .mokManager),
            ]),
        SupportedBootloader(
            os: "grub-ieee1275", type: .openFirmware, arch: "ppc64el", servedArchitectures: ["ppc64el", "ppc64"],
            archives: ["grub2"],
            files: [
                BootloaderFile(
                    archive: "grub2", sourcePath: "grub-mkimage -O powerpc-ieee1275", servedName: "bootppc64.bin",
                    role: .firstStage)
            ]),
    ]

    /// The stream items MAAS accepts in a bootloader version (`BootloaderFile` keys); a version needs at least one.
    public static let archiveItemNames = ["grub2-signed", "shim-signed", "grub2", "syslinux"]

    /// The supported bootloader with this `os`, `type` and product `arch`, or `nil` when MAAS does not accept the
    /// combination.
    public static func matching(os: String, type: BootloaderType, arch: String) -> SupportedBootloader? {
        all.first { $0.os == os && $0.type == type && $0.arch == arch }
    }

    /// The supported bootloader for a product's `os`, `bootloader-type` and `arch`.
    ///
    /// - Throws: ``BootAssetsError/Code/unsupported`` naming the combination and what MAAS accepts instead.
    public static func validate(os: String, type: String, arch: String) throws(BootAssetsError) -> SupportedBootloader {
        guard let bootloaderType = BootloaderType(rawValue: type) else {
            throw BootAssetsError(
                .unsupported,
                "bootloader type '\(type)' is not one MAAS downloads (pxe, uefi, open-firmware)")
        }
        if let found = matching(os: os, type: bootloaderType, arch: arch) { return found }
        let accepted = bootloaderType.supportedBootloaders.map { "\($0.os)/\($0.arch)" }.joined(separator: ", ")
        var message = "MAAS does not accept the \(type) bootloader \(os) for \(arch) (it accepts \(accepted))"
        if bootloaderType == .pxe && arch == "amd64" {
            message += "; BIOS machines of both i386 and amd64 boot from the i386 pxelinux product"
        }
        throw BootAssetsError(.unsupported, message)
    }
}

/// A file a bootloader serves: where it comes from in the stream's archive and the name machines ask for.
public struct BootloaderFile: Hashable, Sendable, CustomStringConvertible {
    /// What the file does in the boot.
    public enum Role: String, Hashable, Sendable, CaseIterable {
        /// The file the firmware loads first (the DHCP boot file name): shim, PXELINUX, GRUB for IEEE 1275.
        case firstStage = "first-stage"
        /// The file the first stage loads: GRUB behind shim.
        case secondStage = "second-stage"
        /// The MOK manager shim starts for key enrolment.
        case mokManager = "mok-manager"
        /// A PXELINUX module (`ldlinux.c32`, `chain.c32`, ...).
        case module
    }

    /// The stream item (archive) that holds it: `shim-signed`, `grub2-signed`, `grub2`, `syslinux`.
    public let archive: String
    /// Where the producer takes it from (`usr/lib/shim/shimx64.efi.signed.latest`); for `bootppc64.bin`, which is
    /// built by `grub-mkimage`, the command.
    public let sourcePath: String
    /// The name it is served under: `bootx64.efi`, `grubx64.efi`, `lpxelinux.0`, `bootppc64.bin`; `*.c32` for every
    /// PXELINUX module.
    public let servedName: String
    /// What it does.
    public let role: Role

    /// A bootloader file.
    public init(archive: String, sourcePath: String, servedName: String, role: Role) {
        self.archive = archive
        self.sourcePath = sourcePath
        self.servedName = servedName
        self.role = role
    }

    /// Whether this entry stands for every `*.c32` module.
    public var isModuleGlob: Bool { servedName == "*.c32" }

    public var description: String { "\(servedName) (\(archive): \(sourcePath))" }
}
