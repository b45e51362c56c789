import Glibc

/// Whether the squashfs targets read this input's xz and lzma blocks with the native decoder: for three inputs in
/// four, chosen by the sum of the input's bytes (so a saved input always replays with the same decoder); liblzma for
/// the rest, which keeps the reference path fuzzed too. `FUZZ_XZ_DECODER=native` or `=liblzma` forces either (to
/// tell which decoder a finding needs).
public func prefersNativeXZ(_ fd: Int32) -> Bool {
    if let forced = getenv("FUZZ_XZ_DECODER") { return String(cString: forced) != "liblzma" }
    guard let bytes = readFuzzInput(fd) else { return true }
    var sum: UInt = 0
    for byte in bytes { sum &+= UInt(byte) }
    return sum % 4 != 0
}
