/// One extended attribute of a file, such as `security.capability`.
public struct ExtendedAttribute: Hashable, Sendable {
    /// The full name, prefix included (`user.`, `trusted.` or `security.`).
    public var name: [UInt8]
    /// The value.
    public var value: [UInt8]

    /// The name as a `String`, or `nil` if it is not valid UTF-8.
    public var nameString: String? { String(validating: name, as: UTF8.self) }
}

extension SquashFSImage {
    /// The largest attribute value Linux allows (`XATTR_SIZE_MAX`).
    static let maximumXattrValueSize = 65536

    /// The extended attributes of an inode, in stored order; empty if it has none.
    ///
    /// - Throws: ``SquashFSError`` (`corrupt`) for an out-of-range reference, an unknown prefix, an out-of-line value
    ///   that is not 8 bytes, or an oversized name or value.
    public func extendedAttributes(of inode: Inode) throws(SquashFSError) -> [ExtendedAttribute] {
        try extendedAttributes(of: inode, including: { _ in true })
    }

    /// The extended attributes of `inode` whose full names `including` accepts; the values of the others are
    /// neither read nor counted against the budget (an extraction that will not restore them never reads them).
    func extendedAttributes(of inode: Inode, including: ([UInt8]) -> Bool) throws(SquashFSError) -> [ExtendedAttribute]
    {
        guard let index = inode.xattrIndex else { return [] }
        guard let table = xattrTable else { throw SquashFSError.corrupt("\(name): no xattr table") }
        do {
            return try readXattrs(index: index, table: table, including: including)
        } catch {
            throw SquashFSError(
                error.code, "\(name): inode #\(inode.number) xattrs: \(error.message)",
                underlyingError: error.underlyingError)
        }
    }

    /// Linux's limit on the list of one file's attribute names (`XATTR_LIST_MAX`): each name with its prefix and a
    /// NUL, as `listxattr` returns them.
    static let maximumXattrNameListSize = 65536

    private func readXattrs(index: UInt32, table: XattrTable, including: ([UInt8]) -> Bool) throws(SquashFSError)
        -> [ExtendedAttribute]
    {
        let entry = try reader.lookupTableEntry(
            Int(index), entrySize: 16, locations: table.idBlocks, end: table.idBlocksEnd, name: "xattr id table")
        let reference = InodeReference(rawValue: try entry.le64(at: 0))
        let count = try entry.le32(at: 8)
        // The entry's size field (names with prefix and NUL plus values, for listxattr) is not needed to read.
        // Linux lists at most 64 KiB of names per file (XATTR_LIST_MAX), so no real file has more attributes.
        guard count >= 1, count <= 65536 else {
            throw SquashFSError.corrupt("xattr id \(index) has \(count) attributes")
        }
        let kvTable = MetadataTable(start: table.kvStart, end: table.kvEnd, name: "xattr table")
        var cursor = try MetadataCursor(
            reader: reader, table: kvTable, block: reference.block, offset: reference.offset)
        var attributes: [ExtendedAttribute] = []
        let prefixes: [[UInt8]] = [Array("user.".utf8), Array("trusted.".utf8), Array("security.".utf8)]
        // Out-of-line values are read once per reference and shared (arrays are copy-on-write): an inode whose
        // attributes all point at one value holds it once.
        var sharedValues: [UInt64: [UInt8]] = [:]
        var nameBytes = 0
        var valueBytes = 0
        let valueLimit = options.maximumExtendedAttributeBytes
        for _ in 0..<count {
            let type = try cursor.readUInt16()
            let nameSize = Int(try cursor.readUInt16())
            guard type & 0xFEFF < 3 else { throw SquashFSError.corrupt("unknown xattr prefix id \(type & 0xFF)") }
            guard nameSize >= 1, nameSize <= 255 else { throw SquashFSError.corrupt("xattr name of \(nameSize) bytes") }
            let prefix = prefixes[Int(type & 0xFF)]
            nameBytes += prefix.count + nameSize + 1
            guard nameBytes <= Self.maximumXattrNameListSize else {
                throw SquashFSError(
                    .limitExceeded,
                    "attribute names of more than \(Self.maximumXattrNameListSize) bytes (\(attributes.count) read)")
            }
            let name = prefix + (try cursor.readBytes(nameSize))
            let valueSize = try cursor.readUInt32()
            let wanted = including(name)
            let value: [UInt8]
            if type & 0x100 != 0 {
                guard valueSize == 8 else {
                    throw SquashFSError.corrupt("out-of-line xattr value reference of \(valueSize) bytes")
                }
                let target = try cursor.readUInt64()
                if !wanted { continue }
                if let shared = sharedValues[target] {
                    value = shared
                } else {
                    let location = InodeReference(rawValue: target)
                    var valueCursor = try MetadataCursor(
                        reader: reader, table: kvTable, block: location.block, offset: location.offset)
                    let size = try valueCursor.readUInt32()
                    guard size <= Self.maximumXattrValueSize else {
                        throw SquashFSError.corrupt("xattr value of \(size) bytes")
                    }
                    try checkValueBudget(valueBytes, adding: Int(size), limit: valueLimit)
                    value = try valueCursor.readBytes(Int(size))
                    sharedValues[target] = value
                }
            } else {
                guard valueSize <= Self.maximumXattrValueSize else {
                    throw SquashFSError.corrupt("xattr value of \(valueSize) bytes")
                }
                guard wanted else {
                    _ = try cursor.readSlice(Int(valueSize))
                    continue
                }
                try checkValueBudget(valueBytes, adding: Int(valueSize), limit: valueLimit)
                value = try cursor.readBytes(Int(valueSize))
            }
            try checkValueBudget(valueBytes, adding: value.count, limit: valueLimit)
            valueBytes += value.count
            attributes.append(ExtendedAttribute(name: name, value: value))
        }
        return attributes
    }

    /// Refuses (`limitExceeded`) an attribute value that would take an inode's values past `limit` bytes.
    private func checkValueBudget(_ used: Int, adding size: Int, limit: Int) throws(SquashFSError) {
        guard size <= limit - min(used, limit) else {
            throw SquashFSError(
                .limitExceeded,
                "attribute values of more than \(limit) bytes (\(used) read, \(size) more); see "
                    + "SquashFSImage.Options.maximumExtendedAttributeBytes")
        }
    }
}
