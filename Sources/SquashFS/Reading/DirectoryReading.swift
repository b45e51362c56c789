/// One entry of a directory listing: a name and the inode it points to.
public struct DirectoryEntry: Hashable, Sendable {
    /// The entry's name: 1 to 256 bytes, never containing `/` or NUL, never `.` or `..`.
    public var name: [UInt8]
    /// The type of the inode, as the listing records it.
    public var kind: FileKind
    /// The inode's number.
    public var inodeNumber: UInt32
    /// Where the inode is stored; entries that share it are hard links.
    public var inodeReference: InodeReference

    /// The name as a `String`, or `nil` if it is not valid UTF-8.
    public var nameString: String? { String(validating: name, as: UTF8.self) }
}

/// Walks a directory listing entry by entry, validating headers, names and their order.
struct DirectoryListingReader {
    private var cursor: MetadataCursor
    private var remaining: Int
    /// The listing bytes this reader was given to read.
    private let initialSize: Int
    private var leftInRun = 0
    private var runStart: UInt32 = 0
    private var runBase: UInt32 = 0
    /// The previous name, usually a slice of a decoded block (no copy).
    private var previousName: ArraySlice<UInt8>?
    private let inodeCount: UInt32
    private let inodeTableSize: UInt64
    /// The image's name, for error messages.
    private let imageName: String
    /// The directory's inode number, for error messages (a number, not a path, so that a reader kept per level of a
    /// deep walk costs the same at every depth).
    private let directoryInode: UInt32?
    /// The directory's path, for error messages, when the caller has one at hand anyway (a lookup of a fixed path).
    private let directoryName: ImagePath?

    /// The longest entry name, in bytes: `SQUASHFS_NAME_LEN`, the limit of the kernel, `unsquashfs` and
    /// `rdsquashfs`. The format could record names of up to 65,536 bytes.
    static let maximumNameLength = 256

    /// Positions a reader at a listing.
    ///
    /// - Parameters:
    ///   - directoryInode: the directory's inode number, named in error messages.
    ///   - directoryName: the directory's path, named in error messages when given.
    init(
        image: SquashFSImage, block: UInt32, offset: Int, listingSize: Int, directoryInode: UInt32? = nil,
        directoryName: ImagePath? = nil
    ) throws(SquashFSError) {
        // An empty listing may point past the end of an empty directory table: nothing is read for it.
        cursor =
            listingSize == 0
            ? MetadataCursor(emptyIn: image.directoryTable, reader: image.reader)
            : try MetadataCursor(
                reader: image.reader, table: image.directoryTable, block: UInt64(block), offset: offset)
        remaining = listingSize
        initialSize = listingSize
        inodeCount = image.superblock.inodeCount
        inodeTableSize = image.superblock.directoryTableStart - image.superblock.inodeTableStart
        imageName = image.name
        self.directoryInode = directoryInode
        self.directoryName = directoryName
    }

    /// "directory /path (inode #N)", "directory #N" or "directory /path", as much as is known.
    private var directoryLabel: String {
        Self.label(name: directoryName, inode: directoryInode)
    }

    private static func label(name: ImagePath?, inode: UInt32?) -> String {
        switch (name, inode) {
        case (let name?, let inode?): "directory \(name) (inode #\(inode))"
        case (let name?, nil): "directory \(name)"
        case (nil, let inode?): "directory inode #\(inode)"
        case (nil, nil): "directory"
        }
    }

    private func corrupt(_ message: String) -> SquashFSError {
        SquashFSError.corrupt("\(imageName): \(directoryLabel): \(message)")
    }

    /// How many listing bytes have been read so far.
    var consumedBytes: Int { initialSize - remaining }

    /// The next entry, or `nil` at the end of the listing.
    mutating func next() throws(SquashFSError) -> DirectoryEntry? {
        try nextEntry { name, kind, number, reference in
            DirectoryEntry(name: [UInt8](name), kind: kind, inodeNumber: number, inodeReference: reference)
        }
    }

