/// The type of a boot resource file: the `ftype` of a stream item, or the type of a file MAAS stores.
///
/// Every type MAAS knows (`BootResourceFileType`) has a constant, and so do the types that appear only in streams
/// (`manifest`, the `di-*` debian-installer files, `notifications`). Any other string is kept as it is, not
/// rejected: ``isKnown`` tells the two apart, and a catalogue carrying a type this version does not know still
/// reads.
///
/// ```swift
/// let type = BootFileType(rawValue: "root-dd.xz")
/// type.isDiskImage           // true
/// type.curtinSourceType      // .ddXZ, "dd-xz"
/// type.isAccepted(forDeploymentOf: "esxi")  // true
/// ```
public struct BootFileType: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The string, exactly as the stream or MAAS writes it (`boot-kernel`, `root-dd.tar.xz`).
    public let rawValue: String

    /// A type from its string; unknown strings are kept.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: BootFileType, rhs: BootFileType) -> Bool { lhs.rawValue < rhs.rawValue }

    // MARK: - Root file systems as archives

    /// `root-tgz`: the root file system as a gzip-compressed tarball (CentOS and RHEL bases, uploads).
    public static let rootTGZ: BootFileType = "root-tgz"
    /// `root-tbz`: the root file system as a bzip2-compressed tarball (uploads).
    public static let rootTBZ: BootFileType = "root-tbz"
    /// `root-txz`: the root file system as an xz-compressed tarball (uploads).
    public static let rootTXZ: BootFileType = "root-txz"

    // MARK: - Disk images

    /// `root-dd`: a disk image in a gzip-compressed tarball (`ddtgz` uploads). MAAS's `ROOT_DD` and its legacy
    /// `ROOT_DDTGZ` share this string.
    public static let rootDD: BootFileType = "root-dd"
    /// `root-dd.tar`: a disk image in an uncompressed tarball.
    public static let rootDDTar: BootFileType = "root-dd.tar"
    /// `root-dd.raw`: a raw disk image.
    public static let rootDDRaw: BootFileType = "root-dd.raw"
    /// `root-dd.bz2`: a bzip2-compressed disk image.
    public static let rootDDBZ2: BootFileType = "root-dd.bz2"
    /// `root-dd.gz`: a gzip-compressed disk image (ESXi and other packer-maas images).
    public static let rootDDGZ: BootFileType = "root-dd.gz"
    /// `root-dd.xz`: an xz-compressed disk image (Windows, Ubuntu Core).
    public static let rootDDXZ: BootFileType = "root-dd.xz"
    /// `root-dd.tar.bz2`: a disk image in a bzip2-compressed tarball.
    public static let rootDDTarBZ2: BootFileType = "root-dd.tar.bz2"
    /// `root-dd.tar.xz`: a disk image in an xz-compressed tarball.
    public static let rootDDTarXZ: BootFileType = "root-dd.tar.xz"
    /// `self-extracting`: a self-extracting installer (ONIE network operating system installers).
    public static let selfExtracting: BootFileType = "self-extracting"

    // MARK: - Synced from streams

    /// `root-image.gz`: a gzip-compressed ext4 root image (older Ubuntu streams, before squashfs).
    public static let rootImageGZ: BootFileType = "root-image.gz"
    /// `squashfs`: the SquashFS root of an Ubuntu image, used by ephemeral boots and deployments.
    public static let squashfs: BootFileType = "squashfs"
    /// `boot-kernel`: the Linux kernel a machine boots.
    public static let bootKernel: BootFileType = "boot-kernel"
    /// `boot-initrd`: the initial ramdisk booted with the kernel.
    public static let bootInitrd: BootFileType = "boot-initrd"
    /// `boot-dtb`: a device-tree blob (only used for the `xgene-uboot-mustang` platform).
    public static let bootDTB: BootFileType = "boot-dtb"
    /// `archive.tar.xz`: a bootloader archive whose files are extracted and served.
    public static let archiveTarXZ: BootFileType = "archive.tar.xz"

    // MARK: - Stream-only types (MAAS never downloads them)

    /// `manifest`: the package list of a root image (`squashfs.manifest`, `root-tgz.manifest`).
    public static let manifest: BootFileType = "manifest"
    /// `di-kernel`: a debian-installer kernel (v2 streams).
    public static let diKernel: BootFileType = "di-kernel"
    /// `di-initrd`: a debian-installer initrd (v2 streams).
    public static let diInitrd: BootFileType = "di-initrd"
    /// `di-dtb`: a debian-installer device tree (v2 streams).
    public static let diDTB: BootFileType = "di-dtb"
    /// `notifications`: release notifications published in the stream.
    public static let notifications: BootFileType = "notifications"

    /// The types MAAS's `BootResourceFileType` knows, in its order (one `root-dd`).
    public static let maasTypes: [BootFileType] = [
        .rootTGZ, .rootTBZ, .rootTXZ, .rootDD, .rootDDTar, .rootDDRaw, .rootDDBZ2, .rootDDGZ, .rootDDXZ,
        .rootDDTarBZ2, .rootDDTarXZ, .selfExtracting, .rootImageGZ, .squashfs, .bootKernel, .bootInitrd, .bootDTB,
        .archiveTarXZ,
    ]

    /// The types that appear in streams but MAAS never downloads.
    public static let streamOnlyTypes: [BootFileType] = [.manifest, .diKernel, .diInitrd, .diDTB, .notifications]

    /// The root archive types (tarballs of a file system).
    public static let rootArchiveTypes: [BootFileType] = [.rootTGZ, .rootTBZ, .rootTXZ]

    /// The disk image types, `root-dd` first.
    public static let diskImageTypes: [BootFileType] = [
        .rootDD, .rootDDTar, .rootDDRaw, .rootDDBZ2, .rootDDGZ, .rootDDXZ, .rootDDTarBZ2, .rootDDTarXZ,
    ]

    /// The types that make a set installable by curtin in MAAS's sense (`XINSTALL_TYPES`): `squashfs`,
    /// `root-image.gz`, the root archives and `root-dd`. MAAS lists only `root-dd`, not the other `root-dd.*` types;
    /// this keeps its rule.
    public static let xinstallTypes: [BootFileType] = [.squashfs, .rootImageGZ, .rootTGZ, .rootTBZ, .rootTXZ, .rootDD]

    /// Whether MAAS's `BootResourceFileType` has this type.
    public var isKnownToMAAS: Bool { Self.maasTypes.contains(self) }

    /// Whether this type appears only in streams (`manifest`, `di-*`, `notifications`).
    public var isStreamOnly: Bool { Self.streamOnlyTypes.contains(self) }

    /// Whether this version of the package knows the type (MAAS's or stream-only).
    public var isKnown: Bool { isKnownToMAAS || isStreamOnly }

    /// Whether a machine's installed system comes from a file of this type: a root archive, a disk image,
    /// `squashfs`, `root-image.gz` or a self-extracting installer.
    public var isRootImage: Bool {
        isRootArchive || isDiskImage || self == .squashfs || self == .rootImageGZ || self == .selfExtracting
    }

    /// Whether this is a tarball of a root file system (`root-tgz`, `root-tbz`, `root-txz`).
    public var isRootArchive: Bool { Self.rootArchiveTypes.contains(self) }

    /// Whether this is a disk image (`root-dd` and its `.tar`, `.raw`, `.bz2`, `.gz`, `.xz`, `.tar.bz2`, `.tar.xz`
    /// forms).
    public var isDiskImage: Bool { Self.diskImageTypes.contains(self) }

    /// Whether a set holding a file of this type is installable (MAAS's `XINSTALL_TYPES`).
    public var isXInstallable: Bool { Self.xinstallTypes.contains(self) }

    /// Whether MAAS only syncs this type from streams (it cannot be uploaded).
    public var isSyncOnly: Bool {
        self == .rootImageGZ || self == .squashfs || self == .bootKernel || self == .bootInitrd || self == .bootDTB
            || self == .archiveTarXZ
    }

    /// Whether MAAS accepts an upload of this type (the root archives, the disk images, `self-extracting`).
    public var isUploadable: Bool { isRootArchive || isDiskImage || self == .selfExtracting }

    /// The `filetype=` an upload of this type is made with (`tgz`, `ddtgz`, `ddxz`, ...), or `nil` when it cannot
    /// be uploaded.
    public var uploadFileType: String? {
        switch self {
        case .rootTGZ: "tgz"
        case .rootTBZ: "tbz"
        case .rootTXZ: "txz"
        case .rootDD: "ddtgz"
        case .rootDDTar: "ddtar"
        case .rootDDRaw: "ddraw"
        case .rootDDTarBZ2: "ddtbz"
        case .rootDDTarXZ: "ddtxz"
        case .rootDDBZ2: "ddbz2"
        case .rootDDGZ: "ddgz"
        case .rootDDXZ: "ddxz"
        case .selfExtracting: "self-extracting"
        default: nil
        }
    }

    /// The name MAAS stores an uploaded file under (`root.tgz`, `root-dd.xz`), or `nil` when it cannot be uploaded.
    public var uploadedFilename: String? {
        switch self {
        case .rootTGZ: "root.tgz"
        case .rootTBZ: "root.tbz"
        case .rootTXZ: "root.txz"
        default: isUploadable ? rawValue : nil
        }
    }

    /// The source type curtin installs a file of this type with (`tgz`, `dd-xz`, `squashfs`), or `nil` when curtin
    /// does not install it (kernels, initrds, bootloaders, manifests, `root-image.gz`).
    public var curtinSourceType: CurtinSourceType? {
        switch self {
        case .squashfs: .squashfs
        case .rootTGZ: .tgz
        case .rootTBZ: .tbz
        case .rootTXZ: .txz
        case .rootDD: .ddTGZ
        case .rootDDTar: .ddTar
        case .rootDDRaw: .ddRaw
        case .rootDDBZ2: .ddBZ2
        case .rootDDGZ: .ddGZ
        case .rootDDXZ: .ddXZ
        case .rootDDTarBZ2: .ddTBZ
        case .rootDDTarXZ: .ddTXZ
        case .selfExtracting: .selfExtracting
        default: nil
        }
    }

    /// MAAS's label for the type (`Root Image (tar.gz)`, `Linux ISCSI Kernel`), or the string itself for types
    /// MAAS does not label.
    public var displayName: String {
        switch self {
        case .rootTGZ: "Root Image (tar.gz)"
        case .rootTBZ: "Root Image (tar.bz2)"
        case .rootTXZ: "Root image (tar.xz)"
        case .rootDD: "Root Compressed DD (dd -> tar.gz)"
        case .rootDDTar: "Root Tarfile with DD (dd -> root-dd.tar)"
        case .rootDDRaw: "Raw root DD image(dd -> root-dd.raw)"
        case .rootDDBZ2: "Root Compressed DD (root-dd.bz2)"
        case .rootDDGZ: "Root Compressed DD (root-dd.gz)"
        case .rootDDXZ: "Root Compressed DD (root-dd.xz)"
        case .rootDDTarBZ2: "Root Compressed DD (dd -> root-dd.tar.bz2)"
        case .rootDDTarXZ: "Root Compressed DD (dd -> root-dd.tar.xz)"
        case .rootImageGZ: "Compressed Root Image"
        case .squashfs: "SquashFS Root Image"
        case .bootKernel: "Linux ISCSI Kernel"
        case .bootInitrd: "Initial ISCSI Ramdisk"
        case .bootDTB: "ISCSI Device Tree Blob"
        case .archiveTarXZ: "Archives.tar.xz set of files"
        default: rawValue
        }
    }
}
