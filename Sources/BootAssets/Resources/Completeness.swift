internal import SimpleStreams

/// Whether a boot resource version has the files it needs, by MAAS's rules, and what is missing.
///
/// Three questions, answered separately because MAAS asks them in different places:
///
/// - **Complete** (``isComplete``): the stream-level rule MAAS checks before it imports a version
///   (`maasservicelayer/simplestreams/models.py`). An Ubuntu version needs `boot-kernel`, `boot-initrd`, `manifest`
///   and one of `squashfs` or `root-image.gz`; a single-file version (CentOS) needs `manifest` and `root-tgz`; a
///   bootloader version needs at least one of the archives `grub2-signed`, `shim-signed`, `grub2`, `syslinux`.
/// - **Usable** (``isUsable``, MAAS's "commissionable"): the version can boot a machine: `boot-kernel`,
///   `boot-initrd`, and `squashfs` or `root-image.gz`.
/// - **Installable** (``isXInstallable``): the version has a file curtin can install from (MAAS's
///   `XINSTALL_TYPES`: `squashfs`, `root-image.gz`, `root-tgz`, `root-tbz`, `root-txz`, `root-dd`).
public struct Completeness: Hashable, Sendable, CustomStringConvertible {
    /// Something a version must have.
    public enum Requirement: Hashable, Sendable, CustomStringConvertible {
        /// A file of this type.
        case fileType(BootFileType)
        /// A file of at least one of these types.
        case anyFileType([BootFileType])
        /// An item with at least one of these names.
        case anyItem([String])

        public var description: String {
            switch self {
            case .fileType(let type): type.rawValue
            case .anyFileType(let types): "one of " + types.map(\.rawValue).joined(separator: ", ")
            case .anyItem(let names): "one of the items " + names.joined(separator: ", ")
            }
        }

        func isMet(types: Set<BootFileType>, items: Set<BytewiseString>) -> Bool {
            switch self {
            case .fileType(let type): types.contains(type)
            case .anyFileType(let wanted): wanted.contains { types.contains($0) }
            case .anyItem(let names): names.contains { items.contains(BytewiseString($0)) }
            }
        }
    }

    /// The family whose rule applies.
    public let family: BootResourceFamily
    /// The file types the version has.
    public let fileTypes: Set<BootFileType>
    /// What the family's rule requires and the version lacks, in rule order; empty when complete.
    public let missing: [Requirement]

    /// Checks the files of a version against the rule of `family`.
    public init(family: BootResourceFamily, files: [BootResourceFile]) {
        self.family = family
        let types = Set(files.map(\.fileType))
        let items = Set(files.map { BytewiseString($0.itemName) })
        fileTypes = types
        missing = Self.requirements(of: family).filter { !$0.isMet(types: types, items: items) }
    }

    /// What a version of `family` must have to be imported.
    public static func requirements(of family: BootResourceFamily) -> [Requirement] {
        switch family {
        case .ubuntu:
            [.fileType(.bootKernel), .fileType(.bootInitrd), .fileType(.manifest), bootRoot]
        case .singleFile:
            [.fileType(.manifest), .fileType(.rootTGZ)]
        case .bootloader:
            [.anyItem(SupportedBootloader.archiveItemNames)]
        }
    }

    /// Whether the version has everything its family's rule requires.
    public var isComplete: Bool { missing.isEmpty }

    /// Whether the version can boot a machine: a kernel, an initrd and a root (`squashfs` or `root-image.gz`).
    public var isUsable: Bool { missingForBoot.isEmpty }

    /// What a boot needs and the version lacks (kernel, initrd, root), empty when usable.
    public var missingForBoot: [Requirement] {
        Self.bootRequirements.filter { !$0.isMet(types: fileTypes, items: []) }
    }

    /// Whether curtin can install from the version (it has one of MAAS's `XINSTALL_TYPES`).
    public var isXInstallable: Bool { fileTypes.contains { $0.isXInstallable } }

    /// `complete`, or `missing boot-initrd, one of squashfs, root-image.gz`.
    public var description: String {
        isComplete ? "complete" : "missing " + missing.map(\.description).joined(separator: "; ")
    }

    static let bootRoot = Requirement.anyFileType([.squashfs, .rootImageGZ])
    static let bootRequirements: [Requirement] = [.fileType(.bootKernel), .fileType(.bootInitrd), bootRoot]
}
