internal import SimpleStreams

/// Everything a machine needs to boot and install, chosen from a catalogue: the bootloader files, the kernel,
/// initrd and root of the ephemeral Ubuntu environment, and the image curtin installs.
public struct BootSet: Hashable, Sendable {
    /// What was asked for.
    public let request: BootSetRequest
    /// The Ubuntu resource whose kernel boots the machine.
    public let resource: BootResource
    /// Its version used: the latest complete one.
    public let version: BootResourceVersion
    /// The kernel (`boot-kernel`).
    public let kernel: BootResourceFile
    /// The initial ramdisk (`boot-initrd`).
    public let initrd: BootResourceFile
    /// The root of the ephemeral environment: `squashfs`, or `root-image.gz` in old streams.
    public let root: BootResourceFile
    /// The device tree, given only to the `xgene-uboot-mustang` platform (as MAAS does).
    public let deviceTree: BootResourceFile?
    /// The image installed on the machine's disk.
    public let deployment: DeploymentImage
    /// How the machine boots, when a firmware was given.
    public let bootMethod: BootMethod?
    /// The bootloader resource and the files it serves, when the boot method needs a downloaded bootloader.
    public let bootloader: BootloaderSelection?

    /// Every file to download, each once: bootloader archives, kernel, initrd, root, device tree, deployment image.
    public var files: [BootResourceFile] {
        var seen = Set<BytewiseString>()
        let all =
            (bootloader?.archives ?? []) + [kernel, initrd, root] + (deviceTree.map { [$0] } ?? [])
            + [deployment.file]
        return all.filter { seen.insert(BytewiseString($0.path)).inserted }
    }

    /// The kernel, initrd, root and device tree with the paths MAAS serves them under in `layout`.
    public func servedImages(_ paths: ServingPaths, layout: ServingLayout) -> [ServedImage] {
        ([kernel, initrd, root] + (deviceTree.map { [$0] } ?? [])).map {
            ServedImage(file: $0, path: paths.path(of: $0, in: resource, layout: layout))
        }
    }
}

/// One file of the ephemeral environment (kernel, initrd, root, device tree) with the path MAAS serves it under.
public struct ServedImage: Hashable, Sendable {
    /// The stream file.
    public let file: BootResourceFile
    /// Where MAAS serves it from, relative to `http://RACK:5248/images/`.
    public let path: String
}

/// The image curtin installs on a machine's disk.
public struct DeploymentImage: Hashable, Sendable {
    /// The resource it comes from (the same as the boot resource for Ubuntu).
    public let resource: BootResource
    /// Its version used: the latest complete one.
    public let version: BootResourceVersion
    /// The file.
    public let file: BootResourceFile

    /// How curtin installs it (`squashfs`, `tgz`, `dd-xz`).
    public var curtinSourceType: CurtinSourceType? { file.fileType.curtinSourceType }
}

/// The bootloader files a boot method fetches, from the bootloader resource that provides them.
public struct BootloaderSelection: Hashable, Sendable {
    /// The bootloader resource (`grub-efi-signed/uefi amd64/generic`).
    public let resource: BootResource
    /// Its version used: the latest complete one.
    public let version: BootResourceVersion
    /// The files the machine fetches, in the boot method's order.
    public let files: [ServedBootloaderFile]

    /// The archives the files come from, each once.
    public var archives: [BootResourceFile] {
        var seen = Set<BytewiseString>()
        return files.map(\.archive).filter { seen.insert(BytewiseString($0.itemName)).inserted }
    }
}

/// One bootloader file as served: the name, the path, and the archive it is extracted from.
public struct ServedBootloaderFile: Hashable, Sendable {
    /// The name the machine asks for: `bootx64.efi`.
    public let servedName: String
    /// Where MAAS serves it from: `bootloaders/uefi/amd64/bootx64.efi`.
    public let servingPath: String
    /// What the file is and where the producer took it from.
    public let file: BootloaderFile
    /// The stream item (archive) that holds it.
    public let archive: BootResourceFile
}
