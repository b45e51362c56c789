import BootAssets
import Foundation
import TestSupport
import Testing

/// Identification of real files made by real tools, each reported detail checked against the tool that made it.
@Suite("Identification of real files")
struct IdentificationDifferentialTests {
    static let compressions: [Compression] = [.gzip, .xz, .zstd, .lz4, .lz4Legacy, .lzma]

    @Test("a newc cpio archive, uncompressed and compressed with each compressor")
    func cpioArchives() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.makeCPIO("initrd.cpio")
        let listing = try await builder.shell("cpio -it --quiet < initrd.cpio")
        let names = listing.outputText.split(separator: "\n").map {
            $0.hasPrefix("./") ? String($0.dropFirst(2)) : String($0)
        }
        let plain = try ContentIdentification(contentsOf: builder.path("initrd.cpio"))
        #expect(plain.kind == .initrd)
        #expect(plain.compression == nil)
        #expect(plain.detail("format") == "newc")
        #expect(plain.detail("members") == String(names.count))
        #expect(plain.detail("first-members") == names.prefix(8).joined(separator: ", "))
        #expect(plain.isConsistent(with: .bootInitrd))
        #expect(!plain.isConsistent(with: .bootKernel))
        for compression in Self.compressions + [.bzip2] {
            let name = "initrd.\(compression)"
            try await builder.shell("\(IdentificationBuilder.compressor(compression)) < initrd.cpio > \(name)")
            let found = try ContentIdentification(contentsOf: builder.path(name))
            #expect(found.compression == compression, "\(name)")
            if compression == .bzip2 {
                #expect(found.kind == .compressedData)
                #expect(!found.isConsistent(with: .bootInitrd))
                continue
            }
            #expect(found.kind == .initrd, "\(name): \(found.summary)")
            #expect(found.detail("members") == String(names.count), "\(name)")
            #expect(found.detail("first-members") == names.prefix(8).joined(separator: ", "), "\(name)")
            #expect(found.isConsistent(with: .bootInitrd))
            #expect(found.summary.contains("\(compression)-compressed cpio newc"), "\(found.summary)")
        }
    }

    @Test("crc and odc cpio formats")
    func otherCPIOFormats() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        for (format, reported) in [("crc", "crc"), ("odc", "odc"), ("bin", "binary")] {
            try await builder.makeCPIO("a.\(format)", format: format)
            let found = try ContentIdentification(contentsOf: builder.path("a.\(format)"))
            #expect(found.kind == .initrd, "\(format)")
            #expect(found.detail("format") == reported)
            #expect(found.detail("members") == "6", "\(format): \(found.details)")
        }
    }

    @Test("an early-microcode initrd: uncompressed microcode cpio, padding, then a compressed main archive")
    func earlyMicrocode() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.makeCPIO("main.cpio")
        try await builder.shell(
            "mkdir -p early/kernel/x86/microcode && head -c 10000 /dev/urandom > early/kernel/x86/microcode/GenuineIntel.bin"
                + " && head -c 777 /dev/urandom > early/kernel/x86/microcode/AuthenticAMD.bin"
                + " && (cd early && find . | LC_ALL=C sort | cpio -o -H newc 2>/dev/null) > early.cpio")
        for compression in [Compression.zstd, .gzip, .xz, .lz4Legacy] {
            let name = "initrd-\(compression)"
            // initramfs-tools pads the early archive to a 512-byte boundary with zeros.
            try await builder.shell(
                "cp early.cpio \(name) && truncate -s %512 \(name) && head -c 1024 /dev/zero >> \(name)"
                    + " && \(IdentificationBuilder.compressor(compression)) < main.cpio >> \(name)")
            let found = try ContentIdentification(contentsOf: builder.path(name))
            #expect(found.kind == .initrd, "\(found.summary)")
            #expect(found.compression == compression)
            #expect(found.detail("early-microcode") == "AuthenticAMD.bin, GenuineIntel.bin")
            #expect(found.detail("members") == "6")
            #expect(found.detail("archives") == "2")
            #expect(!found.isTruncated)
            #expect(found.isConsistent(with: .bootInitrd))
            #expect(found.summary.hasPrefix("initrd: early microcode (AuthenticAMD.bin, GenuineIntel.bin) + "))
        }
    }

    @Test("squashfs images for each compressor mksquashfs supports, against unsquashfs -s")
    func squashfsImages() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.makeTree()
        for (compressor, block) in [("gzip", 131072), ("xz", 65536), ("zstd", 262144), ("lz4", 4096), ("lzo", 1 << 20)]
        {
            let name = "\(compressor).sqfs"
            let made = try await Tool.run(
                "mksquashfs",
                [
                    builder.path("root"), builder.path(name), "-comp", compressor, "-b", String(block),
                    "-quiet", "-noappend", "-no-progress",
                ])
            guard made.status == 0 else { continue }  // a compressor this mksquashfs lacks
            let reference = try await Tool.run("unsquashfs", ["-s", builder.path(name)], check: true).outputText
            let found = try ContentIdentification(contentsOf: builder.path(name))
            #expect(found.kind == .squashfs)
            #expect(reference.contains("Compression \(found.detail("compressor") ?? "?")\n"), "\(reference)")
            #expect(reference.contains("Block size \(found.detail("block-size") ?? "?")\n"))
            #expect(found.detail("block-size") == String(block))
            #expect(found.detail("version") == "4.0")
            #expect(found.detail("inodes") == "6")
            let size = try FileManager.default.attributesOfItem(atPath: builder.path(name))[.size] as? Int
            #expect(reference.contains("Filesystem size \(found.detail("bytes-used") ?? "?") bytes"))
            #expect(found.detail("size") == size.map(String.init))
            #expect(found.isConsistent(with: .squashfs))
            #expect(!found.isTruncated)
            // Cut in the middle: bytes_used now exceeds the file.
            try await builder.shell("head -c 200 \(name) > cut-\(name)")
            let cut = try ContentIdentification(contentsOf: builder.path("cut-\(name)"))
            #expect(cut.kind == .squashfs)
            #expect(cut.isTruncated)
        }
    }

    @Test("a device tree compiled by dtc, model and compatible read back")
    func deviceTree() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try builder.scratch.write(
            """
            /dts-v1/;
            / {
                #address-cells = <1>;
                #size-cells = <1>;
                model = "APM X-Gene Mustang board";
                compatible = "apm,mustang", "apm,xgene-storm";
                chosen { bootargs = "console=ttyS0"; };
                memory@0 { device_type = "memory"; reg = <0 0x1000>; };
            };
            """, to: "board.dts")
        try await builder.shell("dtc -q -I dts -O dtb -o board.dtb board.dts")
        let found = try ContentIdentification(contentsOf: builder.path("board.dtb"))
        #expect(found.kind == .deviceTree)
        #expect(found.detail("model") == "APM X-Gene Mustang board")
        #expect(found.detail("compatible") == "apm,mustang, apm,xgene-storm")
        #expect(found.detail("version") == "17")
        let size = try builder.bytes("board.dtb").count
        #expect(found.detail("total-size") == String(size))
        #expect(found.isConsistent(with: .bootDTB))
        #expect(!found.isConsistent(with: .bootKernel))
        // gzip'd, it is still a device tree, but not a plain boot-dtb.
        try await builder.shell("gzip -c board.dtb > board.dtb.gz")
        let compressed = try ContentIdentification(contentsOf: builder.path("board.dtb.gz"))
        #expect(compressed.kind == .deviceTree)
        #expect(compressed.compression == .gzip)
        #expect(compressed.detail("model") == "APM X-Gene Mustang board")
    }

    @Test("EFI binaries from shim-unsigned and grub-efi-amd64-bin, against objdump")
    func efiBinaries() async throws {
        let paths = ["/usr/lib/shim/shimx64.efi", "/usr/lib/grub/x86_64-efi/monolithic/grubx64.efi"]
        for path in paths {
            try #require(FileManager.default.fileExists(atPath: path), "make deps installs \(path)")
            let found = try ContentIdentification(contentsOf: path)
            #expect(found.kind == .peExecutable)
            #expect(found.architecture == "amd64")
            #expect(found.detail("format") == "PE32+")
            #expect(found.detail("subsystem") == "EFI application")
            #expect(found.detail("signed") == "no")
            if Tool.exists("objdump") {
                let reference = try await Tool.run("objdump", ["-f", path], check: true).outputText
                #expect(reference.contains("pei-x86-64"))
            }
            for type in BootFileType.maasTypes + BootFileType.streamOnlyTypes {
                #expect(!found.isConsistent(with: type), "\(type)")
            }
        }
    }

    @Test("ELF programs on the machine, against readelf")
    func elfPrograms() async throws {
        let found = try ContentIdentification(contentsOf: "/bin/true")
        #expect(found.kind == .elfExecutable)
        #expect(found.detail("class") == "ELF64")
        #expect(found.detail("endianness") == "little")
        if Tool.exists("readelf") {
            let header = try await Tool.run("readelf", ["-h", "/bin/true"], check: true).outputText
            #expect(header.contains("X86-64") == (found.architecture == "amd64"))
            #expect(header.contains("DYN") == (found.detail("type") == "shared object"))
        }
    }

    @Test("tarballs with each compressor, and disk-image tarballs")
    func tarballs() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.makeTree()
        try await builder.shell("tar --format=ustar -cf root.tar -C root .")
        let plain = try ContentIdentification(contentsOf: builder.path("root.tar"))
        #expect(plain.kind == .tarArchive)
        #expect(plain.detail("format") == "ustar")
        #expect(plain.detail("first-member") == "./")
        #expect(plain.detail("first-member-type") == "directory")
        try await builder.shell("tar --format=v7 -cf v7.tar -C root etc")
        #expect(try ContentIdentification(contentsOf: builder.path("v7.tar")).detail("format") == "v7")
        let expectations: [(Compression, BootFileType?)] = [
            (.gzip, .rootTGZ), (.xz, .rootTXZ), (.zstd, nil), (.bzip2, .rootTBZ),
        ]
        for (compression, type) in expectations {
            let name = "root.tar.\(compression)"
            try await builder.shell("\(IdentificationBuilder.compressor(compression)) < root.tar > \(name)")
            let found = try ContentIdentification(contentsOf: builder.path(name))
            #expect(found.compression == compression)
            #expect(found.kind == (compression == .bzip2 ? .compressedData : .tarArchive), "\(found.summary)")
            if let type { #expect(found.isConsistent(with: type), "\(type)") }
            #expect(!found.isConsistent(with: .rootDDXZ))
        }
        #expect(
            try ContentIdentification(contentsOf: builder.path("root.tar.xz")).isConsistent(with: .archiveTarXZ))
        // A disk image in a tarball (root-dd, root-dd.tar.xz): the first member's content is looked at.
        try await builder.shell(
            "truncate -s 2M root-dd && printf 'label: gpt\\n,512K\\n,\\n' | sfdisk -q root-dd"
                + " && tar -czf dd.tgz root-dd && tar -cJf dd.txz root-dd && tar -cf dd.tar root-dd")
        let ddTGZ = try ContentIdentification(contentsOf: builder.path("dd.tgz"))
        #expect(ddTGZ.detail("first-member-content") == "diskImage")
        #expect(ddTGZ.isConsistent(with: .rootDD))
        #expect(try ContentIdentification(contentsOf: builder.path("dd.txz")).isConsistent(with: .rootDDTarXZ))
        #expect(try ContentIdentification(contentsOf: builder.path("dd.tar")).isConsistent(with: .rootDDTar))
        // A root tarball is not a disk image tarball.
        try await builder.shell("tar -czf notdd.tgz -C root etc/motd")
        #expect(!(try ContentIdentification(contentsOf: builder.path("notdd.tgz")).isConsistent(with: .rootDD)))
    }

    @Test("a GPT disk image from sfdisk and an ext4 image from mkfs.ext4, raw and compressed")
    func diskAndFilesystemImages() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.shell(
            "truncate -s 4M disk.img && printf 'label: gpt\\n,1M\\n,1M\\n,\\n' | sfdisk -q disk.img"
                + " && truncate -s 4M mbr.img && printf 'label: dos\\n,1M,83\\n,,83,*\\n' | sfdisk -q mbr.img")
        let gpt = try ContentIdentification(contentsOf: builder.path("disk.img"))
        #expect(gpt.kind == .diskImage)
        #expect(gpt.detail("partition-table") == "gpt")
        let dump = try await Tool.run(
            IdentificationBuilder.sbin("sfdisk"), ["-d", builder.path("disk.img")], check: true
        ).outputText
        let partitionLines = dump.split(separator: "\n").filter { $0.contains(" : start=") }
        #expect(gpt.detail("partitions") == String(partitionLines.count))
        #expect(gpt.isConsistent(with: .rootDDRaw))
        let mbr = try ContentIdentification(contentsOf: builder.path("mbr.img"))
        #expect(mbr.detail("partition-table") == "mbr")
        #expect(mbr.detail("partitions") == "2")
        guard Tool.exists(IdentificationBuilder.sbin("mkfs.ext4")) else { return }
        try await builder.shell(
            "truncate -s 8M fs.img && PATH=$PATH:/sbin:/usr/sbin mkfs.ext4 -q -b 4096 -L cloudimg-rootfs fs.img"
                + " && gzip -c fs.img > fs.img.gz && xz -T1 --check=crc32 -c disk.img > disk.img.xz"
                + " && gzip -c disk.img > disk.img.gz")
        let ext4 = try ContentIdentification(contentsOf: builder.path("fs.img"))
        #expect(ext4.kind == .filesystemImage)
        #expect(ext4.detail("filesystem") == "ext4")
        #expect(ext4.detail("block-size") == "4096")
        #expect(ext4.detail("blocks") == "2048")
        #expect(ext4.detail("label") == "cloudimg-rootfs")
        #expect(ext4.isConsistent(with: .rootDDRaw))
        let rootImage = try ContentIdentification(contentsOf: builder.path("fs.img.gz"))
        #expect(rootImage.isConsistent(with: .rootImageGZ))
        #expect(rootImage.isConsistent(with: .rootDDGZ))
        #expect(!rootImage.isConsistent(with: .rootDDXZ))
        #expect(try ContentIdentification(contentsOf: builder.path("disk.img.xz")).isConsistent(with: .rootDDXZ))
        #expect(try ContentIdentification(contentsOf: builder.path("disk.img.gz")).isConsistent(with: .rootDDGZ))
        #expect(
            !(try ContentIdentification(contentsOf: builder.path("disk.img.gz")).isConsistent(with: .rootImageGZ)))
    }

    @Test("a package manifest from dpkg-query -W")
    func manifest() async throws {
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.shell("dpkg-query -W > squashfs.manifest")
        let lines = try await builder.shell("wc -l < squashfs.manifest").outputText
        let found = try ContentIdentification(contentsOf: builder.path("squashfs.manifest"))
        #expect(found.kind == .packageManifest)
        #expect(found.detail("packages") == lines.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(found.isConsistent(with: .manifest))
        // Larger than the read bound: counted from the first MiB, and said so.
        try await builder.shell("for i in $(seq 1 100); do cat squashfs.manifest; done > big.manifest")
        let big = try ContentIdentification(contentsOf: builder.path("big.manifest"))
        #expect(big.kind == .packageManifest)
        #expect(big.detail("packages")?.hasPrefix("at least ") == true)
        #expect(big.detail("read") != nil)
    }

    @Test("the installed Debian kernel and initrd (skipped when /boot has none)")
    func installedKernel() async throws {
        let kernels =
            (try? FileManager.default.contentsOfDirectory(atPath: "/boot"))?.filter {
                $0.hasPrefix("vmlinuz-")
            } ?? []
        guard let kernel = kernels.sorted().last else {
            print("no /boot/vmlinuz-*: install linux-image-cloud-amd64 (make deps) to run this test")
            return
        }
        let release = String(kernel.dropFirst("vmlinuz-".count))
        let found = try ContentIdentification(contentsOf: "/boot/" + kernel)
        #expect(found.kind == .linuxKernel)
        #expect(found.detail("version") == release)
        #expect(found.architecture == "amd64")
        #expect(found.detail("efi-stub") == "amd64")
        #expect(found.summary.hasPrefix("Linux kernel x86 bzImage \(release), boot protocol 2."))
        #expect(found.isConsistent(with: .bootKernel))
        #expect(!found.isTruncated)
        if let fileOutput = try? await Tool.run("file", ["-b", "/boot/" + kernel]), fileOutput.status == 0 {
            #expect(fileOutput.outputText.contains("version \(release)"))
        }
        let initrd = "/boot/initrd.img-" + release
        if FileManager.default.fileExists(atPath: initrd) {
            let image = try ContentIdentification(contentsOf: initrd)
            #expect(image.kind == .initrd)
            #expect(image.isConsistent(with: .bootInitrd))
            #expect(!image.isConsistent(with: .bootKernel))
        }
        // gzip'd (as Ubuntu ships arm64 kernels), still a kernel.
        let builder = try IdentificationBuilder()
        defer { builder.scratch.remove() }
        try await builder.shell("gzip -c /boot/\(kernel) > kernel.gz")
        let compressed = try ContentIdentification(contentsOf: builder.path("kernel.gz"))
        #expect(compressed.kind == .linuxKernel)
        #expect(compressed.compression == .gzip)
        #expect(compressed.detail("version") == release)
    }
}
