import Foundation
import SystemLayer
import SystemPackage
import TestSupport
import Testing

@testable import BootAssets

/// Identification of crafted headers (formats no tool here makes), of truncated and wrong-magic inputs, and the
/// bound on what is read.
@Suite("Identification of crafted and hostile input")
struct IdentificationCraftedTests {
    @Test("PE machines, formats, subsystems and the certificate table")
    func portableExecutables() {
        let cases: [(UInt16, String?, String)] = [
            (0x8664, "amd64", "x86-64"), (0xAA64, "arm64", "arm64"), (0x14C, "i386", "i386"),
            (0x1C2, "armhf", "ARM Thumb"), (0x1C4, "armhf", "ARMv7 Thumb-2"), (0x5064, "riscv64", "RISC-V 64"),
            (0xEBC, nil, "EFI byte code"),
        ]
        for (machine, architecture, name) in cases {
            let found = ContentIdentification(bytes: CraftedHeader.pe(machine: machine))
            #expect(found.kind == .peExecutable)
            #expect(found.architecture == architecture)
            #expect(found.detail("machine") == name)
            #expect(found.detail("signed") == "no")
        }
        let driver = ContentIdentification(bytes: CraftedHeader.pe(machine: 0xAA64, plus: false, subsystem: 11))
        #expect(driver.detail("format") == "PE32")
        #expect(driver.detail("subsystem") == "EFI boot service driver")
        let signed = ContentIdentification(
            bytes: CraftedHeader.pe(machine: 0xAA64, certificate: (offset: 512, size: 256)))
        #expect(signed.detail("signed") == "yes")
        #expect(!signed.isTruncated)
        #expect(signed.summary == "PE32+ EFI application for arm64, signed")
        let cut = ContentIdentification(
            bytes: CraftedHeader.pe(machine: 0xAA64, certificate: (offset: 900, size: 4096)))
        #expect(cut.isTruncated)
    }

    @Test("arm64, riscv64, EFI zboot and ARM zImage kernels")
    func kernels() throws {
        for stub in [false, true] {
            let found = ContentIdentification(bytes: CraftedHeader.arm64Image(efiStub: stub))
            #expect(found.kind == .linuxKernel)
            #expect(found.architecture == "arm64")
            #expect(found.detail("efi-stub") == (stub ? "arm64" : nil))
            #expect(found.isConsistent(with: .bootKernel))
        }
        var riscv = [UInt8](repeating: 0, count: 128)
        riscv.put("RSC\u{05}", at: 0x38)
        #expect(ContentIdentification(bytes: riscv).architecture == "riscv64")
        var zboot = CraftedHeader.pe(machine: 0xAA64)
        zboot.put("zimg", at: 4)
        zboot.putLE(0x1000, at: 8, width: 4)
        zboot.putLE(0x2000, at: 12, width: 4)
        zboot.put("gzip", at: 0x18)
        let efiZboot = ContentIdentification(bytes: zboot)
        #expect(efiZboot.kind == .linuxKernel)
        #expect(efiZboot.detail("payload-compression") == "gzip")
        #expect(efiZboot.architecture == "arm64")
        var zImage = [UInt8](repeating: 0, count: 1024)
        zImage.putLE(0x016F_2818, at: 0x24, width: 4)
        zImage.putLE(0, at: 0x28, width: 4)
        zImage.putLE(1024, at: 0x2C, width: 4)
        let arm = ContentIdentification(bytes: zImage)
        #expect(arm.architecture == "armhf")
        #expect(!arm.isTruncated)
        #expect(ContentIdentification(bytes: Array(zImage.prefix(512))).isTruncated)
    }