    /// Reads the next entry and passes it to `body` without copying its name out of the decoded block; returns
    /// `nil` at the end of the listing.
    mutating func nextEntry<Result>(
        _ body: (_ name: UnsafeRawBufferPointer, FileKind, _ number: UInt32, InodeReference) throws(SquashFSError) ->
            Result
    ) throws(SquashFSError) -> Result? {
        if leftInRun == 0 {
            if remaining == 0 { return nil }
            guard remaining >= 12 else { throw corrupt("\(remaining) stray bytes at the end of the listing") }
            let (count, start, base) = try cursor.withBytes(12) { ($0.le32(0), $0.le32(4), $0.le32(8)) }
            remaining -= 12
            guard count < 256 else { throw corrupt("a header announces \(UInt64(count) + 1) entries (at most 256)") }
            guard UInt64(start) < inodeTableSize else {
                throw corrupt("inode block \(start) is outside the inode table")
            }
            runStart = start
            runBase = base
            leftInRun = Int(count) + 1
        }
        guard remaining >= 8 else { throw corrupt("listing ends inside an entry") }
        let entryStart = consumedBytes
        let (entryBlock, entryOffset) = (cursor.blockPosition, cursor.offset)
        let (offset, delta, type, nameSize) = try cursor.withBytes(8) { bytes in
            (bytes.le16(0), Int16(bitPattern: bytes.le16(2)), bytes.le16(4), Int(bytes.le16(6)) + 1)
        }
        remaining -= 8
        // A longer name is legal in the format's 16-bit field but not in any file system: the kernel, unsquashfs and
        // rdsquashfs refuse it, and accepting it would let an image multiply path lengths by 256.
        guard nameSize <= Self.maximumNameLength else {
            throw corrupt(
                "the entry at listing byte \(entryStart) (metadata block at image offset \(entryBlock), byte "
                    + "\(entryOffset)) has a name of \(nameSize) bytes (at most \(Self.maximumNameLength))")
        }
        guard nameSize <= remaining else {
            throw corrupt("a name of \(nameSize) bytes does not fit in the \(remaining) bytes left")
        }
        remaining -= nameSize
        leftInRun -= 1
        let number = Int64(runBase) + Int64(delta)
        guard type >= 1, type <= 7, let kind = FileKind(inodeType: type), number >= 1, number <= Int64(inodeCount),
            offset < 8192
        else {
            throw corrupt("an entry has inode type \(type), number \(number), offset \(offset)")
        }
        let reference = InodeReference(block: runStart, offset: offset)
        let name = try cursor.readSlice(nameSize)
        let previous = previousName
        previousName = name
        return try name.withUnsafeBufferPointer { (buffer) throws(SquashFSError) in
            let bytes = UnsafeRawBufferPointer(buffer)
            try check(name: bytes, after: previous)
            return try body(bytes, kind, UInt32(number), reference)
        }
    }

    /// Rejects `.`, `..`, names containing `/` or NUL, and names not strictly after the previous one.
    private func check(name: UnsafeRawBufferPointer, after previousName: ArraySlice<UInt8>?) throws(SquashFSError) {
        let count = name.count
        guard let base = name.baseAddress, count > 0 else { throw corrupt("empty entry name") }
        let dot = UInt8(ascii: ".")
        let isDotOrDotDot =
            count <= 2 && base.load(as: UInt8.self) == dot
            && base.load(fromByteOffset: count - 1, as: UInt8.self) == dot
        if isDotOrDotDot || name.contains(where: { $0 == 0 || $0 == UInt8(ascii: "/") }) {
            throw corrupt("invalid entry name '\(printable([UInt8](name)))'")
        }
        guard let previousName else { return }
        guard previousName.withUnsafeBytes({ compareBytes($0, name) }) < 0 else {
            throw corrupt(
                "'\(printable([UInt8](name)))' follows '\(printable([UInt8](previousName)))': names unsorted or duplicated"
            )
        }
    }
}

extension SquashFSImage {
    var directoryTable: MetadataTable {
        MetadataTable(start: superblock.directoryTableStart, end: directoryTableEnd, name: "directory table")
    }

    func directoryLayout(of inode: Inode) throws(SquashFSError) -> DirectoryLayout {
        guard let layout = inode.directory else {
            throw SquashFSError(.notADirectory, "\(name): inode #\(inode.number) is a \(inode.kind), not a directory")
        }
        return layout
    }

