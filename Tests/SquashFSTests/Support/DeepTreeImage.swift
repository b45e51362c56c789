/// A squashfs image written byte by byte: a chain of directories, each holding only the next one, as deep as the
/// test wants, with names as long as it wants. No writer can make it from a real tree deeper than `PATH_MAX`
/// (mksquashfs stats full paths; tar2sqfs refuses PAX headers over 64 KiB), and a tree of 2000 levels of 200-byte
/// names is what it takes to show memory that grows with depth × path length.
///
/// Layout: superblock, inode table (one basic directory inode per level, the root first), directory table (one
/// single-entry listing per level but the last), id table (one id: 0), id table index. Every table is stored
/// uncompressed; no data blocks, fragments, export table or extended attributes.
struct DeepTreeImage {
    /// The number of directories below the root.
    var depth: Int
    /// The name of the directory at `level` (1 for the root's child); 1 to 256 bytes, no `/` or NUL.
    var name: (_ level: Int) -> [UInt8]

    /// Names of `length` bytes: the level in decimal, then `x`s.
    static func paddedNames(length: Int) -> (Int) -> [UInt8] {
        { level in
            let number = Array(String(level).utf8)
            return number + [UInt8](repeating: UInt8(ascii: "x"), count: max(0, length - number.count))
        }
    }

    /// The bytes the path of the deepest directory has: one slash and one name per level.
    var deepestPathLength: Int { (1...max(depth, 1)).reduce(0) { $0 + 1 + name($1).count } }

    /// The image's bytes.
    func bytes() -> [UInt8] {
        let inodeSize = 32
        let count = depth + 1
        // Where each level's inode and listing are, as (metadata block offset relative to its table, byte offset).
        func reference(_ position: Int) -> (block: UInt32, offset: UInt16) {
            (UInt32(position / 8192 * 8194), UInt16(position % 8192))
        }

        var listings: [UInt8] = []
        var listingStarts: [Int] = []
        for level in 0..<count {
            listingStarts.append(listings.count)
            guard level < depth else { break }
            let child = reference((level + 1) * inodeSize)
            let childName = name(level + 1)
            listings.appendLE(UInt32(0), 4)  // one entry in this run
            listings.appendLE(child.block, 4)
            listings.appendLE(UInt32(level + 2), 4)  // inode number base: the child's number
            listings.appendLE(child.offset, 2)
            listings.appendLE(UInt16(0), 2)  // number delta
            listings.appendLE(UInt16(1), 2)  // basic directory
            listings.appendLE(UInt16(childName.count - 1), 2)
            listings.append(contentsOf: childName)
        }

        var inodes: [UInt8] = []
        for level in 0..<count {
            let listingSize = level < depth ? 12 + 8 + name(level + 1).count : 0
            let listing = reference(level < depth ? listingStarts[level] : 0)
            inodes.appendLE(UInt16(1), 2)  // basic directory
            inodes.appendLE(UInt16(0o755), 2)
            inodes.appendLE(UInt16(0), 2)
            inodes.appendLE(UInt16(0), 2)
            inodes.appendLE(UInt32(1_700_000_000), 4)
            inodes.appendLE(UInt32(level + 1), 4)
            inodes.appendLE(listing.block, 4)
            inodes.appendLE(UInt32(level < depth ? 3 : 2), 4)  // link count
            inodes.appendLE(UInt16(listingSize + 3), 2)
            inodes.appendLE(listing.offset, 2)
            inodes.appendLE(UInt32(level == 0 ? count + 1 : level), 4)  // parent
        }

        var image = [UInt8](repeating: 0, count: 96)
        let inodeTableStart = UInt64(image.count)
        image.append(contentsOf: HandBuiltImage.metadataBlocks(inodes))
        let directoryTableStart = UInt64(image.count)
        image.append(contentsOf: HandBuiltImage.metadataBlocks(listings))
        let idBlock = UInt64(image.count)
        image.append(contentsOf: HandBuiltImage.metadataBlocks([0, 0, 0, 0]))
        let idTableStart = UInt64(image.count)
        image.appendLE(idBlock, 8)
        let bytesUsed = UInt64(image.count)

        var superblock: [UInt8] = []
        superblock.appendLE(UInt32(0x7371_7368), 4)  // "hsqs"
        superblock.appendLE(UInt32(count), 4)
        superblock.appendLE(UInt32(1_700_000_000), 4)
        superblock.appendLE(UInt32(1 << 17), 4)
        superblock.appendLE(UInt32(0), 4)  // fragments
        superblock.appendLE(UInt16(1), 2)  // gzip
        superblock.appendLE(UInt16(17), 2)
        // Uncompressed inodes, data, fragments and ids; no fragments; no xattrs.
        superblock.appendLE(UInt16(0x0001 | 0x0002 | 0x0008 | 0x0010 | 0x0200 | 0x0800), 2)
        superblock.appendLE(UInt16(1), 2)  // ids
        superblock.appendLE(UInt16(4), 2)
        superblock.appendLE(UInt16(0), 2)
        superblock.appendLE(UInt64(0), 8)  // the root inode: first in the inode table
        superblock.appendLE(bytesUsed, 8)
        superblock.appendLE(idTableStart, 8)
        superblock.appendLE(UInt64.max, 8)  // xattr id table
        superblock.appendLE(inodeTableStart, 8)
        superblock.appendLE(directoryTableStart, 8)
        superblock.appendLE(UInt64.max, 8)  // fragment table
        superblock.appendLE(UInt64.max, 8)  // export table
        image.replaceSubrange(0..<96, with: superblock)
        image.append(contentsOf: [UInt8](repeating: 0, count: (4096 - image.count % 4096) % 4096))
        return image
    }
}
