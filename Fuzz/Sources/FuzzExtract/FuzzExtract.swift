import Dispatch
import FuzzSupport
import Glibc
import SquashFS
import SystemPackage

/// Treats each input as a squashfs image and extracts it into a fresh directory, then checks that nothing was
/// created next to that directory (an escape through `..`, a symbolic link or a hard link would show there). xz and
/// lzma blocks go through the native decoder for three inputs in four (``prefersNativeXZ(_:)``), liblzma otherwise.
@main
enum FuzzExtract {
    static func main() {
        runFuzzer(extract)
    }
}

private func extract(fd: Int32) {
    var imageOptions = SquashFSImage.Options()
    imageOptions.maximumDepth = 64
    imageOptions.maximumBlockListBytes = 1 << 16
    imageOptions.xzDecoder = prefersNativeXZ(fd) ? .native : .liblzma
    guard let image = try? SquashFSImage(fileDescriptor: FileDescriptor(rawValue: fd), options: imageOptions) else {
        return
    }
    var template = Array("/dev/shm/fuzz-extract-XXXXXX".utf8CString)
    guard let parent = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
        return
    }
    let parentPath = String(cString: parent)
    let destination = parentPath + "/dest"
    var options = ExtractionOptions()
    options.maximumTotalBytes = 16 << 20
    options.maximumEntries = 10_000
    options.jobs = 2
    let done = DispatchSemaphore(value: 0)
    Task {
        _ = try? await image.extract(to: destination, options: options)
        done.signal()
    }
    done.wait()
    let names = directoryNames(Array(parentPath.utf8))
    if names != [Array("dest".utf8)] && !names.isEmpty {
        let message = Array("extraction wrote outside its destination: \(names)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        abort()
    }
    removeTree(Array(parentPath.utf8))
}

/// The names in a directory, as bytes (they need not be UTF-8).
private func directoryNames(_ path: [UInt8]) -> [[UInt8]] {
    guard let directory = opendir((path + [0]).map { CChar(bitPattern: $0) }) else { return [] }
    defer { closedir(directory) }
    var names: [[UInt8]] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
        if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
    }
    return names
}

/// Removes a tree without following symbolic links (`rm -rf`), making directories writable first.
private func removeTree(_ path: [UInt8]) {
    let cPath = (path + [0]).map { CChar(bitPattern: $0) }
    var info = stat()
    guard lstat(cPath, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
        chmod(cPath, 0o700)
        for name in directoryNames(path) { removeTree(path + [0x2F] + name) }
        rmdir(cPath)
    } else {
        unlink(cPath)
    }
}
