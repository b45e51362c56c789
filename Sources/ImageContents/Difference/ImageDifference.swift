public import SquashFS

/// What changed between two root images (two serials of one product): the packages added, removed and upgraded,
/// from both images' dpkg databases, and the files added, removed and changed, with what changed about each.
///
/// ```swift
/// let old = try SquashFSImage(path: "20250101/squashfs")
/// let new = try SquashFSImage(path: "20250102/squashfs")
/// let difference = try ImageDifference(old: old, new: new)
/// for change in difference.packages.changed {
///     print(change.name, change.oldVersion, "->", change.newVersion)
/// }
/// for file in difference.files.changed {
///     print(file.path, file.changes.map(\.description))
/// }
/// ```
///
/// Both trees are walked together in one pass, in the order squashfs stores them (each directory's names sorted as
/// bytes), so memory follows the depth of the trees and the changes found, not the images' sizes. File contents are
/// compared without decompressing what is provably identical: two data blocks with the same stored size and the same
/// stored (compressed) bytes hold the same data, and so do two tails at the same offset of fragment blocks whose
/// stored bytes are the same. Only blocks whose stored bytes differ are decompressed, and their decoded bytes
/// compared: the same contents stored with another compressor or block size are not a change.
public struct ImageDifference: Sendable, Hashable {
    /// What is compared, and limits on the work done.
    public struct Options: Sendable, Hashable {
        /// Compare the files of the two trees (`true` by default); `false` compares only the packages.
        public var comparesFiles = true
        /// Compare the dpkg databases (`true` by default).
        public var comparesPackages = true
        /// Report a changed modification time as a change (``Change/modificationTime``); off by default, since
        /// every rebuild changes them.
        public var comparesModificationTimes = false
        /// The most file changes (added, removed and changed entries together) recorded: 1,000,000. More is
        /// ``ImageContentsError/Code/limitExceeded``.
        public var maximumFileChanges = 1_000_000
        /// The most bytes read or decoded to compare contents, both images together: 64 GiB (a MAAS root image
        /// holds about 1 GiB). A crafted image can make many files share the same blocks, or claim huge sparse
        /// files; this bounds the work. More is ``ImageContentsError/Code/limitExceeded``.
        public var maximumComparedBytes: UInt64 = 64 << 30
        /// The limits on reading each image's dpkg database.
        public var packageManifest = PackageManifest.Options()

        /// The defaults: files and packages compared, modification times not.
        public init() {}
    }

    /// One kind of change to a file present in both images. New kinds may be added in later versions.
    public struct Change: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The bytes of a regular file differ.
        public static let content = Change("content")
        /// The size of a regular file or the length of a symbolic link's target differs.
        public static let size = Change("size")
        /// The type differs (a file became a directory, a symbolic link, ...); nothing else is compared then.
        public static let type = Change("type")
        /// The permission bits (including set-user-id, set-group-id and sticky) differ.
        public static let mode = Change("mode")
        /// The owner or the group differs.
        public static let owner = Change("owner")
        /// The target of a symbolic link differs.
        public static let linkTarget = Change("link-target")
        /// The extended attributes differ (a name added or removed, or a value changed).
        public static let extendedAttributes = Change("xattrs")
        /// The device number of a block or character device differs.
        public static let device = Change("device")
        /// The modification time differs (compared only with ``Options/comparesModificationTimes``).
        public static let modificationTime = Change("mtime")

