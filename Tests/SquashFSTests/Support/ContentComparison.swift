import SquashFS
import TestSupport

/// Compares the bytes the reader returns for regular files with the same files in a directory on disk.
enum ContentComparison {
    /// The files of `snapshot` whose whole contents differ from `root` + path (each inode read once).
    static func wholeFileDifferences(image: SquashFSImage, snapshot: ImageSnapshot, root: [UInt8]) throws -> [String] {
        var seen: Set<InodeReference> = []
        var result: [String] = []
        for entry in snapshot.walk where entry.inode.kind == .regularFile && seen.insert(entry.inode.reference).inserted
        {
            let actual = try image.fileReader(for: entry.inode).readAll()
            let expected = try POSIX.readFile(POSIX.join(root, relative(entry.path)))
            if let difference = byteDifference(actual, expected) { result.append("\(entry.path): \(difference)") }
        }
        return result
    }

    /// Reads random ranges (seeded) of every file larger than one byte outside the big directory, plus the edge
    /// cases (empty reads, reads at and past the end, reads across block and fragment boundaries), and compares
    /// them with slices of the file on disk.
    static func rangeDifferences(image: SquashFSImage, snapshot: ImageSnapshot, root: [UInt8], seed: UInt64) throws
        -> [String]
    {
        var generator = SeededGenerator(seed: seed)
        let blockSize = Int(image.superblock.blockSize)
        var result: [String] = []
        var seen: Set<InodeReference> = []
        for entry in snapshot.walk where entry.inode.kind == .regularFile && seen.insert(entry.inode.reference).inserted
        {
            guard entry.inode.size > 1, !entry.path.isInside(ImagePath("/\(StandardTree.bigDirectory)")) else {
                continue
            }
            let reader = try image.fileReader(for: entry.inode)
            let source = try POSIX.readFile(POSIX.join(root, relative(entry.path)))
            let size = source.count
            var ranges: [(offset: Int, count: Int)] = [(0, 0), (size, 10), (size + 5, 1), (size - 1, 100), (0, size)]
            let counts = [1, 2, 17, 100, blockSize - 1, blockSize, blockSize + 1, 3 * blockSize + 5, size]
            for _ in 0..<10 {
                let offset = Int(generator.next() % UInt64(size))
                let count = counts[Int(generator.next() % UInt64(counts.count))]
                ranges.append((offset, count))
            }
            for boundary in stride(from: blockSize, to: size, by: blockSize).prefix(3) {
                ranges.append((boundary - 3, 7))
            }
            for (offset, count) in ranges {
                let actual = try reader.read(at: UInt64(offset), count: count)
                let start = min(offset, size)
                let expected = Array(source[start..<min(size, start + count)])
                if let difference = byteDifference(actual, expected) {
                    result.append("\(entry.path) read(at: \(offset), count: \(count)): \(difference)")
                }
            }
        }
        return result
    }

    /// An image path without its leading slash, for joining to a directory on disk.
    static func relative(_ path: ImagePath) -> [UInt8] {
        Array(path.bytes.drop { $0 == UInt8(ascii: "/") })
    }
}
