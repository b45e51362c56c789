import BootAssets
import Foundation
import TestSupport
import Testing

/// Builds real boot files with real tools (cpio, compressors, mksquashfs, dtc, tar, mkfs.ext4, sfdisk) in a
/// scratch directory, for the identification tests.
struct IdentificationBuilder {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory(prefix: "identification")
    }

    /// The path of `name` in the scratch directory.
    func path(_ name: String) -> String { scratch.path + "/" + name }

    /// Runs a shell script in the scratch directory; a failure throws.
    @discardableResult
    func shell(_ script: String) async throws -> ToolResult {
        try await Tool.run(
            "sh", ["-c", "PATH=$PATH:/usr/sbin:/sbin; cd '\(scratch.path)' && " + script], check: true)
    }

    /// A small tree `root/` with a directory, two files and a symlink.
    func makeTree() async throws {
        try await shell(
            "mkdir -p root/bin root/etc && printf 'hello\\n' > root/etc/motd && head -c 5000 /dev/urandom > root/bin/tool"
                + " && ln -sf ../etc/motd root/bin/link")
    }

    /// `root/` as a newc cpio archive at `name`.
    func makeCPIO(_ name: String, format: String = "newc") async throws {
        try await makeTree()
        try await shell("(cd root && find . | LC_ALL=C sort | cpio -o -H \(format) 2>/dev/null) > \(name)")
    }

    /// The command line that compresses standard input to standard output with `compression`.
    static func compressor(_ compression: Compression) -> String {
        switch compression {
        case .gzip: "gzip -9c"
        case .xz: "xz --check=crc32 -c"
        case .zstd: "zstd -qc"
        case .lz4: "lz4 -qc"
        case .lz4Legacy: "lz4 -lqc"
        case .bzip2: "bzip2 -c"
        case .lzma: "xz --format=lzma -c"
        }
    }

    /// The path of a tool in `/usr/sbin` or `/sbin` (sfdisk, mkfs.ext4), or the bare name.
    static func sbin(_ name: String) -> String {
        ["/usr/sbin/", "/sbin/"].map { $0 + name }.first { access($0, X_OK) == 0 } ?? name
    }

    /// The bytes of `name`.
    func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

/// Little-endian and big-endian writers for crafted headers.
extension Array where Element == UInt8 {
    /// Writes `value` as `width` little-endian bytes at `offset`, growing the array when needed.
    mutating func putLE(_ value: UInt64, at offset: Int, width: Int) {
        if count < offset + width { append(contentsOf: [UInt8](repeating: 0, count: offset + width - count)) }
        for index in 0..<width { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    /// Writes `value` as `width` big-endian bytes at `offset`.
    mutating func putBE(_ value: UInt64, at offset: Int, width: Int) {
        if count < offset + width { append(contentsOf: [UInt8](repeating: 0, count: offset + width - count)) }
        for index in 0..<width {
            self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - index)))
        }
    }

    /// Writes ASCII `text` at `offset`.
    mutating func put(_ text: String, at offset: Int) {
        for (index, byte) in text.utf8.enumerated() { putLE(UInt64(byte), at: offset + index, width: 1) }
    }
}

/// Crafted headers of formats no tool on the machine makes (arm64 and EBC PE files, foreign ELF files, kernels).
enum CraftedHeader {
    /// An MZ stub with a PE header at 0x80: `machine`, PE32+ (or PE32), `subsystem`, and a certificate table of
    /// `certificateSize` bytes at `certificateOffset` when given.
    static func pe(
        machine: UInt16, plus: Bool = true, subsystem: UInt16 = 10, certificate: (offset: UInt32, size: UInt32)? = nil,
        size: Int = 1024
    ) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.put("MZ", at: 0)
        bytes.putLE(0x80, at: 0x3C, width: 4)
        bytes.put("PE\0\0", at: 0x80)
        bytes.putLE(UInt64(machine), at: 0x84, width: 2)
        bytes.putLE(plus ? 240 : 224, at: 0x80 + 20, width: 2)
        let optional = 0x80 + 24
        bytes.putLE(plus ? 0x20B : 0x10B, at: optional, width: 2)
        bytes.putLE(UInt64(subsystem), at: optional + 68, width: 2)
        bytes.putLE(16, at: optional + (plus ? 108 : 92), width: 4)
        if let certificate {
            let directory = optional + (plus ? 112 : 96) + 32
            bytes.putLE(UInt64(certificate.offset), at: directory, width: 4)
            bytes.putLE(UInt64(certificate.size), at: directory + 4, width: 4)
        }
        return bytes
    }

    /// An ELF header: 64-bit unless `is64` is false, `bigEndian`, `machine`, executable.
    static func elf(machine: UInt16, is64: Bool = true, bigEndian: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, is64 ? 2 : 1, bigEndian ? 2 : 1, 1]
        bytes.append(contentsOf: [UInt8](repeating: 0, count: 64 - bytes.count))
        if bigEndian {
            bytes.putBE(2, at: 16, width: 2)
            bytes.putBE(UInt64(machine), at: 18, width: 2)
        } else {
            bytes.putLE(2, at: 16, width: 2)
            bytes.putLE(UInt64(machine), at: 18, width: 2)
        }
        return bytes
    }

    /// An arm64 `Image` header (with an EFI stub PE header when `efiStub`).
    static func arm64Image(efiStub: Bool) -> [UInt8] {
        var bytes = efiStub ? pe(machine: 0xAA64, size: 4096) : [UInt8](repeating: 0, count: 4096)
        bytes.putLE(0x200_0000, at: 0x10, width: 8)
        bytes.putLE(0xA, at: 0x18, width: 8)
        bytes.putLE(0x644D_5241, at: 0x38, width: 4)
        return bytes
    }
}