    /// Lists a directory in on-disk (byte-wise sorted) order.
    ///
    /// - Throws: ``SquashFSError`` (`notADirectory`, `corrupt`).
    public func contentsOfDirectory(_ directory: Inode) throws(SquashFSError) -> [DirectoryEntry] {
        let layout = try directoryLayout(of: directory)
        var reader = try DirectoryListingReader(
            image: self, block: layout.startBlock, offset: Int(layout.startOffset),
            listingSize: Int(layout.listingSize), directoryInode: directory.number)
        var entries: [DirectoryEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    /// Finds the entry called `name` in a directory, using the directory index of large directories so that only
    /// the metadata block holding the name is decoded (the blocks before it are checked once, then cached).
    ///
    /// - Throws: ``SquashFSError``: `notADirectory`, `corrupt` (also for a directory index entry that does not point
    ///   at the directory's own listing), `limitExceeded` when the lookup would scan more than
    ///   ``Options/maximumLookupBytes`` bytes of index and listing.
    public func entry(named name: [UInt8], in directory: Inode) throws(SquashFSError) -> DirectoryEntry? {
        var budget = options.maximumLookupBytes
        return try entry(named: name, in: directory, budget: &budget)
    }

    /// Finds the entry called `name` in a directory, scanning at most `budget` bytes of directory index, skipped
    /// listing blocks and listing; `budget` is reduced by what was scanned.
    func entry(named name: [UInt8], in directory: Inode, budget: inout Int) throws(SquashFSError) -> DirectoryEntry? {
        let layout = try directoryLayout(of: directory)
        func overBudget() -> SquashFSError {
            SquashFSError(
                .limitExceeded,
                "\(self.name): looking up '\(printable(name))' in directory #\(directory.number) scans more than "
                    + "the lookup budget (SquashFSImage.Options.maximumLookupBytes, \(options.maximumLookupBytes) bytes)"
            )
        }
        func corrupt(_ message: String) -> SquashFSError {
            SquashFSError.corrupt("\(self.name): directory #\(directory.number) index: \(message)")
        }
        func spend(_ bytes: Int) throws(SquashFSError) {
            guard bytes <= budget else { throw overBudget() }
            budget -= bytes
        }
        var block = layout.startBlock
        var offset = Int(layout.startOffset)
        var skipped = 0
        var usesIndex = false
        if layout.indexCount > 0 {
            var cursor = try MetadataCursor(
                reader: reader, table: inodeTable, block: layout.indexBlock, offset: layout.indexOffset)
            var previousIndex: UInt32?
            for _ in 0..<layout.indexCount {
                let index = try cursor.readUInt32()
                let start = try cursor.readUInt32()
                let nameSize = Int(try cursor.readUInt32()) + 1
                guard nameSize <= 256 else { throw corrupt("an index name is too long") }
                try spend(12 + nameSize)
                let indexName = try cursor.readBytes(nameSize)
                let increasing = previousIndex.map { $0 < index } ?? true
                guard index < layout.listingSize, increasing, start >= block else {
                    throw corrupt("the entry at \(index) is out of order")
                }
                previousIndex = index
                if indexName.lexicographicallyPrecedes(name) || indexName == name {
                    block = start
                    skipped = Int(index)
                    usesIndex = true
                    offset = (Int(layout.startOffset) + Int(index)) % BlockReader.metadataBlockSize
                } else {
                    break
                }
            }
            if usesIndex { try checkIndexTarget(layout, index: skipped, block: block, spend: spend, corrupt: corrupt) }
        }
        var listing = try DirectoryListingReader(
            image: self, block: block, offset: offset, listingSize: Int(layout.listingSize) - skipped,
            directoryInode: directory.number)
        enum Comparison {
            case before
            case match(DirectoryEntry)
            case after
        }
        let allowance = budget
        defer { budget = allowance - min(allowance, listing.consumedBytes) }
        while true {
            // Compare in place; only the matching entry's name is copied.
            let step = try listing.nextEntry { entryName, kind, number, reference -> Comparison in
                let order = name.withUnsafeBytes { target in compareBytes(UnsafeRawBufferPointer(entryName), target) }
                if order < 0 { return .before }
                if order > 0 { return .after }
                return .match(
                    DirectoryEntry(name: name, kind: kind, inodeNumber: number, inodeReference: reference))
            }
            guard listing.consumedBytes <= allowance else { throw overBudget() }
            switch step {
            case nil, .after?: return nil
            case .match(let entry)?: return entry
            case .before?: continue
            }
        }
    }

    /// Checks that the directory index entry for listing offset `index` names the metadata block that the
    /// directory's own listing reaches at that offset (`block`, relative to the directory table): the listing's
    /// blocks before it are followed (decoded and cached, every one of them a full 8 KiB block, as the index
    /// arithmetic requires), so that an index entry can only lead a lookup to the directory's own entries, the ones
    /// a listing shows and extraction creates.
    private func checkIndexTarget(
        _ layout: DirectoryLayout, index: Int, block: UInt32, spend: (Int) throws(SquashFSError) -> Void,
        corrupt: (String) -> SquashFSError
    ) throws(SquashFSError) {
        let blockSize = BlockReader.metadataBlockSize
        let blocksBefore = (Int(layout.startOffset) + index) / blockSize
        let tableStart = superblock.directoryTableStart
        var position = tableStart + UInt64(layout.startBlock)
        for _ in 0..<blocksBefore {
            try spend(blockSize)
            let decoded = try reader.metadataBlock(at: position, end: directoryTableEnd)
            guard decoded.bytes.count == blockSize else {
                throw corrupt(
                    "the listing's block at offset \(position) is \(decoded.bytes.count) bytes; the index needs 8 KiB")
            }
            position = decoded.next
        }
        guard position == tableStart + UInt64(block) else {
            throw corrupt(
                "the entry for listing offset \(index) points at directory block \(block), outside the directory's "
                    + "listing (its block there is \(position - tableStart))")
        }
    }
}

/// Compares two byte strings as `strcmp` orders names: negative, zero or positive.
func compareBytes(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Int {
    let common = min(left.count, right.count)
    var index = 0
    // Eight bytes at a time while they are equal, then byte by byte.
    while index + 8 <= common {
        let leftWord = left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        let rightWord = right.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        if leftWord != rightWord { break }
        index += 8
    }
    while index < common {
        let difference = Int(left[index]) - Int(right[index])
        if difference != 0 { return difference }
        index += 1
    }
    return left.count - right.count
}
