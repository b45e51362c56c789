/// A file of a boot resource version: a stream item, with the size and digest that verify it.
public struct BootResourceFile: Hashable, Sendable, CustomStringConvertible {
    /// The item's name in the version (`boot-kernel`, `squashfs`, `shim-signed`).
    public let itemName: String
    /// The item's `ftype`.
    public let fileType: BootFileType
    /// The item's path under the mirror root (`jammy/amd64/20250718/squashfs`), already checked by `SimpleStreams`.
    public let path: String
    /// The size in bytes the stream declares.
    public let size: Int64
    /// The SHA-256 the stream declares, lowercase hexadecimal.
    public let sha256: String
    /// The kernel package (`linux-generic`), for kernels and initrds.
    public let kernelPackage: String?
    /// The source package of a bootloader archive (`shim-signed`).
    public let sourcePackage: String?
    /// The version of that source package.
    public let sourceVersion: String?
    /// The release that source package comes from (`noble`).
    public let sourceRelease: String?

    /// A file.
    public init(
        itemName: String, fileType: BootFileType, path: String, size: Int64, sha256: String,
        kernelPackage: String? = nil, sourcePackage: String? = nil, sourceVersion: String? = nil,
        sourceRelease: String? = nil
    ) {
        self.itemName = itemName
        self.fileType = fileType
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.kernelPackage = kernelPackage
        self.sourcePackage = sourcePackage
        self.sourceVersion = sourceVersion
        self.sourceRelease = sourceRelease
    }

    /// The name MAAS serves the file under: the last segment of ``path`` (`boot-kernel`, `squashfs`,
    /// `shim-signed.tar.xz`).
    public var filename: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    public var description: String { "\(itemName) (\(fileType), \(size) bytes, \(path))" }
}
