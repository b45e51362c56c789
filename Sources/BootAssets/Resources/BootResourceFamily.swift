/// The kind of stream product a boot resource comes from, which decides its name and what makes it complete.
public enum BootResourceFamily: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// An Ubuntu image (MAAS's "multi-file" product): kernel, initrd, root and manifest per version
    /// (`com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04`).
    case ubuntu
    /// A base image of another operating system (MAAS's "single-file" product): a root tarball and its manifest
    /// (`com.ubuntu.maas.stable:centos-bases:7.0:amd64`).
    case singleFile = "single-file"
    /// A bootloader: one or more archives (`com.ubuntu.maas.stable:1:grub-efi-signed:uefi:amd64`).
    case bootloader

    public var description: String { rawValue }
}
