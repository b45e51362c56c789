import Glibc
import SquashFS

/// libFuzzer's driver, which parses the usual libFuzzer flags and calls `callback` for each input.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
enum FuzzSquashFS {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzSquashFS))
    }
}

/// Treats the input as a squashfs image and exercises every reading path.
///
/// Any error is an acceptable outcome; a crash, a sanitizer report, a hang or unbounded memory is a bug.
private func fuzzSquashFS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    var template = Array("/dev/shm/fuzz-squashfs-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
    guard fd >= 0 else { return 0 }
    _ = template.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { unlink($0) } }
    defer { close(fd) }
    var written = 0
    while written < size {
        let result = write(fd, data + written, size - written)
        guard result > 0 else { return 0 }
        written += result
    }
    exercise(fd: fd)
    return 0
}

private func exercise(fd: Int32) {
    var options = SquashFSImage.Options()
    options.maximumDepth = 64
    options.maximumBlockListBytes = 1 << 16
    guard let image = try? SquashFSImage(fileDescriptor: fd, options: options) else { return }
    _ = image.info()
    for path in ["/etc/os-release", "/a/b/../c", "/loop", "/"] {
        _ = try? image.resolve(ImagePath(path))
    }
    guard var walker = try? image.walk() else { return }
    var entries = 0
    while entries < 10_000, let entry = try? walker.next() {
        entries += 1
        _ = try? image.extendedAttributes(of: entry.inode)
        if entry.inode.kind == .directory {
            for child in (try? image.contentsOfDirectory(entry.inode)) ?? [] {
                _ = try? image.entry(named: child.name, in: entry.inode)
            }
        }
        if entry.inode.kind == .regularFile, let reader = try? image.fileReader(for: entry.inode) {
            _ = try? reader.readAll(maximumSize: 1 << 20)
            _ = try? reader.read(at: reader.size / 2, count: 4096)
        }
    }
}
