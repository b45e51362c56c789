/// How a machine network-boots, as MAAS tells boot methods apart (`maascommon/bootmethods.py`): the DHCP
/// client-architecture code (option 93) the firmware sends, the file name MAAS answers with, and the files the
/// boot then fetches.
///
/// ```swift
/// let method = BootMethod.forClientArchitecture(0x0007)  // uefi_amd64_tftp
/// method?.bootloaderPath       // "bootx64.efi"
/// method?.bootloaderFiles      // ["bootx64.efi", "grubx64.efi"]
/// ```
///
/// MAAS's PXE method lists its architectures as `"1386"` and `"amd64"` (a typo at HEAD; 3.4 had `"i386"`); this
/// table has `i386`.
public struct BootMethod: Hashable, Sendable, CustomStringConvertible {
    /// How the boot files are fetched.
    public enum Transport: String, Hashable, Sendable {
        /// TFTP (the file name is relative to the TFTP root).
        case tftp
        /// HTTP (the DHCP boot file is an absolute URL).
        case http
    }

    /// MAAS's name for the method: `pxe`, `uefi_amd64_tftp`, `open-firmware_ppc64el`.
    public let name: String
    /// The firmware family: `pxe`, `uefi`, `open-firmware`, `powernv`, `s390x`, `s390x_partition`, `ipxe`, `onie`,
    /// `windows`.
    public let firmwareFamily: String
    /// The machine architectures it boots.
    public let architectures: [String]
    /// The DHCP client-architecture codes that select it (empty for methods selected by user class).
    public let clientArchitectures: [UInt16]
    /// The boot file name MAAS gives in DHCP.
    public let bootloaderPath: String
    /// The files the machine fetches from the bootloader's directory.
    public let bootloaderFiles: [String]
    /// The downloaded bootloader that provides the files, or `nil` when none is needed.
    public let bootloaderType: BootloaderType?
    /// How the files are fetched.
    public let transport: Transport

    public var description: String { name }

    /// The bootloader product that provides ``bootloaderFiles``: for PXE the i386 one for both i386 and amd64,
    /// for UEFI on EFI byte code the amd64 one; `nil` when the method needs no downloaded bootloader.
    public var supportedBootloader: SupportedBootloader? {
        guard let bootloaderType else { return nil }
        let candidates = bootloaderType.supportedBootloaders
        return candidates.first { bootloader in architectures.contains { bootloader.servedArchitectures.contains($0) } }
            ?? candidates.first { $0.arch == "amd64" }
    }

    /// Every boot method MAAS has, in its order.
    public static let all: [BootMethod] = [
        BootMethod(
            name: "pxe", firmwareFamily: "pxe", architectures: ["i386", "amd64"], clientArchitectures: [0x0000],
            bootloaderPath: "lpxelinux.0",
            bootloaderFiles: ["lpxelinux.0", "chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32"],
            bootloaderType: .pxe, transport: .tftp),
        BootMethod(
            name: "uefi_amd64_tftp", firmwareFamily: "uefi", architectures: ["amd64"], clientArchitectures: [0x0007],
            bootloaderPath: "bootx64.efi", bootloaderFiles: ["bootx64.efi", "grubx64.efi"], bootloaderType: .uefi,
            transport: .tftp),
        BootMethod(
            name: "uefi_amd64_http", firmwareFamily: "uefi", architectures: ["amd64"], clientArchitectures: [0x0010],
            bootloaderPath: "bootx64.efi", bootloaderFiles: ["bootx64.efi", "grubx64.efi"], bootloaderType: .uefi,
            transport: .http),
        BootMethod(
            name: "uefi_ebc_tftp", firmwareFamily: "uefi", architectures: ["ebc"], clientArchitectures: [0x0009],
            bootloaderPath: "bootx64.efi", bootloaderFiles: ["bootx64.efi", "grubx64.efi"], bootloaderType: .uefi,
            transport: .tftp),
        BootMethod(
            name: "uefi_arm64_tftp", firmwareFamily: "uefi", architectures: ["arm64"], clientArchitectures: [0x000B],
            bootloaderPath: "bootaa64.efi", bootloaderFiles: ["bootaa64.efi", "grubaa64.efi"], bootloaderType: .uefi,
            transport: .tftp),
        BootMethod(
            name: "uefi_arm64_http", firmwareFamily: "uefi", architectures: ["arm64"], clientArchitectures: [0x0013],
            bootloaderPath: "bootaa64.efi", bootloaderFiles: ["bootaa64.efi", "grubaa64.efi"], bootloaderType: .uefi,
            transport: .http),
        BootMethod(
            name: "open-firmware_ppc64el", firmwareFamily: "open-firmware", architectures: ["ppc64el", "ppc64"],
            clientArchitectures: [0x000C], bootloaderPath: "bootppc64.bin", bootloaderFiles: ["bootppc64.bin"],
            bootloaderType: .openFirmware, transport: .tftp),
        BootMethod(
            name: "powernv", firmwareFamily: "powernv", architectures: ["ppc64el"], clientArchitectures: [0x000E],
            bootloaderPath: "pxelinux.0", bootloaderFiles: [], bootloaderType: nil, transport: .tftp),
        BootMethod(
            name: "s390x", firmwareFamily: "s390x", architectures: ["s390x"], clientArchitectures: [0x001F],
            bootloaderPath: "boots390x.bin", bootloaderFiles: [], bootloaderType: nil, transport: .tftp),
        BootMethod(
            name: "s390x_partition", firmwareFamily: "s390x_partition", architectures: ["s390x"],
            clientArchitectures: [0x0020], bootloaderPath: "s390x_partition/maas", bootloaderFiles: [],
            bootloaderType: nil, transport: .http),
        BootMethod(
            name: "ipxe", firmwareFamily: "ipxe", architectures: [], clientArchitectures: [],
            bootloaderPath: "ipxe.cfg",
            bootloaderFiles: [], bootloaderType: nil, transport: .http),
        BootMethod(
            name: "onie", firmwareFamily: "onie", architectures: [], clientArchitectures: [],
            bootloaderPath: "MAAS/a/v3/nos-installer", bootloaderFiles: [], bootloaderType: nil, transport: .http),
        BootMethod(
            name: "windows", firmwareFamily: "windows", architectures: [], clientArchitectures: [],
            bootloaderPath: "pxeboot.0", bootloaderFiles: [], bootloaderType: nil, transport: .tftp),
    ]

