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
    /// `nil` for an empty listing, which may point past the end of an empty directory table.
    private var cursor: MetadataCursor?
    private var remaining: Int
    private var leftInRun = 0
    private var runStart: UInt32 = 0
    private var runBase: UInt32 = 0
    private var previousName: [UInt8]?
    private let inodeCount: UInt32
    private let inodeTableSize: UInt64
    private let directoryName: String

    init(image: SquashFSImage, block: UInt32, offset: Int, listingSize: Int, directoryName: String) throws {
        cursor =
            listingSize == 0
            ? nil
            : try MetadataCursor(
                reader: image.reader, table: image.directoryTable, block: UInt64(block), offset: offset)
        remaining = listingSize
        inodeCount = image.superblock.inodeCount
        inodeTableSize = image.superblock.directoryTableStart - image.superblock.inodeTableStart
        self.directoryName = directoryName
    }

    private func corrupt(_ message: String) -> SquashFSError {
        SquashFSError.corrupt("directory \(directoryName): \(message)")
    }

    /// The next entry, or `nil` at the end of the listing.
    mutating func next() throws -> DirectoryEntry? {
        guard var cursor else { return nil }
        defer { self.cursor = cursor }
        if leftInRun == 0 {
            if remaining == 0 { return nil }
            guard remaining >= 12 else { throw corrupt("\(remaining) stray bytes at the end of the listing") }
            let count = try cursor.readUInt32()
            runStart = try cursor.readUInt32()
            runBase = try cursor.readUInt32()
            remaining -= 12
            guard count < 256 else { throw corrupt("a header announces \(UInt64(count) + 1) entries (at most 256)") }
            guard UInt64(runStart) < inodeTableSize else {
                throw corrupt("inode block \(runStart) is outside the inode table")
            }
            leftInRun = Int(count) + 1
        }
        guard remaining >= 8 else { throw corrupt("listing ends inside an entry") }
        let offset = try cursor.readUInt16()
        let delta = Int16(bitPattern: try cursor.readUInt16())
        let type = try cursor.readUInt16()
        let nameSize = Int(try cursor.readUInt16()) + 1
        remaining -= 8
        guard nameSize <= 256, nameSize <= remaining else {
            throw corrupt("a name of \(nameSize) bytes does not fit (at most 256, \(remaining) left)")
        }
        let name = try cursor.readBytes(nameSize)
        remaining -= nameSize
        leftInRun -= 1
        try validate(name: name)
        if let previousName, !previousName.lexicographicallyPrecedes(name) {
            throw corrupt("'\(printable(name))' follows '\(printable(previousName))': names unsorted or duplicated")
        }
        previousName = name
        guard type >= 1, type <= 7, let kind = FileKind(inodeType: type) else {
            throw corrupt("entry '\(printable(name))' has inode type \(type)")
        }
        let number = Int64(runBase) + Int64(delta)
        guard number >= 1, number <= Int64(inodeCount) else {
            throw corrupt("entry '\(printable(name))' has inode number \(number), outside 1...\(inodeCount)")
        }
        guard offset < 8192 else { throw corrupt("entry '\(printable(name))' has inode offset \(offset)") }
        return DirectoryEntry(
            name: name, kind: kind, inodeNumber: UInt32(number),
            inodeReference: InodeReference(block: runStart, offset: offset))
    }

    private func validate(name: [UInt8]) throws {
        if name == [0x2E] || name == [0x2E, 0x2E] || name.contains(0x2F) || name.contains(0) {
            throw corrupt("invalid entry name '\(printable(name))'")
        }
    }
}

extension SquashFSImage {
    var directoryTable: MetadataTable {
        MetadataTable(start: superblock.directoryTableStart, end: directoryTableEnd, name: "directory table")
    }

    func directoryLayout(of inode: Inode) throws -> DirectoryLayout {
        guard let layout = inode.directory else {
            throw SquashFSError(.notADirectory, "\(name): inode #\(inode.number) is a \(inode.kind), not a directory")
        }
        return layout
    }

    /// Lists a directory in on-disk (byte-wise sorted) order.
    ///
    /// - Throws: ``SquashFSError`` (`notADirectory`, `corrupt`).
    public func contentsOfDirectory(_ directory: Inode) throws -> [DirectoryEntry] {
        let layout = try directoryLayout(of: directory)
        var reader = try DirectoryListingReader(
            image: self, block: layout.startBlock, offset: Int(layout.startOffset),
            listingSize: Int(layout.listingSize), directoryName: "#\(directory.number)")
        var entries: [DirectoryEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    /// Finds the entry called `name` in a directory, using the directory index of large directories so that only
    /// the metadata block holding the name is decoded.
    public func entry(named name: [UInt8], in directory: Inode) throws -> DirectoryEntry? {
        let layout = try directoryLayout(of: directory)
        var block = layout.startBlock
        var offset = Int(layout.startOffset)
        var skipped = 0
        if layout.indexCount > 0 {
            var cursor = try MetadataCursor(
                reader: reader, table: inodeTable, block: layout.indexBlock, offset: layout.indexOffset)
            var previousIndex: UInt32?
            for _ in 0..<layout.indexCount {
                let index = try cursor.readUInt32()
                let start = try cursor.readUInt32()
                let nameSize = Int(try cursor.readUInt32()) + 1
                guard nameSize <= 256 else {
                    throw SquashFSError.corrupt("\(self.name): directory #\(directory.number) index name too long")
                }
                let indexName = try cursor.readBytes(nameSize)
                let increasing = previousIndex.map { $0 < index } ?? true
                guard index < layout.listingSize, increasing, start >= block else {
                    throw SquashFSError.corrupt(
                        "\(self.name): directory #\(directory.number) index entry at \(index) is out of order")
                }
                previousIndex = index
                if indexName.lexicographicallyPrecedes(name) || indexName == name {
                    block = start
                    skipped = Int(index)
                    offset = (Int(layout.startOffset) + Int(index)) % BlockReader.metadataBlockSize
                } else {
                    break
                }
            }
        }
        var listing = try DirectoryListingReader(
            image: self, block: block, offset: offset, listingSize: Int(layout.listingSize) - skipped,
            directoryName: "#\(directory.number)")
        while let entry = try listing.next() {
            if entry.name == name { return entry }
            if name.lexicographicallyPrecedes(entry.name) { return nil }
        }
        return nil
    }
}
