/// Linux kernel images: x86 bzImage, arm64 and riscv64 `Image`, EFI zboot, armhf zImage.
enum LinuxKernel {
    /// The identification of a kernel image starting `head`, or `nil` when it is none; `pe` is the file's PE
    /// header, if it has one (an EFI stub).
    static func identify(head: [UInt8], probe: FileProbe, pe: PortableExecutable?) throws(BootAssetsError)
        -> ContentIdentification?
    {
        if let zboot = zboot(head: head, pe: pe) { return zboot }
        if let bzImage = try bzImage(head: head, probe: probe, pe: pe) { return bzImage }
        if let image = image(head: head, pe: pe) { return image }
        return zImage(head: head, probe: probe)
    }

    private static func stubDescription(_ pe: PortableExecutable?) -> String? {
        guard let pe else { return nil }
        return "EFI stub (\(pe.architecture ?? pe.machineName))"
    }

    private static func addStub(_ pe: PortableExecutable?, to result: inout ContentIdentification) {
        guard let pe else { return }
        result.set("efi-stub", pe.architecture ?? pe.machineName)
        result.set("signed", pe.isSigned ? "yes" : "no")
    }

    /// x86: the boot sector signature at 0x1FE, `HdrS` at 0x202, the boot protocol at 0x206, the version string
    /// through the pointer at 0x20E, `xloadflags` at 0x236.
    private static func bzImage(head: [UInt8], probe: FileProbe, pe: PortableExecutable?) throws(BootAssetsError)
        -> ContentIdentification?
    {
        guard head.matches([0x55, 0xAA], at: 0x1FE), head.matches("HdrS", at: 0x202),
            let protocolVersion = head.le16(0x206)
        else { return nil }
        var result = ContentIdentification(kind: .linuxKernel, summary: "")
        let protocolText = "\(protocolVersion >> 8).\(String(format2: protocolVersion & 0xFF))"
        let loadFlags = head.byte(at: 0x211) ?? 0
        let xloadflags = protocolVersion >= 0x20C ? (head.le16(0x236) ?? 0) : 0
        let is64 = xloadflags & 1 != 0
        result.architecture = is64 ? "amd64" : "i386"
        result.set("format", loadFlags & 1 != 0 ? "bzImage" : "zImage")
        var version: String?
        if let pointer = head.le16(0x20E), pointer > 0 {
            let offset = Int(pointer) + 0x200
            var text = head.cString(at: offset, maximum: 256)
            if text == nil && offset + 256 > head.count {
                text = try probe.read(at: UInt64(offset), count: 256).cString(at: 0, maximum: 256)
            }
            if let text {
                version = text.split(separator: " ", maxSplits: 1).first.map(String.init)
                result.set("version", version ?? text)
                result.set("version-string", text)
            }
        }
        result.set("boot-protocol", protocolText)
        addStub(pe, to: &result)
        // The file holds the setup sectors plus the protected-mode part: syssize counts 16-byte paragraphs.
        if !probe.isPrefix, protocolVersion >= 0x204, let setupSectors = head.byte(at: 0x1F1),
            let syssize = head.le32(0x1F4)
        {
            let setupBytes = UInt64(setupSectors == 0 ? 4 : setupSectors) * 512 + 512
            let expected = setupBytes + UInt64(syssize) * 16
            if expected > probe.size {
                result.set(ContentDetail.truncated, "\(probe.size) of \(expected) bytes")
            }
        }
        var summary = "Linux kernel x86 \(result.detail("format") ?? "bzImage")"
        if let version { summary += " \(version)" }
        summary += ", boot protocol \(protocolText)"
        if let stub = stubDescription(pe) {
            summary += ", " + stub
        } else {
            summary += " (\(result.architecture ?? "i386"))"
        }
        if result.isTruncated { summary += ", truncated" }
        result.summary = summary
        return result
    }

    /// arm64 (`ARM\x64` at 0x38) and riscv64 (`RSC\x05` at 0x38) `Image` files.
    private static func image(head: [UInt8], pe: PortableExecutable?) -> ContentIdentification? {
        let architecture: String
        let name: String
        if head.matches([0x41, 0x52, 0x4D, 0x64], at: 0x38) {
            architecture = "arm64"
            name = "arm64 Image"
        } else if head.matches([0x52, 0x53, 0x43, 0x05], at: 0x38) {
            architecture = "riscv64"
            name = "riscv64 Image"
        } else {
            return nil
        }
        var result = ContentIdentification(kind: .linuxKernel, architecture: architecture, summary: "")
        result.set("format", "Image")
        if architecture == "arm64", let flags = head.le64(0x18) {
            result.set("endianness", flags & 1 == 0 ? "little" : "big")
        }
        if let imageSize = head.le64(0x10), imageSize > 0 { result.set("image-size", String(imageSize)) }
        addStub(pe, to: &result)
        var summary = "Linux kernel \(name)"
        if let stub = stubDescription(pe) { summary += ", " + stub }
        result.summary = summary
        return result
    }

    /// EFI zboot: a PE whose `MZ` is followed by `zimg`, the payload offset and size, and the compression name at
    /// 0x18.
    private static func zboot(head: [UInt8], pe: PortableExecutable?) -> ContentIdentification? {
        guard head.matches("MZ", at: 0), head.matches("zimg", at: 4) else { return nil }
        var result = ContentIdentification(kind: .linuxKernel, architecture: pe?.architecture, summary: "")
        result.set("format", "EFI zboot")
        let payload = head.cString(at: 0x18, maximum: 32) ?? "unknown"
        result.set("payload-compression", payload)
        if let size = head.le32(12) { result.set("payload-size", String(size)) }
        addStub(pe, to: &result)
        var summary = "Linux kernel EFI zboot, \(payload) payload"
        if let stub = stubDescription(pe) { summary += ", " + stub }
        result.summary = summary
        return result
    }

    /// armhf zImage: the magic 0x016F2818 at 0x24, then the start and end addresses.
    private static func zImage(head: [UInt8], probe: FileProbe) -> ContentIdentification? {
        guard head.le32(0x24) == 0x016F_2818 else { return nil }
        var result = ContentIdentification(
            kind: .linuxKernel, architecture: "armhf", summary: "Linux kernel ARM zImage")
        result.set("format", "zImage")
        if let start = head.le32(0x28), let end = head.le32(0x2C), end > start {
            let size = UInt64(end - start)
            result.set("image-size", String(size))
            if !probe.isPrefix && size > probe.size {
                result.set(ContentDetail.truncated, "\(probe.size) of \(size) bytes")
                result.summary += ", truncated"
            }
        }
        return result
    }
}

extension String {
    /// A number written with two digits at least (`02`, `15`).
    init(format2 value: UInt16) {
        self = value < 10 ? "0\(value)" : String(value)
    }
}
