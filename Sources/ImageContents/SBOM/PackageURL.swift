/// Package URLs (purl) of Debian packages: `pkg:deb/<vendor>/<name>@<version>?<qualifiers>`, as the purl
/// specification and its `deb` type define them.
enum PackageURL {
    /// The purl of a binary package: `vendor` (os-release `ID`) and `name` lower-cased, every component
    /// percent-encoded (the epoch's `:` becomes `%3A`, a `+` becomes `%2B`), qualifiers sorted by key and the empty
    /// ones left out.
    static func deb(vendor: String, name: String, version: String, qualifiers: [(String, String)]) -> String {
        var text = "pkg:deb/" + encode(vendor.lowercased()) + "/" + encode(name.lowercased())
        if !version.isEmpty { text += "@" + encode(version) }
        let kept = qualifiers.filter { !$0.1.isEmpty }.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        if !kept.isEmpty {
            text += "?" + kept.map { encode($0.0.lowercased()) + "=" + encode($0.1) }.joined(separator: "&")
        }
        return text
    }

    /// Percent-encodes every byte of `component` but the URI's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
    static func encode(_ component: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(component.utf8.count)
        for byte in component.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
