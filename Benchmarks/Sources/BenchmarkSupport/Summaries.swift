/// The metadata of one tree entry, in the reader-neutral form both readers fold into a ``TreeSummary``.
public struct EntryMetadata {
    /// The basic inode type, 1 (directory) through 7 (socket).
    public var type: UInt16
    /// The 12 permission bits.
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32
    public var modificationTime: UInt32
    public var inodeNumber: UInt32
    public var linkCount: UInt32
    /// The size the inode records: a file's length, a symbolic link target's length, a directory listing's size.
    public var size: UInt64
    /// The raw device number of a block or character device, otherwise 0.
    public var device: UInt32
    /// The length in bytes of the entry's full path (`/` for the root, `/etc` for a child of it).
    public var pathLength: Int

    /// Creates a record from its fields.
    public init(
        type: UInt16, permissions: UInt16, uid: UInt32, gid: UInt32, modificationTime: UInt32, inodeNumber: UInt32,
        linkCount: UInt32, size: UInt64, device: UInt32, pathLength: Int
    ) {
        self.type = type
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
        self.inodeNumber = inodeNumber
        self.linkCount = linkCount
        self.size = size
        self.device = device
        self.pathLength = pathLength
    }
}

/// What a walk of a whole image saw, folded so that two correct readers of one image produce equal summaries.
///
/// The fold is order-independent (a wrapping sum of per-entry hashes), so readers may visit siblings in any order.
public struct TreeSummary: Hashable, Sendable, CustomStringConvertible {
    /// Every entry, the root included; hard links count at each of their paths.
    public var entries = 0
    public var directories = 0
    public var regularFiles = 0
    public var symbolicLinks = 0
    /// Devices, fifos and sockets.
    public var otherEntries = 0
    /// The sum of the sizes of all regular-file entries (hard links counted at each path).
    public var fileBytes: UInt64 = 0
    /// The sum of the full paths' lengths.
    public var pathBytes = 0
    /// The sum of every entry's metadata hash, symbolic-link targets included.
    public var checksum: UInt64 = 0

    /// An empty summary.
    public init() {}

    /// Folds one entry in; `target` holds a symbolic link's target bytes and is empty otherwise.
    public mutating func add(_ entry: EntryMetadata, target: UnsafeRawBufferPointer) {
        entries += 1
        switch entry.type {
        case 1: directories += 1
        case 2:
            regularFiles += 1
            fileBytes &+= entry.size
        case 3: symbolicLinks += 1
        default: otherEntries += 1
        }
        pathBytes += entry.pathLength
        var hash = Hash()
        hash.combine(UInt64(entry.type) << 16 | UInt64(entry.permissions))
        hash.combine(UInt64(entry.uid) << 32 | UInt64(entry.gid))
        hash.combine(UInt64(entry.modificationTime) << 32 | UInt64(entry.inodeNumber))
        hash.combine(UInt64(entry.linkCount) << 32 | UInt64(entry.device))
        hash.combine(entry.size)
        hash.combine(UInt64(entry.pathLength))
        if !target.isEmpty { hash.combine(ContentChecksum.sum(of: target)) }
        checksum &+= hash.value
    }

    public var description: String {
        "\(entries) entries (\(directories) directories, \(regularFiles) files, \(symbolicLinks) symlinks, "
            + "\(otherEntries) other), \(fileBytes) file bytes, \(pathBytes) path bytes, "
            + "checksum \(String(checksum, radix: 16))"
    }
}

/// What reading every regular file of an image produced; hard-linked files are read once.
public struct ReadSummary: Hashable, Sendable, CustomStringConvertible {
    /// How many bytes both readers ask for per read call: 1 MiB, eight 128 KiB blocks, a multiple of 8 as
    /// ``ContentChecksum`` requires.
    public static let chunkSize = 1 << 20

    /// The distinct regular files read.
    public var files = 0
    /// The bytes read, over all those files.
    public var bytes: UInt64 = 0
    /// The sum over files of a hash of (file size, ``ContentChecksum`` of its bytes).
    public var checksum: UInt64 = 0

    /// An empty summary.
    public init() {}

    /// Folds in one finished file.
    public mutating func add(fileOfSize size: UInt64, contents: ContentChecksum) {
        files += 1
        bytes &+= size
        var hash = Hash()
        hash.combine(size)
        hash.combine(contents.value)
        checksum &+= hash.value
    }

    public var description: String {
        "\(files) files, \(bytes) bytes, checksum \(String(checksum, radix: 16))"
    }
}

/// A cheap checksum of a byte stream: the wrapping sum of its little-endian 64-bit words, the last one zero-padded.
///
/// Feeding a stream in pieces gives the same value as feeding it whole as long as every piece but the last is a
/// multiple of 8 bytes long, which the readers' chunk sizes are. It makes every byte observable, so nothing is
/// optimised away, and lets the two readers' results be compared; it is not meant to detect reorderings.
public struct ContentChecksum {
    /// The sum so far.
    public private(set) var value: UInt64 = 0

    /// A checksum of nothing.
    public init() {}

    /// Adds `bytes` to the stream.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        value &+= Self.sum(of: bytes)
    }

    /// The checksum of `bytes` alone.
    public static func sum(of bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        let words = bytes.count / 8
        var sum: UInt64 = 0
        for index in 0..<words {
            sum &+= UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        var tail: UInt64 = 0
        for index in stride(from: bytes.count - 1, through: words * 8, by: -1) {
            tail = tail << 8 | UInt64(bytes[index])
        }
        return sum &+ tail
    }
}

/// A small FNV-1a-style mixer over 64-bit words, for the summaries' per-entry hashes.
struct Hash {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325

    init() {}

    mutating func combine(_ word: UInt64) {
        value = (value ^ word) &* 0x0000_0100_0000_01B3
        value ^= value >> 29
    }
}

/// A workload's result cannot be trusted, most often because the two readers disagreed about an image: the benchmark
/// is void, since they did not do the same work.
public struct ReaderMismatch: Error, CustomStringConvertible {
    public var description: String

    /// Creates an error naming what differed.
    public init(_ description: String) { self.description = description }
}
