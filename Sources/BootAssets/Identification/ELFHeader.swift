/// The ELF identification and file header: class, byte order, type and machine.
enum ELFHeader {
    /// The identification of an ELF file starting `head`, or `nil` when `head` does not start with `\x7FELF`.
    static func identify(head: [UInt8], probe: FileProbe) -> ContentIdentification? {
        guard head.matches([0x7F, 0x45, 0x4C, 0x46], at: 0), let elfClass = head.byte(at: 4),
            let data = head.byte(at: 5)
        else { return nil }
        var result = ContentIdentification(kind: .elfExecutable, summary: "")
        let is64 = elfClass == 2
        let bigEndian = data == 2
        guard elfClass == 1 || is64, data == 1 || bigEndian else {
            result.set(ContentDetail.truncated, "invalid ELF class or data encoding")
            result.summary = "ELF file with an invalid class or data encoding"
            return result
        }
        result.set("class", is64 ? "ELF64" : "ELF32")
        result.set("endianness", bigEndian ? "big" : "little")
        guard let type = head.unsigned(at: 16, width: 2, bigEndian: bigEndian),
            let machine = head.unsigned(at: 18, width: 2, bigEndian: bigEndian)
        else {
            result.set(ContentDetail.truncated, "file header")
            result.summary = "ELF \(is64 ? 64 : 32)-bit file (truncated)"
            return result
        }
        let typeName =
            switch type {
            case 1: "relocatable"
            case 2: "executable"
            case 3: "shared object"
            case 4: "core"
            default: "type \(type)"
            }
        result.set("type", typeName)
        let (architecture, machineName) = Self.machine(UInt16(machine), bigEndian: bigEndian)
        // 64-bit machines only as 64-bit files (a 32-bit RISC-V or PowerPC64 file is no riscv64 or ppc64el).
        result.architecture = !is64 && [21, 243, 22, 183, 62].contains(machine) ? nil : architecture
        result.set("machine", machineName)
        // The section header table is the last thing an ELF file holds: if it lies past the end, bytes are missing.
        let shoff = head.unsigned(at: is64 ? 40 : 32, width: is64 ? 8 : 4, bigEndian: bigEndian) ?? 0
        let shentsize = head.unsigned(at: is64 ? 58 : 46, width: 2, bigEndian: bigEndian) ?? 0
        let shnum = head.unsigned(at: is64 ? 60 : 48, width: 2, bigEndian: bigEndian) ?? 0
        if shoff > 0, !probe.isPrefix {
            let (tableSize, _) = shentsize.multipliedReportingOverflow(by: shnum)
            let (end, overflow) = shoff.addingReportingOverflow(tableSize)
            if overflow || end > probe.size { result.set(ContentDetail.truncated, "section headers past the end") }
        }
        var summary = "ELF \(is64 ? 64 : 32)-bit \(bigEndian ? "MSB" : "LSB") \(typeName), \(machineName)"
        if result.isTruncated { summary += " (truncated)" }
        result.summary = summary
        return result
    }

    /// The Debian architecture and a name for an `e_machine` value.
    static func machine(_ machine: UInt16, bigEndian: Bool) -> (String?, String) {
        switch machine {
        case 62: ("amd64", "x86-64")
        case 3: ("i386", "Intel 80386")
        case 183: ("arm64", "AArch64")
        case 40: ("armhf", "ARM")
        case 21: (bigEndian ? "ppc64" : "ppc64el", "PowerPC64")
        case 20: (nil, "PowerPC")
        case 22: ("s390x", "IBM S/390")
        case 243: ("riscv64", "RISC-V")
        default: (nil, "machine \(machine)")
        }
    }
}
