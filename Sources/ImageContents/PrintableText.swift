/// The longest error message kept whole, in UTF-8 bytes.
let maximumMessageBytes = 4096

/// `message` with control characters (C0, DEL and C1, which a terminal may read as escape sequences) escaped as
/// `\xNN` and, when longer than ``maximumMessageBytes``, its middle cut (the first half and the last quarter of the
/// allowance are kept, on scalar boundaries).
func printableMessage(_ message: String) -> String {
    let utf8 = message.utf8
    let isPlain = utf8.count <= maximumMessageBytes && utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F && $0 < 0xC2 }
    if isPlain { return message }
    var result = ""
    let scalars = message.unicodeScalars
    func append(_ scalars: Substring.UnicodeScalarView) {
        for scalar in scalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                let hex = String(scalar.value, radix: 16)
                result += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    guard utf8.count > maximumMessageBytes else {
        append(Substring(message).unicodeScalars)
        return result
    }
    var headEnd = scalars.startIndex
    var headBytes = 0
    while headEnd < scalars.endIndex, headBytes + UTF8.width(scalars[headEnd]) <= maximumMessageBytes / 2 {
        headBytes += UTF8.width(scalars[headEnd])
        headEnd = scalars.index(after: headEnd)
    }
    var tailStart = scalars.endIndex
    var tailBytes = 0
    while tailStart > headEnd {
        let previous = scalars.index(before: tailStart)
        guard tailBytes + UTF8.width(scalars[previous]) <= maximumMessageBytes / 4 else { break }
        tailBytes += UTF8.width(scalars[previous])
        tailStart = previous
    }
    append(Substring(message)[..<headEnd].unicodeScalars)
    result += " … (\(utf8.count - headBytes - tailBytes) bytes cut) … "
    append(Substring(message)[tailStart...].unicodeScalars)
    return result
}

/// Bytes from an image shown in a message: valid UTF-8 as is, control characters, invalid bytes and the backslash
/// as `\xNN`.
func printable(_ bytes: [UInt8]) -> String {
    func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x61C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: scalar == "\\"
        }
    }
    if let string = String(validating: bytes, as: UTF8.self), !string.unicodeScalars.contains(where: isControl) {
        return string
    }
    var result = ""
    var index = 0
    while index < bytes.count {
        var iterator = bytes[index...].makeIterator()
        var decoder = UTF8()
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar) where !isControl(scalar):
            result.unicodeScalars.append(scalar)
            index += String(scalar).utf8.count
        default:
            result += "\\x" + (bytes[index] < 16 ? "0" : "") + String(bytes[index], radix: 16)
            index += 1
        }
    }
    return result
}
