import FuzzSupport
import SquashFS
import SystemPackage

@main
enum FuzzSquashFS {
    /// Treats each input as a squashfs image and exercises every reading path; xz and lzma blocks go through the
    /// native decoder for three inputs in four (``prefersNativeXZ(_:)``), through liblzma for the rest.
    static func main() {
        runFuzzer(exercise)
    }
}

private func exercise(fd: Int32) {
    var options = SquashFSImage.Options()
    options.maximumDepth = 64
    options.maximumBlockListBytes = 1 << 16
    options.xzDecoder = prefersNativeXZ(fd) ? .native : .liblzma
    guard let image = try? SquashFSImage(fileDescriptor: FileDescriptor(rawValue: fd), options: options) else { return }
    _ = image.superblock
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