        /// A stable name: `content`, `size`, `type`, `mode`, `owner`, `link-target`, `xattrs`, `device`, `mtime`.
        public var description: String { name }
    }

    /// A file present in both images that changed.
    public struct ChangedFile: Hashable, Sendable {
        /// The path, from the image root.
        public var path: ImagePath
        /// What changed, in the order of ``Change``'s list: type, size, content, link target, device, mode, owner,
        /// extended attributes, modification time.
        public var changes: [Change]

        /// Creates a record of a changed file.
        public init(path: ImagePath, changes: [Change]) {
            self.path = path
            self.changes = changes
        }
    }

    /// A file or directory only one of the images has.
    public struct Entry: Hashable, Sendable {
        /// The path, from the image root.
        public var path: ImagePath
        /// Its type.
        public var kind: FileKind

        /// Creates an entry.
        public init(path: ImagePath, kind: FileKind) {
            self.path = path
            self.kind = kind
        }
    }

    /// The differences between the two trees, each list in tree order (a directory before its contents, names sorted
    /// as bytes).
    public struct Files: Hashable, Sendable {
        /// Entries only the new image has (a directory's contents are listed too).
        public var added: [Entry] = []
        /// Entries only the old image has.
        public var removed: [Entry] = []
        /// Entries both images have that differ.
        public var changed: [ChangedFile] = []

        /// Whether the trees are the same.
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    /// A package listed in a dpkg database (as `dpkg-query --show` lists it: every state but `not-installed`).
    public struct Package: Hashable, Sendable {
        /// The package name.
        public var name: String
        /// Its architecture (`amd64`, `all`; empty when the database does not say).
        public var architecture: String
        /// Its version, without a zero epoch.
        public var version: String

        /// Creates a package.
        public init(name: String, architecture: String, version: String) {
            self.name = name
            self.architecture = architecture
            self.version = version
        }
    }

    /// A package both images list, with another version.
    public struct PackageChange: Hashable, Sendable {
        /// The package name.
        public var name: String
        /// Its architecture.
        public var architecture: String
        /// The version in the old image.
        public var oldVersion: String
        /// The version in the new image.
        public var newVersion: String

        /// Creates a package change.
        public init(name: String, architecture: String, oldVersion: String, newVersion: String) {
            self.name = name
            self.architecture = architecture
            self.oldVersion = oldVersion
            self.newVersion = newVersion
        }
    }

    /// The differences between the two dpkg databases, packages keyed by name and architecture, each list sorted by
    /// name then architecture (as bytes).
    public struct Packages: Hashable, Sendable {
        /// Packages only the new image lists.
        public var added: [Package] = []
        /// Packages only the old image lists.
        public var removed: [Package] = []
        /// Packages both list, with different versions.
        public var changed: [PackageChange] = []

        /// Whether the databases list the same packages at the same versions.
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    /// The package differences (empty when packages were not compared).
    public var packages = Packages()
    /// The file differences (empty when files were not compared).
    public var files = Files()

    /// Whether nothing compared differs.
    public var isEmpty: Bool { packages.isEmpty && files.isEmpty }

    /// Compares two images.
    ///
    /// An image without a dpkg database (`var/lib/dpkg/status`) lists no packages, so every package of the other
    /// image is added or removed.
    ///
    /// - Parameters:
    ///   - old: the earlier image.
    ///   - new: the later image.
    ///   - options: what to compare, and the limits.
    /// - Throws: ``ImageContentsError``: ``ImageContentsError/Code/image`` when reading either image fails (a
    ///   corrupt image, a decompression failure), ``ImageContentsError/Code/limitExceeded`` when a limit of
    ///   `options` is reached, ``ImageContentsError/Code/corrupt`` for a dpkg database line that cannot be kept,
    ///   ``ImageContentsError/Code/cancelled`` when the task is cancelled.
    public init(old: SquashFSImage, new: SquashFSImage, options: Options = Options()) throws(ImageContentsError) {
        if options.comparesPackages {
            packages = Self.comparePackages(
                old: try InstalledPackages(of: old, options: options.packageManifest),
                new: try InstalledPackages(of: new, options: options.packageManifest))
        }
        if options.comparesFiles {
            var comparison = TreeComparison(old: old, new: new, options: options)
            files = try comparison.run()
        }
    }

    private static func comparePackages(old: InstalledPackages, new: InstalledPackages) -> Packages {
        var result = Packages()
        var oldIndex = 0
        var newIndex = 0
        let (before, after) = (old.packages, new.packages)
        while oldIndex < before.count || newIndex < after.count {
            let order: Int
            if oldIndex == before.count {
                order = 1
            } else if newIndex == after.count {
                order = -1
            } else {
                order = InstalledPackages.compare(before[oldIndex], after[newIndex])
            }
            if order < 0 {
                result.removed.append(before[oldIndex])
                oldIndex += 1
            } else if order > 0 {
                result.added.append(after[newIndex])
                newIndex += 1
            } else {
                let (was, now) = (before[oldIndex], after[newIndex])
                if was.version != now.version {
                    result.changed.append(
                        PackageChange(
                            name: now.name, architecture: now.architecture, oldVersion: was.version,
                            newVersion: now.version))
                }
                oldIndex += 1
                newIndex += 1
            }
        }
        return result
    }
}
