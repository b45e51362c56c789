/// What a file is, found from its bytes rather than its name.
///
/// ```swift
/// let found = try ContentIdentification(contentsOf: "/srv/boot/boot-kernel")
/// found.kind          // .linuxKernel
/// found.architecture  // "amd64"
/// found.summary       // "Linux kernel x86 bzImage 6.1.0-18-amd64, boot protocol 2.15, EFI stub (amd64)"
/// found.isConsistent(with: .bootKernel)  // true
/// ```
///
/// A truncated or unrecognised file is a result too (kind ``ContentKind/unknown``, or a `truncated` detail), never
/// an error.
public struct ContentIdentification: Sendable, Hashable {
    /// What the file is.
    public var kind: ContentKind
    /// The outer compression, if the file is compressed; ``kind`` then describes the decompressed content.
    public var compression: Compression?
    /// The Debian/MAAS architecture the content is for (`amd64`, `i386`, `arm64`, `armhf`, `ppc64el`, `ppc64`,
    /// `s390x`, `riscv64`), when the format says.
    public var architecture: String?
    /// Facts found on the way, in order, each name at most once: a kernel's version and boot protocol, a PE
    /// binary's machine and subsystem, a cpio archive's member count, a squashfs compressor and block size,
    /// `truncated` when the file ends before its headers say it should, ...
    public var details: [ContentDetail]
    /// One human-readable line, such as `Linux kernel x86 bzImage 6.1.0-18-amd64, boot protocol 2.15, EFI stub
    /// (amd64)`.
    public var summary: String

    /// Creates a result.
    public init(
        kind: ContentKind, compression: Compression? = nil, architecture: String? = nil,
        details: [ContentDetail] = [], summary: String
    ) {
        self.kind = kind
        self.compression = compression
        self.architecture = architecture
        self.details = details
        self.summary = summary
    }

    /// The value of the detail named `name`, or `nil`.
    public func detail(_ name: String) -> String? {
        details.first { $0.name == name }?.value
    }

    /// Whether the content says the file is cut short.
    public var isTruncated: Bool { detail(ContentDetail.truncated) != nil }

    /// Adds a detail, replacing an earlier one of the same name.
    mutating func set(_ name: String, _ value: String) {
        if let index = details.firstIndex(where: { $0.name == name }) {
            details[index].value = value
        } else {
            details.append(ContentDetail(name: name, value: value))
        }
    }
}

/// The kinds of content ``ContentIdentification`` recognises.
public enum ContentKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A Linux kernel image: x86 bzImage, arm64 or riscv64 `Image`, EFI zboot, armhf zImage.
    case linuxKernel
    /// A PE/COFF executable that is not a Linux kernel: an EFI application or driver (`bootx64.efi`,
    /// `grubx64.efi`, shim).
    case peExecutable
    /// An ELF file (`bootppc64.bin`, a ppc64el or s390x `vmlinux`, a program).
    case elfExecutable
    /// An initial ramdisk: one or more cpio archives, possibly compressed, possibly after an uncompressed
    /// early-microcode archive.
    case initrd
    /// A SquashFS image.
    case squashfs
    /// A flattened device-tree blob (`.dtb`).
    case deviceTree
    /// A tar archive (ustar, GNU or v7).
    case tarArchive
    /// An ext2/3/4 file system image.
    case filesystemImage
    /// A partitioned disk image (MBR or GPT).
    case diskImage
    /// A package manifest: `name<TAB>version` lines, as `dpkg-query -W` writes them.
    case packageManifest
    /// Compressed data whose content is not recognised or cannot be inspected (bzip2, a corrupt stream).
    case compressedData
    /// Nothing recognised.
    case unknown

    /// The case name, as in the raw value.
    public var description: String { rawValue }
}

/// One named fact about a file's content (`version`: `6.1.0-18-amd64`).
public struct ContentDetail: Sendable, Hashable, CustomStringConvertible {
    /// The fact's name, lower-case words joined by hyphens (`boot-protocol`, `block-size`).
    public var name: String
    /// Its value as text.
    public var value: String

    /// Creates a detail.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `name=value`.
    public var description: String { "\(name)=\(value)" }

    /// The name of the detail that marks a file cut short; its value says where.
    public static let truncated = "truncated"
}
