/// A version of a boot resource (MAAS's boot resource set): its stream version name and files.
public struct BootResourceVersion: Hashable, Sendable, CustomStringConvertible {
    /// The stream version name: `20250718`, `20231004.0`, `20240514_01`.
    public let name: String
    /// The files, in the stream's item order.
    public let files: [BootResourceFile]
    /// Whether the files make a complete version, and what is missing.
    public let completeness: Completeness

    /// A version of a resource of `family`.
    public init(name: String, files: [BootResourceFile], family: BootResourceFamily) {
        self.name = name
        self.files = files
        self.completeness = Completeness(family: family, files: files)
    }

    /// The first file of `type`, or `nil`.
    public func file(ofType type: BootFileType) -> BootResourceFile? { files.first { $0.fileType == type } }

    /// The file of the item `name`, or `nil`.
    public func file(named name: String) -> BootResourceFile? { files.first { $0.itemName == name } }

    /// The root file a boot uses: `squashfs`, else `root-image.gz`.
    public var bootRoot: BootResourceFile? { file(ofType: .squashfs) ?? file(ofType: .rootImageGZ) }

    /// The total size of the files.
    public var totalSize: Int64 {
        files.reduce(into: Int64(0)) { total, file in
            total = total.addingReportingOverflow(file.size).overflow ? Int64.max : total + file.size
        }
    }

    public var description: String { "\(name) (\(completeness))" }
}
