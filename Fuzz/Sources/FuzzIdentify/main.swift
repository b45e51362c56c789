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
    guard let bytes = readFuzzInput(fd) else { return }
    let fromMemory = ContentIdentification(bytes: bytes)
    guard let fromFile = try? ContentIdentification(contentsOf: "/proc/self/fd/\(fd)") else { return }
    if fromFile != fromMemory {
        fatalError("file and memory identification differ: \(fromFile) vs \(fromMemory)")
    }
    _ = fromFile.summary
    for type in BootFileType.maasTypes + BootFileType.streamOnlyTypes {
        _ = fromFile.isConsistent(with: type)
    }
}
