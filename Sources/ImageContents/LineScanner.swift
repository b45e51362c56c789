/// Splits a byte stream fed in chunks into lines, one at a time, without ever holding more than one chunk and one
/// line: the dpkg database and seed.yaml readers parse files of any shape in bounded memory (a file of newlines is
/// as cheap as a file of text, and no array of all lines is built).
///
/// A line is passed without its LF (a CR before it is kept). A line longer than ``maximumLineLength`` is passed cut
/// to that length, flagged as truncated; the rest of it is skipped as it arrives.
package struct LineScanner {
    /// The longest line passed whole.
    package let maximumLineLength: Int
    /// The start of a line that continues in the next chunk (at most ``maximumLineLength`` bytes).
    private var carry: [UInt8] = []
    private var carryTruncated = false
    /// The number of the line being read, from 1.
    package private(set) var lineNumber = 0

    package init(maximumLineLength: Int) { self.maximumLineLength = max(1, maximumLineLength) }

    /// Passes each line completed by `chunk` to `body` with its number and whether it was cut.
    package mutating func feed<Failure: Error>(
        _ chunk: ArraySlice<UInt8>,
        _ body: (_ line: ArraySlice<UInt8>, _ number: Int, _ truncated: Bool) throws(Failure) -> Void
    ) throws(Failure) {
        var start = chunk.startIndex
        while start < chunk.endIndex {
            guard let end = Self.newline(in: chunk, from: start) else {
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
    package mutating func finish<Failure: Error>(
        _ body: (_ line: ArraySlice<UInt8>, _ number: Int, _ truncated: Bool) throws(Failure) -> Void
    ) throws(Failure) {
        guard !carry.isEmpty || carryTruncated else { return }
        lineNumber += 1
        let (line, truncated) = (carry, carryTruncated)
        carry = []
        carryTruncated = false
        try body(line[...], lineNumber, truncated)
    }

    /// The index of the first LF in `chunk` at or after `start`: a plain loop over the contiguous bytes, which the
    /// optimiser vectorises.
    private static func newline(in chunk: ArraySlice<UInt8>, from start: Int) -> Int? {
        chunk.withUnsafeBufferPointer { bytes in
            let from = start - chunk.startIndex
            return bytes[from...].firstIndex(of: 0x0A).map { chunk.startIndex + $0 }
        }
    }

    /// Keeps the start of an unfinished line, up to ``maximumLineLength`` bytes.
    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        let room = maximumLineLength - carry.count
        if bytes.count > room { carryTruncated = true }
        carry.append(contentsOf: bytes.prefix(max(0, room)))
    }
}
