extension ContentIdentification {
    /// Whether the content fits a file of `type`.
    ///
    /// - `boot-kernel`, `di-kernel`: a Linux kernel (compressed or not), or an ELF file for `ppc64el`, `ppc64` or
    ///   `s390x` (a `vmlinux`).
    /// - `boot-initrd`, `di-initrd`: an initrd (cpio archives, compressed or not, with or without an
    ///   early-microcode prefix).
    /// - `squashfs`: an uncompressed SquashFS image. `boot-dtb`, `di-dtb`: a device-tree blob.
    /// - `root-tgz`, `root-txz`, `archive.tar.xz`: a tar archive compressed with gzip or xz; `root-tbz`: bzip2
    ///   data (bzip2 is not looked inside).
    /// - `root-image.gz`: a gzip-compressed ext2/3/4 file system image.
    /// - `root-dd.raw`, `root-dd.gz`, `root-dd.xz`: a disk or file system image, uncompressed or compressed as the
    ///   type says; `root-dd.bz2` bzip2 data. `root-dd` (a `.tar.gz`), `root-dd.tar`, `root-dd.tar.xz`: a tar
    ///   archive in that compression whose first member is a disk or file system image;
    ///   `root-dd.tar.bz2` bzip2 data.
    /// - `manifest`: a package manifest.
    /// - Any other type (`self-extracting`, `notifications`, types this version does not know): `false`.
    public func isConsistent(with type: BootFileType) -> Bool {
        switch type {
        case .bootKernel, .diKernel:
            if kind == .linuxKernel { return true }
            return kind == .elfExecutable && compression == nil
                && ["ppc64el", "ppc64", "s390x"].contains(architecture ?? "")
        case .bootInitrd, .diInitrd:
            return kind == .initrd
        case .squashfs:
            return kind == .squashfs && compression == nil
        case .bootDTB, .diDTB:
            return kind == .deviceTree && compression == nil
        case .rootTGZ:
            return kind == .tarArchive && compression == .gzip
        case .rootTXZ, .archiveTarXZ:
            return kind == .tarArchive && compression == .xz
        case .rootTBZ, .rootDDBZ2, .rootDDTarBZ2:
            return compression == .bzip2
        case .rootImageGZ:
            return kind == .filesystemImage && compression == .gzip
        case .rootDDRaw:
            return isImage && compression == nil
        case .rootDDGZ:
            return isImage && compression == .gzip
        case .rootDDXZ:
            return isImage && compression == .xz
        case .rootDD:
            return isImageTarball && compression == .gzip
        case .rootDDTar:
            return isImageTarball && compression == nil
        case .rootDDTarXZ:
            return isImageTarball && compression == .xz
        case .manifest:
            return kind == .packageManifest
        default:
            return false
        }
    }

    private var isImage: Bool { kind == .diskImage || kind == .filesystemImage }

    private var isImageTarball: Bool {
        guard kind == .tarArchive, let content = detail("first-member-content") else { return false }
        return content == ContentKind.diskImage.rawValue || content == ContentKind.filesystemImage.rawValue
    }
}