    @Test("an arm64 Image compressed with gzip, as Ubuntu ships it")
    func compressedArm64Kernel() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try builder.scratch.write(CraftedHeader.arm64Image(efiStub: true), to: "Image")
        try await builder.shell("gzip -c Image > Image.gz")
        let found = try ContentIdentification(contentsOf: builder.path("Image.gz"))
        #expect(found.kind == .linuxKernel)
        #expect(found.compression == .gzip)
        #expect(found.architecture == "arm64")
        #expect(found.isConsistent(with: .bootKernel))
    }

    @Test("ELF headers of each architecture")
    func elfHeaders() {
        let cases: [(UInt16, Bool, Bool, String?)] = [
            (21, true, false, "ppc64el"), (21, true, true, "ppc64"), (22, true, true, "s390x"),
            (183, true, false, "arm64"), (40, false, false, "armhf"), (3, false, false, "i386"),
            (243, true, false, "riscv64"), (62, true, false, "amd64"),
        ]
        for (machine, is64, bigEndian, architecture) in cases {
            let found = ContentIdentification(
                bytes: CraftedHeader.elf(machine: machine, is64: is64, bigEndian: bigEndian))
            #expect(found.kind == .elfExecutable)
            #expect(found.architecture == architecture, "\(machine)")
            #expect(found.detail("endianness") == (bigEndian ? "big" : "little"))
            #expect(found.detail("type") == "executable")
            #expect(
                found.isConsistent(with: .bootKernel) == ["ppc64el", "ppc64", "s390x"].contains(architecture ?? ""))
        }
    }

    @Test("truncated real files at every header boundary and at many other points never crash")
    func truncation() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.makeCPIO("a.cpio")
        try await builder.shell(
            "gzip -c a.cpio > a.cpio.gz && xz -c a.cpio > a.cpio.xz && zstd -qc a.cpio > a.cpio.zst"
                + " && lz4 -lqc a.cpio > a.cpio.lz4 && lz4 -qc a.cpio > a.cpio.lz4f"
                + " && mksquashfs root a.sqfs -quiet -noappend -no-progress >/dev/null"
                + " && printf '/dts-v1/;\\n/ { model = \"m\"; compatible = \"a,b\"; n { p = <1>; }; };\\n' > a.dts"
                + " && dtc -q -I dts -O dtb -o a.dtb a.dts && tar -cf a.tar -C root .")
        var files = ["a.cpio", "a.cpio.gz", "a.cpio.xz", "a.cpio.zst", "a.cpio.lz4", "a.cpio.lz4f", "a.sqfs", "a.dtb"]
        files.append("a.tar")
        var inputs = try files.map { try builder.bytes($0) }
        inputs.append(CraftedHeader.pe(machine: 0xAA64, certificate: (offset: 512, size: 256)))
        inputs.append(CraftedHeader.arm64Image(efiStub: true))
        inputs.append(CraftedHeader.elf(machine: 21))
        inputs.append(Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/lib/shim/shimx64.efi")).prefix(8192)))
        let boundaries = [0, 1, 2, 3, 4, 5, 6, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 60, 64, 96, 110, 120, 128]
        for input in inputs {
            let whole = ContentIdentification(bytes: input)
            #expect(whole.kind != .unknown)
            var cuts = Set(boundaries + [256, 257, 262, 300, 446, 510, 512, 520, 1024, 1080, 2048])
            for cut in stride(from: 0, to: input.count, by: max(1, input.count / 97)) { cuts.insert(cut) }
            for cut in cuts.sorted() where cut < input.count {
                let found = ContentIdentification(bytes: input.prefix(cut))
                #expect(
                    found.kind == .unknown || found.kind == whole.kind || found.kind == .compressedData,
                    "\(whole.kind) cut at \(cut): \(found.kind) \(found.summary)")
            }
        }
        // Cut cpio archives say so.
        let cpio = try builder.bytes("a.cpio")
        #expect(ContentIdentification(bytes: cpio.prefix(300)).isTruncated)
        let compressed = try builder.bytes("a.cpio.gz")
        let cutStream = ContentIdentification(bytes: compressed.prefix(compressed.count / 2))
        #expect(cutStream.compression == .gzip)
    }

    @Test("wrong magic numbers give unknown, and short or empty input is fine")
    func wrongMagic() {
        #expect(ContentIdentification(bytes: []).kind == .unknown)
        #expect(ContentIdentification(bytes: [0x1F]).kind == .unknown)
        #expect(ContentIdentification(bytes: [UInt8](repeating: 0, count: 4096)).kind == .unknown)
        #expect(ContentIdentification(bytes: [UInt8](repeating: 0xFF, count: 4096)).kind == .unknown)
        var notSquash = [UInt8](repeating: 0, count: 96)
        notSquash.put("hsqt", at: 0)
        #expect(ContentIdentification(bytes: notSquash).kind == .unknown)
        var notCPIO = [UInt8](repeating: 0x30, count: 200)
        notCPIO.put("070703", at: 0)
        #expect(ContentIdentification(bytes: notCPIO).kind == .unknown)
        var mz = [UInt8](repeating: 0, count: 512)
        mz.put("MZ", at: 0)
        mz.putLE(0xFFFF_FFF0, at: 0x3C, width: 4)
        #expect(ContentIdentification(bytes: mz).kind == .unknown)
        #expect(ContentIdentification(bytes: Array("hello world\n".utf8)).kind == .unknown)
        #expect(ContentIdentification(bytes: Array("a\tb\nnot a manifest line\n".utf8)).kind == .unknown)
        // A gzip header followed by garbage: compressed, content unknown, and said so.
        let garbage: [UInt8] = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3] + [UInt8](repeating: 0xEE, count: 64)
        let found = ContentIdentification(bytes: garbage)
        #expect(found.kind == .compressedData)
        #expect(found.compression == .gzip)
        #expect(!found.isConsistent(with: .bootInitrd))
    }

    @Test("a cpio prefix of a 200 MB sparse file reads only its headers")
    func boundedReading() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.makeCPIO("a.cpio")
        // One member claims 190 MB of data; walking it must seek, not read.
        try await builder.shell(
            "truncate -s 190000000 big.bin && (printf 'big.bin\\n' | cpio -o -H newc 2>/dev/null) > big.cpio"
                + " && rm big.bin && cat a.cpio >> big.cpio && truncate -s 200000000 big.cpio")
        let probe = try FileProbe(path: builder.path("big.cpio"))
        let found = try ContentIdentifier.identify(probe: probe, depth: 0)
        #expect(found.kind == .initrd)
        #expect(probe.bytesRead < 2 << 20, "read \(probe.bytesRead) bytes")
        // A zero-filled huge file: the padding scan is bounded too.
        try await builder.shell("truncate -s 200000000 zeros.img")
        let zeros = try FileProbe(path: builder.path("zeros.img"))
        #expect(try ContentIdentifier.identify(probe: zeros, depth: 0).kind == .unknown)
        #expect(zeros.bytesRead <= UInt64(ContentIdentifier.headSize) + (1 << 20))
        // A compressed stream is decompressed only in part.
        try await builder.shell("head -c 50000000 /dev/zero | gzip -1 > zeros.gz")
        let gzip = try FileProbe(path: builder.path("zeros.gz"))
        _ = try ContentIdentifier.identify(probe: gzip, depth: 0)
        #expect(gzip.bytesRead <= UInt64(PrefixDecompressor.inputLimit) + UInt64(ContentIdentifier.headSize))
        // Every read is within the budget, however many headers a file has.
        #expect(probe.bytesRead <= FileProbe.defaultBudget)
    }

    @Test("read errors and missing files are io errors naming the path")
    func ioErrors() throws {
        let missing = bootAssetsError { try ContentIdentification(contentsOf: "/nonexistent/boot-kernel") }
        #expect(missing?.code == .io)
        #expect(missing?.message.contains("/nonexistent/boot-kernel") == true)
        #expect((missing?.underlyingError as? FileSystemError)?.errno == .noSuchFileOrDirectory)
        let directory = bootAssetsError { try ContentIdentification(contentsOf: "/tmp") }
        #expect(directory?.code == .io)
    }

    @Test("check throws contentMismatch naming the path, the type and what was found")
    func checkMismatch() throws {
        let mismatch = bootAssetsError { try ContentIdentification(contentsOf: "/bin/true", expected: .bootKernel) }
        #expect(mismatch?.code == .contentMismatch)
        #expect(mismatch?.message.hasPrefix("/bin/true: expected boot-kernel, found ELF 64-bit") == true)
        #expect(throws: BootAssetsError.self) {
            try ContentIdentification(contentsOf: "/usr/lib/shim/shimx64.efi", expected: .bootKernel)
        }
    }
}
