/// What a machine asks to boot: an operating system and release on an architecture, optionally a kernel or
/// platform, and the firmware it network-boots with.
public struct BootSetRequest: Hashable, Sendable, CustomStringConvertible {
    /// The operating system to boot or deploy: `ubuntu`, `centos`, ...
    public var os: String
    /// The release: a name (`jammy`, `centos70`) or a version (`22.04`, `7.0`).
    public var release: String
    /// The machine architecture: `amd64`, `arm64`, ...
    public var arch: String
    /// A kernel string (`hwe-22.04`, `ga-24.04-lowlatency`), which must be available exactly, or a platform
    /// (`generic`, `xgene-uboot`), for which the oldest kernel that supports it and is not older than the release
    /// is chosen, as MAAS chooses a machine's kernel.
    public var subarch: String
    /// The firmware, to add the bootloader files; `nil` for none.
    public var firmware: Firmware?
    /// For an operating system other than Ubuntu, the Ubuntu release whose kernel, initrd and squashfs boot the
    /// installer (MAAS's commissioning release); `nil` for the newest LTS release the catalogue can boot.
    public var ephemeralRelease: String?

    /// A request.
    public init(
        os: String = "ubuntu", release: String, arch: String, subarch: String = "generic", firmware: Firmware? = nil,
        ephemeralRelease: String? = nil
    ) {
        self.os = os
        self.release = release
        self.arch = arch
        self.subarch = subarch
        self.firmware = firmware
        self.ephemeralRelease = ephemeralRelease
    }

    public var description: String {
        var text = "\(os)/\(release) \(arch)/\(subarch)"
        if let firmware { text += " (\(firmware))" }
        return text
    }
}
