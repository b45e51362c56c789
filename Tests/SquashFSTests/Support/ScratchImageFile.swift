import Glibc
import SquashFS
import SystemPackage

/// One file that is rewritten with each generated image and opened through its descriptor.
///
/// If a mutant crashes the test process, the file is left behind holding exactly that mutant: its path is the
/// reproduction.
final class ScratchImageFile {
    let path: String
    private let descriptor: Int32

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        self.path = path
        descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try POSIX.check(descriptor, "open", Array(path.utf8))
    }

    deinit { close(descriptor) }

    /// Replaces the file's contents with `bytes`.
    func write(_ bytes: [UInt8]) throws {
        try POSIX.check(ftruncate(descriptor, 0), "ftruncate", Array(path.utf8))
        var done = 0
        while done < bytes.count {
            let written = bytes[done...].withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(done)) }
            guard written > 0 else { throw POSIXFailure(call: "pwrite", path: Array(path.utf8), errno: errno) }
            done += written
        }
    }

    /// Writes `bytes` and exercises them as an image.
    func exercise(_ bytes: [UInt8], options: SquashFSImage.Options = .init()) throws -> ImageExerciser.Outcome {
        try write(bytes)
        return ImageExerciser.exercise(fileDescriptor: descriptor, options: options)
    }

    /// Writes `bytes` and opens them as an image.
    func open(_ bytes: [UInt8], options: SquashFSImage.Options = .init()) throws -> SquashFSImage {
        try write(bytes)
        return try SquashFSImage(fileDescriptor: FileDescriptor(rawValue: descriptor), options: options)
    }
}
