import SquashFS
import Testing

/// Names are shown with C0, DEL, C1 and bidirectional formatting characters escaped as their bytes, so a name can
/// neither drive a terminal nor read as another name; other Unicode is shown as it is.
@Suite("Printable names")
struct PrintableNameTests {
    @Test(
        "control and bidi characters become \\xNN, other text stays",
        arguments: [
            ("tab\there", "tab\\x09here"),
            ("esc\u{1B}[31m", "esc\\x1b[31m"),
            ("nel\u{85}x", "nel\\xc2\\x85x"),
            ("csi\u{9B}2J", "csi\\xc2\\x9b2J"),
            ("evil\u{202E}txt.exe", "evil\\xe2\\x80\\xaetxt.exe"),
            ("iso\u{2066}late", "iso\\xe2\\x81\\xa6late"),
            ("caf\u{E9} \u{1F600}", "caf\u{E9} \u{1F600}"),
            ("back\\slash", "back\\x5cslash"),
        ])
    func escaped(name: String, shown: String) {
        #expect(ImagePath(name).description == shown)
    }
}
