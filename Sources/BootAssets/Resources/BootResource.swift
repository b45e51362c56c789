/// A boot resource as MAAS names and keeps it: one product of a stream, identified by its name, architecture and
/// alias, with its versions.
///
/// | family | name | architecture | alias |
/// |---|---|---|---|
/// | Ubuntu | `ubuntu/jammy` | `amd64/ga-22.04`, `amd64/hwe-22.04-lowlatency-edge` | `ubuntu/22.04` |
/// | single-file | `centos/centos70` | `amd64/generic` | `centos/7.0` |
/// | bootloader | `grub-efi-signed/uefi` | `amd64/generic` | none |
///
/// The subarchitecture of an Ubuntu resource is the product's `subarch` with a non-generic `kflavor` put in
/// before a trailing `-edge` (``KernelString/subarchitecture(_:flavour:)``), as MAAS rebuilds it.
public struct BootResource: Hashable, Sendable, Identifiable, CustomStringConvertible {
    /// The family of the product.
    public let family: BootResourceFamily
    /// `os/release` (`ubuntu/jammy`), or `os/bootloader-type` for a bootloader (`pxelinux/pxe`).
    public let name: String
    /// `arch/subarch`.
    public let architecture: BootArchitecture
    /// `os/version` (`ubuntu/22.04`), or `nil` for a bootloader.
    public let alias: String?
    /// The operating system (`ubuntu`, `centos`) or bootloader (`grub-efi-signed`).
    public let os: String
    /// The release (`jammy`, `centos70`), or the bootloader type for a bootloader.
    public let release: String
    /// The release version (`22.04`, `7.0`), or `nil`.
    public let version: String?
    /// The release title (`22.04 LTS`, `CentOS 7`), or `nil`.
    public let releaseTitle: String?
    /// The kernel flavour (`generic`, `lowlatency`), or `nil` for a bootloader.
    public let kflavor: String?
    /// The stream label (`stable`, `candidate`).
    public let label: String
    /// The subarchitectures this resource's kernel can stand in for (`generic`, `hwe-p`, ..., `ga-22.04`).
    public let subarches: [String]
    /// The bootloader type, for a bootloader.
    public let bootloaderType: BootloaderType?
    /// The end of standard support (`YYYY-MM-DD`), or `nil`.
    public let supportEOL: String?
    /// The product id it comes from.
    public let productName: String
    /// The versions, newest first (by version name, as MAAS picks the latest).
    public let versions: [BootResourceVersion]

    /// A resource.
    public init(
        family: BootResourceFamily, name: String, architecture: BootArchitecture, alias: String?, os: String,
        release: String, version: String?, releaseTitle: String?, kflavor: String?, label: String,
        subarches: [String], bootloaderType: BootloaderType?, supportEOL: String?, productName: String,
        versions: [BootResourceVersion]
    ) {
        self.family = family
        self.name = name
        self.architecture = architecture
        self.alias = alias
        self.os = os
        self.release = release
        self.version = version
        self.releaseTitle = releaseTitle
        self.kflavor = kflavor
        self.label = label
        self.subarches = subarches
        self.bootloaderType = bootloaderType
        self.supportEOL = supportEOL
        self.productName = productName
        self.versions = versions
    }

    /// `name architecture alias`: MAAS's unique key for a resource.
    public var id: String { "\(name) \(architecture) \(alias ?? "-")" }

    public var description: String { "\(name) \(architecture)" }

    /// The newest version, complete or not.
    public var latestVersion: BootResourceVersion? { versions.first }

    /// The newest version that is complete by its family's rule: the one a mirror or a MAAS region would serve.
    public var latestCompleteVersion: BootResourceVersion? { versions.first { $0.completeness.isComplete } }

    /// The versions newer than ``latestCompleteVersion`` that are incomplete (what MAAS would download and fail
    /// on), newest first.
    public var incompleteNewerVersions: [BootResourceVersion] {
        Array(versions.prefix { !$0.completeness.isComplete })
    }

    /// The subarchitecture as a kernel string, for an Ubuntu resource.
    public var kernel: KernelString? { family == .ubuntu ? architecture.kernel : nil }

    /// Whether this resource's kernel can boot a machine of subarchitecture `subarch`: it is the resource's own
    /// subarchitecture or one it lists in `subarches`.
    public func supports(subarch: String) -> Bool {
        architecture.subarch == subarch || subarches.contains(subarch)
    }

    /// The supported bootloader this resource is, for a bootloader resource.
    public var supportedBootloader: SupportedBootloader? {
        guard let bootloaderType else { return nil }
        return SupportedBootloader.matching(os: os, type: bootloaderType, arch: architecture.arch)
    }
}