    /// The method MAAS picks for a DHCP client-architecture code (`0x0007` is UEFI amd64 over TFTP), or `nil`.
    public static func forClientArchitecture(_ code: UInt16) -> BootMethod? {
        all.first { $0.clientArchitectures.contains(code) }
    }

    /// The method named `name` (`uefi_arm64_http`), or `nil`.
    public static func named(_ name: String) -> BootMethod? { all.first { $0.name == name } }

    /// The method a machine with `firmware` and architecture `arch` boots with.
    ///
    /// - Throws: ``BootAssetsError/Code/unsupported`` when no method boots that firmware on that architecture.
    public static func forFirmware(_ firmware: Firmware, arch: String) throws(BootAssetsError) -> BootMethod {
        let name: String? =
            switch (firmware, arch) {
            case (.bios, "i386"), (.bios, "amd64"): "pxe"
            case (.uefi, "amd64"): "uefi_amd64_tftp"
            case (.uefiHTTP, "amd64"): "uefi_amd64_http"
            case (.uefi, "arm64"): "uefi_arm64_tftp"
            case (.uefiHTTP, "arm64"): "uefi_arm64_http"
            case (.openFirmware, "ppc64el"), (.openFirmware, "ppc64"): "open-firmware_ppc64el"
            case (.powerNV, "ppc64el"): "powernv"
            case (.s390x, "s390x"): "s390x"
            case (.ipxe, _): "ipxe"
            default: nil
            }
        guard let name, let method = named(name) else {
            let archs = Self.architectures(for: firmware)
            throw BootAssetsError(
                .unsupported,
                "no MAAS boot method boots \(firmware.rawValue) firmware on \(arch) (\(firmware.rawValue) boots: "
                    + (archs.isEmpty ? "any architecture" : archs.joined(separator: ", ")) + ")")
        }
        return method
    }

    private static func architectures(for firmware: Firmware) -> [String] {
        switch firmware {
        case .bios: ["i386", "amd64"]
        case .uefi, .uefiHTTP: ["amd64", "arm64"]
        case .openFirmware: ["ppc64el", "ppc64"]
        case .powerNV: ["ppc64el"]
        case .s390x: ["s390x"]
        case .ipxe: []
        }
    }
}

/// The firmware a machine network-boots with.
public enum Firmware: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Legacy BIOS PXE (x86).
    case bios
    /// UEFI, fetching the bootloader over TFTP.
    case uefi
    /// UEFI HTTP boot.
    case uefiHTTP = "uefi-http"
    /// IEEE 1275 Open Firmware (IBM POWER).
    case openFirmware = "open-firmware"
    /// OpenPOWER petitboot (PowerNV), which needs no downloaded bootloader.
    case powerNV = "powernv"
    /// IBM Z network boot, which needs no downloaded bootloader.
    case s390x
    /// iPXE, which needs no downloaded bootloader.
    case ipxe

    public var description: String { rawValue }
}
