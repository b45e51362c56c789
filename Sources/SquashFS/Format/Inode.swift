/// Where an inode lives: the byte offset of its metadata block inside the inode table, shifted left 16 bits, OR'ed
/// with its offset inside the decompressed block.
public struct InodeReference: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The raw 48+16-bit value.
    public var rawValue: UInt64

    /// Creates a reference from its raw value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    init(block: UInt32, offset: UInt16) { rawValue = UInt64(block) << 16 | UInt64(offset) }

    /// The metadata block's byte offset from the start of the inode table.
    public var block: UInt64 { rawValue >> 16 }
    /// The offset inside the decompressed block.
    public var offset: Int { Int(rawValue & 0xFFFF) }

    public var description: String { "inode \(block):\(offset)" }

    public static func < (lhs: InodeReference, rhs: InodeReference) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The type of a file in an image.
public enum FileKind: Sendable, Hashable, CustomStringConvertible {
    case directory, regularFile, symbolicLink, blockDevice, characterDevice, fifo, socket

    /// From the on-disk inode type (basic 1-7 or extended 8-14).
    init?(inodeType: UInt16) {
        switch inodeType {
        case 1, 8: self = .directory
        case 2, 9: self = .regularFile
        case 3, 10: self = .symbolicLink
        case 4, 11: self = .blockDevice
        case 5, 12: self = .characterDevice
        case 6, 13: self = .fifo
        case 7, 14: self = .socket
        default: return nil
        }
    }

    /// The basic on-disk inode type (1 directory ... 7 socket), which directory entries record.
    public var basicInodeType: UInt16 {
        switch self {
        case .directory: 1
        case .regularFile: 2
        case .symbolicLink: 3
        case .blockDevice: 4
        case .characterDevice: 5
        case .fifo: 6
        case .socket: 7
        }
    }

    /// The `S_IFMT` bits of `st_mode`.
    public var modeBits: UInt32 {
        switch self {
        case .directory: 0o040000
        case .regularFile: 0o100000
        case .symbolicLink: 0o120000
        case .blockDevice: 0o060000
        case .characterDevice: 0o020000
        case .fifo: 0o010000
        case .socket: 0o140000
        }
    }

    /// The character `ls -l` shows for this type.
    public var typeCharacter: Character {
        switch self {
        case .directory: "d"
        case .regularFile: "-"
        case .symbolicLink: "l"
        case .blockDevice: "b"
        case .characterDevice: "c"
        case .fifo: "p"
        case .socket: "s"
        }
    }

    public var description: String {
        switch self {
        case .directory: "directory"
        case .regularFile: "file"
        case .symbolicLink: "symlink"
        case .blockDevice: "block device"
        case .characterDevice: "character device"
        case .fifo: "fifo"
        case .socket: "socket"
        }
    }
}

/// A device number, decoded as Linux's `new_encode_dev` stores it.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    /// The 32-bit value stored in the inode.
    public var rawValue: UInt32
    /// The major number.
    public var major: UInt32 { (rawValue & 0xFFF00) >> 8 }
    /// The minor number.
    public var minor: UInt32 { (rawValue & 0xFF) | ((rawValue >> 12) & 0xFFF00) }

    /// Creates a value from the on-disk encoding.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public var description: String { "\(major),\(minor)" }
}

/// The metadata of one file, directory, link or node in an image.
public struct Inode: Hashable, Sendable {
    /// Where the inode is stored; the identity of the file inside the image (hard links share it).
    public var reference: InodeReference
    /// The file type.
    public var kind: FileKind
    /// Whether the inode uses the extended on-disk form.
    public var isExtended: Bool
    /// The inode number, 1 through the superblock's inode count.
    public var number: UInt32
    /// The 12 permission bits, including set-user-id, set-group-id and sticky.
    public var permissions: UInt16
    /// The owner's user id.
    public var uid: UInt32
    /// The owner's group id.
    public var gid: UInt32
    /// The modification time in seconds since 1970.
    public var modificationTime: UInt32
    /// The number of hard links (for a directory: 2 + its subdirectories).
    public var linkCount: UInt32
    /// The file size in bytes; for a symbolic link the target's length; for a directory the size the inode records
    /// (the listing's length plus 3, as `unsquashfs -ll` shows it).
    public var size: UInt64
    /// The target of a symbolic link, as stored.
    public var symlinkTarget: [UInt8]?
    /// The device number of a block or character device.
    public var device: DeviceNumber?
    /// The index into the extended attribute table, if the inode has extended attributes.
    public var xattrIndex: UInt32?

    /// The `st_mode` value: type bits and permission bits.
    public var mode: UInt32 { kind.modeBits | UInt32(permissions) }

    /// Where a regular file's data or a directory's listing is (one enum keeps the value small to copy).
    var layout = DataLayout.none

    /// The layout of a regular file's data.
    var file: FileLayout? {
        get { if case .file(let layout) = layout { layout } else { nil } }
        set { layout = newValue.map(DataLayout.file) ?? .none }
    }

    /// The layout of a directory's listing.
    var directory: DirectoryLayout? {
        get { if case .directory(let layout) = layout { layout } else { nil } }
        set { layout = newValue.map(DataLayout.directory) ?? .none }
    }

    /// The permissions as `ls -l` shows them, e.g. `-rwsr-xr-x`.
    public var modeString: String {
        var result = String(kind.typeCharacter)
        let bits = permissions
        func triplet(_ shift: UInt16, special: Bool, set: Character, unset: Character) {
            result.append(bits >> (shift + 2) & 1 == 1 ? "r" : "-")
            result.append(bits >> (shift + 1) & 1 == 1 ? "w" : "-")
            let execute = bits >> shift & 1 == 1
            result.append(special ? (execute ? set : unset) : (execute ? "x" : "-"))
        }
        triplet(6, special: bits & 0o4000 != 0, set: "s", unset: "S")
        triplet(3, special: bits & 0o2000 != 0, set: "s", unset: "S")
        triplet(0, special: bits & 0o1000 != 0, set: "t", unset: "T")
        return result
    }
}

/// The part of an inode that says where its contents are.
enum DataLayout: Hashable, Sendable {
    case none
    case file(FileLayout)
    case directory(DirectoryLayout)
}

/// Where a regular file's data lives.
struct FileLayout: Hashable, Sendable {
    /// The absolute image offset of the first data block.
    var blocksStart: UInt64
    /// The number of full or partial data blocks (not counting the fragment tail).
    var blockCount: Int
    /// The fragment index, or `nil` when the file has no fragment tail.
    var fragmentIndex: UInt32?
    /// Where the tail starts inside the decompressed fragment block.
    var fragmentOffset: UInt32
    /// Where the block size list starts: the inode table block (relative) and the offset inside it.
    var blockListBlock: UInt64
    var blockListOffset: Int
    /// Bytes saved by sparse blocks (extended inodes only).
    var sparseBytes: UInt64
}

/// Where a directory's listing lives in the directory table.
struct DirectoryLayout: Hashable, Sendable {
    /// The directory table block (relative) and offset where the listing starts.
    var startBlock: UInt32
    var startOffset: UInt16
    /// The listing's size in bytes (the inode's `file_size` minus 3).
    var listingSize: UInt32
    /// The number of directory index entries (extended directories only).
    var indexCount: UInt16
    /// Where the directory index starts in the inode table (right after the extended inode).
    var indexBlock: UInt64
    var indexOffset: Int
    /// The parent directory's inode number.
    var parentInode: UInt32
}
