/// How curtin installs a root image: the key MAAS gives it in the `sources` of the curtin configuration
/// (`tgz:http://…/root-tgz`, `dd-xz:http://…/root-dd.xz`).
///
/// The values are the ones curtin accepts (`curtin/util.py sanitize_source`), plus `squashfs` (which MAAS passes as
/// `cp:///media/root-ro`, the squashfs the ephemeral environment already mounted) and `self-extracting` (ONIE
/// installers, which MAAS runs instead of curtin).
public enum CurtinSourceType: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// A gzip-compressed root tarball.
    case tgz
    /// A bzip2-compressed root tarball.
    case tbz
    /// An xz-compressed root tarball.
    case txz
    /// A disk image in a gzip-compressed tarball.
    case ddTGZ = "dd-tgz"
    /// A disk image in an uncompressed tarball.
    case ddTar = "dd-tar"
    /// A raw disk image.
    case ddRaw = "dd-raw"
    /// A bzip2-compressed disk image.
    case ddBZ2 = "dd-bz2"
    /// A gzip-compressed disk image.
    case ddGZ = "dd-gz"
    /// An xz-compressed disk image.
    case ddXZ = "dd-xz"
    /// A disk image in a bzip2-compressed tarball.
    case ddTBZ = "dd-tbz"
    /// A disk image in an xz-compressed tarball.
    case ddTXZ = "dd-txz"
    /// A SquashFS root, copied from the ephemeral environment's mount.
    case squashfs
    /// A self-extracting installer.
    case selfExtracting = "self-extracting"

    public var description: String { rawValue }

    /// Whether curtin writes the image to a disk block by block (the `dd-*` types).
    public var writesDiskImage: Bool { rawValue.hasPrefix("dd-") }
}
