/// The PE/COFF header of an EFI binary or of a kernel with an EFI stub: `MZ`, `e_lfanew` at 0x3C, `PE\0\0`, the
/// COFF file header and the optional header.
struct PortableExecutable: Equatable {
    /// The COFF machine type.
    var machine: UInt16
    /// Whether the optional header is PE32+ (64-bit).
    var isPE32Plus: Bool
    /// The optional header's subsystem (10 EFI application, 11 boot service driver, 12 runtime driver).
    var subsystem: UInt16
    /// Whether the certificate-table data directory is non-empty (an Authenticode signature).
    var isSigned: Bool
    /// Whether the certificate table lies past the end of the file.
    var isTruncated: Bool

    /// The Debian architecture of ``machine``, or `nil` (EFI byte code, unknown machines).
    var architecture: String? { Self.architecture(machine: machine) }

    /// A name for ``machine``.
    var machineName: String {
        switch machine {
        case 0x14C: "i386"
        case 0x8664: "x86-64"
        case 0xAA64: "arm64"
        case 0x1C0: "ARM"
        case 0x1C2: "ARM Thumb"
        case 0x1C4: "ARMv7 Thumb-2"
        case 0x5032: "RISC-V 32"
        case 0x5064: "RISC-V 64"
        case 0xEBC: "EFI byte code"
        default: "machine 0x" + String(machine, radix: 16)
        }
    }

    /// A name for ``subsystem``.
    var subsystemName: String {
        switch subsystem {
        case 10: "EFI application"
        case 11: "EFI boot service driver"
        case 12: "EFI runtime driver"
        case 13: "EFI ROM"
        case 2: "Windows GUI"
        case 3: "Windows console"
        default: "subsystem \(subsystem)"
        }
    }

    static func architecture(machine: UInt16) -> String? {
        switch machine {
        case 0x14C: "i386"
        case 0x8664: "amd64"
        case 0xAA64: "arm64"
        case 0x1C2, 0x1C4: "armhf"
        case 0x5064: "riscv64"
        default: nil
        }
    }

    /// The largest `e_lfanew` accepted.
    static let maximumHeaderOffset: UInt32 = 1 << 20

    /// Parses the PE header of the file whose first bytes are `head`, reading past them through `probe` when
    /// `e_lfanew` points further; `nil` when there is no `MZ` or no `PE\0\0`.
    static func parse(head: [UInt8], probe: FileProbe) throws(BootAssetsError) -> PortableExecutable? {
        guard head.matches("MZ", at: 0), let lfanew = head.le32(0x3C), lfanew >= 0x40,
            lfanew <= maximumHeaderOffset
        else { return nil }
        let start = Int(lfanew)
        let wanted = 24 + 240
        let header: [UInt8]
        if start + wanted <= head.count {
            header = Array(head[start..<(start + wanted)])
        } else {
            header = try probe.read(at: UInt64(lfanew), count: wanted)
        }
        guard header.matches([0x50, 0x45, 0, 0], at: 0), let machine = header.le16(4),
            let optionalSize = header.le16(20)
        else { return nil }
        let optional = 24
        guard optionalSize >= 70, let magic = header.le16(optional) else {
            return PortableExecutable(
                machine: machine, isPE32Plus: false, subsystem: 0, isSigned: false, isTruncated: false)
        }
        let isPlus = magic == 0x20B
        guard magic == 0x10B || isPlus else {
            return PortableExecutable(
                machine: machine, isPE32Plus: false, subsystem: 0, isSigned: false, isTruncated: false)
        }
        let subsystem = header.le16(optional + 68) ?? 0
        let countOffset = optional + (isPlus ? 108 : 92)
        let directories = optional + (isPlus ? 112 : 96)
        var signed = false
        var truncated = false
        let directoryEnd = directories + 5 * 8
        if let count = header.le32(countOffset), count >= 5, Int(optionalSize) >= directoryEnd - optional,
            let certificateOffset = header.le32(directories + 32), let certificateSize = header.le32(directories + 36),
            certificateSize > 0
        {
            signed = true
            let (end, overflow) = UInt64(certificateOffset).addingReportingOverflow(UInt64(certificateSize))
            truncated = !probe.isPrefix && (overflow || end > probe.size)
        }
        return PortableExecutable(
            machine: machine, isPE32Plus: isPlus, subsystem: subsystem, isSigned: signed, isTruncated: truncated)
    }

    /// The identification of a PE binary that is not a Linux kernel.
    func identification() -> ContentIdentification {
        var result = ContentIdentification(
            kind: .peExecutable, architecture: architecture, summary: "")
        result.set("machine", machineName)
        result.set("format", isPE32Plus ? "PE32+" : "PE32")
        result.set("subsystem", subsystemName)
        result.set("signed", isSigned ? "yes" : "no")
        if isTruncated { result.set(ContentDetail.truncated, "certificate table past the end of the file") }
        var summary = "\(isPE32Plus ? "PE32+" : "PE32") \(subsystemName) for \(architecture ?? machineName)"
        if isSigned { summary += ", signed" }
        if isTruncated { summary += " (truncated)" }
        result.summary = summary
        return result
    }
}
