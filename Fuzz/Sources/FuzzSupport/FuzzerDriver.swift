import Glibc

/// libFuzzer's driver, which parses the usual libFuzzer flags and calls `callback` for each input.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The target's body; set once by ``runFuzzer(_:)`` before libFuzzer starts calling it.
nonisolated(unsafe) private var fuzzTarget: (Int32) -> Void = { _ in }

/// Runs libFuzzer with the process's arguments; each input is written to an unlinked file in `/dev/shm` and its
/// descriptor passed to `target`. Any error inside `target` is an acceptable outcome; a crash, a sanitizer report, a
/// hang or unbounded memory is a bug.
public func runFuzzer(_ target: @escaping (Int32) -> Void) -> Never {
    fuzzTarget = target
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
}

private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
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
    fuzzTarget(fd)
    return 0
}
