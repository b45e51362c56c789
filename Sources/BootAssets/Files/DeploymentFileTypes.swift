extension BootFileType {
    /// The operating systems MAAS has built in (`builtin_osystems`).
    public static let knownOperatingSystems: [String] = [
        "ubuntu", "ubuntu-core", "bootloader", "centos", "rhel", "custom", "windows", "suse", "esxi", "ol", "onie",
    ]

    /// The file types MAAS deploys for an operating system (`OperatingSystem.get_image_filetypes`), in the order
    /// MAAS tries them, or `nil` for an operating system MAAS does not have:
    ///
    /// | operating system | file types |
    /// |---|---|
    /// | `ubuntu` | root archives, `squashfs` |
    /// | `custom` | root archives, disk images, `squashfs` |
    /// | `esxi`, `windows`, `ubuntu-core` | disk images |
    /// | `centos`, `rhel`, `ol`, `suse` | root archives |
    /// | `onie` | `self-extracting` |
    /// | `bootloader` | none (bootloaders are not deployed) |
    public static func deploymentTypes(forOperatingSystem os: String) -> [BootFileType]? {
        switch os {
        case "ubuntu": rootArchiveTypes + [.squashfs]
        case "custom": rootArchiveTypes + diskImageTypes + [.squashfs]
        case "esxi", "windows", "ubuntu-core": diskImageTypes
        case "centos", "rhel", "ol", "suse": rootArchiveTypes
        case "onie": [.selfExtracting]
        case "bootloader": []
        default: nil
        }
    }

    /// Whether MAAS deploys a file of this type for the operating system `os`.
    public func isAccepted(forDeploymentOf os: String) -> Bool {
        Self.deploymentTypes(forOperatingSystem: os)?.contains(self) ?? false
    }

    /// The operating systems MAAS deploys a file of this type for, in ``knownOperatingSystems`` order.
    public var deployingOperatingSystems: [String] {
        Self.knownOperatingSystems.filter { isAccepted(forDeploymentOf: $0) }
    }
}
