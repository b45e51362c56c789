import Glibc

/// Splits a byte stream fed in chunks into lines, one at a time, without ever holding more than one chunk and one
/// line: the dpkg database and seed.yaml readers parse files of any shape in bounded memory (a file of newlines is
/// as cheap as a file of text, and no array of all lines is built).
///
/// A line is passed without its LF (a CR before it is kept). A line longer than ``maximumLineLength`` is passed cut
/// to that length, flagged as truncated; the rest of it is skipped as it arrives.
struct LineScanner {
    /// The longest line passed whole.
    let maximumLineLength: Int
    /// The start of a line that continues in the next chunk (at most ``maximumLineLength`` bytes).
    private var carry: [UInt8] = []
    private var carryTruncated = false
    /// The number of the line being read, from 1.
    private(set) var lineNumber = 0

    init(maximumLineLength: Int) { self.maximumLineLength = max(1, maximumLineLength) }

    /// Passes each line completed by `chunk` to `body` with its number and whether it was cut.
    mutating func feed(
        _ chunk: ArraySlice<UInt8>, _ body: (_ line: ArraySlice<UInt8>, _ number: Int, _ truncated: Bool) throws -> Void
    ) rethrows {
        var start = chunk.startIndex
        while start < chunk.endIndex {
            let newline = chunk.withUnsafeBytes { bytes -> Int? in
                let from = start - chunk.startIndex
                guard let base = bytes.baseAddress,
                    let found = memchr(base + from, 0x0A, bytes.count - from)
                else { return nil }
                return chunk.startIndex + (base.distance(to: UnsafeRawPointer(found)))
            }
            guard let end = newline else {
                keep(chunk[start...])
                return
            }
            lineNumber += 1
            if carry.isEmpty && !carryTruncated {
                let length = end - start
                let truncated = length > maximumLineLength
                try body(chunk[start..<(truncated ? start + maximumLineLength : end)], lineNumber, truncated)
            } else {
                keep(chunk[start..<end])
                let (line, truncated) = (carry, carryTruncated)
                carry.removeAll(keepingCapacity: true)
                carryTruncated = false
                try body(line[...], lineNumber, truncated)
            }
            start = end + 1
        }
    }

    /// Passes the last line, when the input did not end with a newline.
    mutating func finish(
        _ body: (_ line: ArraySlice<UInt8>, _ number: Int, _ truncated: Bool) throws -> Void
    ) rethrows {
        guard !carry.isEmpty || carryTruncated else { return }
        lineNumber += 1
        let (line, truncated) = (carry, carryTruncated)
        carry = []
        carryTruncated = false
        try body(line[...], lineNumber, truncated)
    }

    /// Keeps the start of an unfinished line, up to ``maximumLineLength`` bytes.
    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        let room = maximumLineLength - carry.count
        if bytes.count > room { carryTruncated = true }
        carry.append(contentsOf: bytes.prefix(max(0, room)))
    }
}

extension SquashFSImage {
    /// Reads the regular file of `reader` chunk by chunk and passes its lines to `body` (see ``LineScanner``): the
    /// memory used is one chunk and one line, whatever the file holds.
    func forEachLine(
        of reader: FileReader, maximumLineLength: Int,
        _ body: (_ line: ArraySlice<UInt8>, _ number: Int, _ truncated: Bool) throws -> Void
    ) throws {
        // Whole blocks (1 MiB is a multiple of every block size) are decoded straight into the chunk.
        let chunkSize = max(1 << 20, blockSize)
        var chunk = [UInt8](repeating: 0, count: Int(min(UInt64(chunkSize), max(reader.size, 1))))
        var scanner = LineScanner(maximumLineLength: maximumLineLength)
        var offset: UInt64 = 0
        while offset < reader.size {
            let count = Int(min(UInt64(chunk.count), reader.size - offset))
            try chunk.withUnsafeMutableBytes { buffer in
                try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: offset)
            }
            try scanner.feed(chunk[0..<count], body)
            offset += UInt64(count)
        }
        try scanner.finish(body)
    }
}
