import SquashFS

/// The two workloads through the native Swift reader, as an application would write them.
public enum SwiftWorkloads {
    /// Opens the image and walks the whole tree, consuming every inode's metadata and every symbolic link's target.
    public static func walk(imageAt path: String) throws -> TreeSummary {
        let image = try SquashFSImage(path: path)
        var walker = try image.walk()
        var summary = TreeSummary()
        while let entry = try walker.next() {
            let inode = entry.inode
            let metadata = EntryMetadata(
                type: inode.kind.basicInodeType, permissions: inode.permissions, uid: inode.uid, gid: inode.gid,
                modificationTime: inode.modificationTime, inodeNumber: inode.number, linkCount: inode.linkCount,
                size: inode.size, device: inode.device?.rawValue ?? 0, pathLength: entry.path.bytes.count)
            if let target = inode.symlinkTarget {
                target.withUnsafeBytes { summary.add(metadata, target: $0) }
            } else {
                summary.add(metadata, target: UnsafeRawBufferPointer(start: nil, count: 0))
            }
        }
        return summary
    }

    /// Opens the image, walks it, and reads every distinct regular file with `FileReader.read(at:count:)`,
    /// ``ReadSummary/chunkSize`` bytes at a time, in walk order, on the calling thread.
    public static func readAllFiles(imageAt path: String) throws -> ReadSummary {
        let image = try SquashFSImage(path: path)
        var walker = try image.walk()
        var summary = ReadSummary()
        var hardLinksSeen: Set<InodeReference> = []
        while let entry = try walker.next() {
            let inode = entry.inode
            guard inode.kind == .regularFile else { continue }
            if inode.linkCount > 1, !hardLinksSeen.insert(inode.reference).inserted { continue }
            let reader = try image.fileReader(for: inode)
            var contents = ContentChecksum()
            var offset: UInt64 = 0
            while offset < reader.size {
                let chunk = try reader.read(at: offset, count: ReadSummary.chunkSize)
                guard !chunk.isEmpty else {
                    throw ReaderMismatch("FileReader.read(at: \(offset)) returned nothing before the end of the file")
                }
                chunk.withUnsafeBytes { contents.add($0) }
                offset += UInt64(chunk.count)
            }
            summary.add(fileOfSize: reader.size, contents: contents)
        }
        return summary
    }
}
