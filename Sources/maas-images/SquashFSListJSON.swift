import FoundationEssentials
import SquashFS

/// Formats `squashfs ls --json` lines: one JSON object per entry and per line (JSON Lines), written as the walk goes,
/// so that memory stays flat whatever the image's size.
///
/// ```json
/// {"path":"/etc/hostname","type":"file","mode":"0644","uid":0,"gid":0,"size":10,"mtime":1600000000,"link_count":1,"inode":12}
/// {"path":"/etc/os-release","type":"symlink","mode":"0777","uid":0,"gid":0,"size":21,"mtime":1234567890,"link_count":1,"inode":13,"link_target":"../usr/lib/os-release"}
/// {"path":"/dev/null","type":"character_device","mode":"0666","uid":0,"gid":0,"size":0,"mtime":0,"link_count":1,"inode":4,"device":{"major":1,"minor":3}}
/// ```
///
/// `type` is one of `directory`, `file`, `symlink`, `block_device`, `character_device`, `fifo`, `socket`; `mode` the
/// permission bits (set-id and sticky bits included) as four octal digits; `size` what `ls -l` shows (bytes of a
/// file, of a link's target, of a directory's listing); `mtime` seconds since 1970. Names are byte strings: a path
/// or link target that is valid UTF-8 is written as a JSON string (control characters, C1 controls and
/// bidirectional formatting characters as `\u` escapes, which JSON decodes back exactly); one that is not valid
/// UTF-8 is written in the readable `\xNN` form of the text output, and its exact bytes are added in base64 under
/// `path_base64` or `link_target_base64`. Decoding `path_base64` when present, else `path`, gives every name back
/// exactly.
struct ListingJSONFormatter {
    mutating func line(for entry: WalkEntry) -> [UInt8] {
        let inode = entry.inode
        var line: [UInt8] = []
        line.reserveCapacity(160)
        line += Array(#"{"path":"#.utf8)
        appendName(entry.path.bytes, key: "path", to: &line)
        line += Array(#","type":""#.utf8) + Array(Self.typeName(inode.kind).utf8)
        line += Array(#"","mode":""#.utf8) + Self.octal(inode.permissions)
        line += Array(
            #"","uid":\#(inode.uid),"gid":\#(inode.gid),"size":\#(inode.size),"mtime":\#(inode.modificationTime),"#
                .utf8)
        line += Array(#""link_count":\#(inode.linkCount),"inode":\#(inode.number)"#.utf8)
        if let target = inode.symlinkTarget {
            line += Array(#","link_target":"#.utf8)
            appendName(target, key: "link_target", to: &line)
        }
        if let device = inode.device {
            line += Array(#","device":{"major":\#(device.major),"minor":\#(device.minor)}"#.utf8)
        }
        line += Array("}\n".utf8)
        return line
    }

    static func typeName(_ kind: FileKind) -> String {
        switch kind {
        case .directory: "directory"
        case .regularFile: "file"
        case .symbolicLink: "symlink"
        case .blockDevice: "block_device"
        case .characterDevice: "character_device"
        case .fifo: "fifo"
        case .socket: "socket"
        }
    }

    /// Four octal digits.
    private static func octal(_ permissions: UInt16) -> [UInt8] {
        let value = permissions & 0o7777
        return [9, 6, 3, 0].map { UInt8(ascii: "0") + UInt8((value >> $0) & 7) }
    }

    /// Appends `bytes` as a JSON string, and `,"KEY_base64":"..."` when they are not valid UTF-8.
    private func appendName(_ bytes: [UInt8], key: String, to line: inout [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            Self.appendString(ImagePath(bytes: bytes).description, to: &line)
            line += Array(#","\#(key)_base64":""#.utf8) + Array(Data(bytes).base64EncodedString().utf8) + [0x22]
            return
        }
        Self.appendString(text, to: &line)
    }

    /// Appends `text` as a JSON string literal.
    static func appendString(_ text: String, to line: inout [UInt8]) {
        line.append(0x22)
        // The common case: printable ASCII without quotes or backslashes, copied as it is.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            line += Array(text.utf8)
            line.append(0x22)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += Array(#"\""#.utf8)
            case "\\": line += Array(#"\\"#.utf8)
            case "\n": line += Array(#"\n"#.utf8)
            case "\t": line += Array(#"\t"#.utf8)
            case "\r": line += Array(#"\r"#.utf8)
            default:
                if needsEscape(scalar) {
                    let hex = String(scalar.value, radix: 16)
                    line += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                } else {
                    line += Array(String(scalar).utf8)
                }
            }
        }
        line.append(0x22)
    }

    /// C0 and C1 controls, DEL, and the bidirectional formatting characters (all in the Basic Multilingual Plane).
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x61C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
