import Glibc

/// The whole input behind `fd` (the unlinked file ``runFuzzer(_:)`` passes), or `nil` if it cannot be read.
public func readFuzzInput(_ fd: Int32) -> [UInt8]? {
    guard lseek(fd, 0, SEEK_SET) == 0 else { return nil }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return count == 0 ? bytes : nil }
        bytes.append(contentsOf: chunk.prefix(count))
    }
}
