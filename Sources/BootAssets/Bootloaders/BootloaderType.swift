/// The three kinds of bootloader MAAS downloads from streams (the products' `bootloader-type`), by the firmware
/// they boot.
///
/// | type | firmware | architectures | bootloader product |
/// |---|---|---|---|
/// | `pxe` | legacy BIOS | i386, amd64 | `pxelinux` for i386 (it serves amd64 too) |
/// | `uefi` | UEFI | amd64 (and EFI byte code), arm64 | `grub-efi-signed` for amd64, `grub-efi` for arm64 |
/// | `open-firmware` | IEEE 1275 Open Firmware (IBM POWER) | ppc64el, ppc64 | `grub-ieee1275` for ppc64el |
public enum BootloaderType: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Legacy BIOS network boot with PXELINUX.
    case pxe
    /// UEFI network boot with shim and GRUB.
    case uefi
    /// Open Firmware network boot with GRUB for IEEE 1275.
    case openFirmware = "open-firmware"

    public var description: String { rawValue }

    /// The firmware this bootloader boots, in words.
    public var firmware: String {
        switch self {
        case .pxe: "legacy BIOS (x86)"
        case .uefi: "UEFI"
        case .openFirmware: "IEEE 1275 Open Firmware (IBM POWER)"
        }
    }

    /// The machine architectures this type boots, over all its bootloaders.
    public var servedArchitectures: [String] {
        SupportedBootloader.all.filter { $0.type == self }.flatMap(\.servedArchitectures)
    }

    /// The bootloader products MAAS accepts for this type.
    public var supportedBootloaders: [SupportedBootloader] { SupportedBootloader.all.filter { $0.type == self } }
}
