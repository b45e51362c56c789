import BootAssets
import FuzzSupport
import Glibc

@main
enum FuzzIdentify {
    /// Identifies each input through the file path (`pread` on `/proc/self/fd/N`) and from memory, checks that
    /// both agree, and asks every boot file type whether it is consistent.
    static func main() {
        runFuzzer(exercise)
    }
}

private func exercise(fd: Int32) {
    guard let bytes = readAll(fd) else { return }
    let fromMemory = ContentIdentifier.identify(bytes: bytes)
    guard let fromFile = try? ContentIdentifier.identify(contentsOf: "/proc/self/fd/\(fd)") else { return }
    if fromFile != fromMemory {
        fatalError("file and memory identification differ: \(fromFile) vs \(fromMemory)")
    }
    _ = fromFile.summary
    for type in BootFileType.maasTypes + BootFileType.streamOnlyTypes {
        _ = fromFile.isConsistent(with: type)
    }
}

private func readAll(_ fd: Int32) -> [UInt8]? {
    guard lseek(fd, 0, SEEK_SET) == 0 else { return nil }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return count == 0 ? bytes : nil }
        bytes.append(contentsOf: chunk.prefix(count))
    }
}
