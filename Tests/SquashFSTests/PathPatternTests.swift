import SquashFS
import Testing

/// `PathPattern`: shell globs over image paths, matched as bytes, component by component.
@Suite("Path patterns")
struct PathPatternTests {
    /// (pattern, path, whether it matches).
    static let cases: [(String, String, Bool)] = [
        // Literal paths, with or without the leading slash on either side.
        ("etc/hostname", "/etc/hostname", true), ("/etc/hostname", "etc/hostname", true),
        ("etc//hostname/", "/etc/hostname", true), ("etc/hostname", "/etc/hostname2", false),
        ("etc/hostname", "/etc", false), ("etc", "/etc/hostname", false),
        // * and ? stay within one component; a leading dot is an ordinary byte.
        ("etc/*", "/etc/hosts", true), ("etc/*", "/etc/.hidden", true), ("etc/*", "/etc", false),
        ("etc/*", "/etc/a/b", false), ("*", "/etc", true), ("*", "/", false), ("e*c", "/etc", true),
        ("e*c", "/e/c", false), ("?", "/a", true), ("?", "/ab", false), ("?", "/", false),
        ("etc/host?", "/etc/hosts", true), ("*.conf", "/a.conf.bak", false), ("*a*b*c", "/xaybzc", true),
        ("a**b", "/axxb", true), ("a**b", "/a/b", false), ("a*", "/a", true),
        // ** as a whole component: zero or more whole components.
        ("**", "/", true), ("**", "/a/b/c", true), ("etc/**", "/etc", true), ("etc/**", "/etc/x/y", true),
        ("etc/**", "/etcx", false), ("**/copyright", "/copyright", true),
        ("**/copyright", "/usr/share/doc/bash/copyright", true), ("usr/**/*.so", "/usr/a.so", true),
        ("usr/**/*.so", "/usr/lib/x/a.so", true), ("usr/**/*.so", "/usr/lib/a.so.1", false),
        ("usr/**/*.so", "/lib/a.so", false), ("a/**/b/**/c", "/a/b/c", true), ("a/**/b/**/c", "/a/x/b/y/z/c", true),
        ("a/**/b/**/c", "/a/c", false), ("**/**/x", "/x", true), ("a/**/**", "/a", true),
        // Classes over bytes.
        ("[abc]x", "/ax", true), ("[abc]x", "/dx", false), ("[!abc]x", "/dx", true), ("[!abc]x", "/ax", false),
        ("[^a]", "/b", true), ("[^a]", "/a", false), ("[a-c]", "/b", true), ("[a-c]", "/d", false),
        ("[]]", "/]", true), ("[!]]", "/]", false), ("[!]]", "/x", true), ("[a-]", "/-", true),
        ("[[:digit:]]*", "/4x", true), ("[[:digit:]]*", "/x4", false), ("[[:upper:][:digit:]]", "/Q", true),
        ("[[:space:]]", "/ ", true), ("[[:punct:]]", "/!", true), ("[[:xdigit:]]", "/g", false),
        ("[\\]]", "/]", true), ("[z-a]", "/m", false),
        // An unclosed [ is an ordinary byte; \ quotes the next byte.
        ("a[b", "/a[b", true), ("a[b", "/ab", false), ("\\*", "/*", true), ("\\*", "/a", false),
        ("\\?", "/?", true), ("\\[a]", "/[a]", true), ("\\[a]", "/a", false), ("a\\", "/a\\", true),
        ("*glob\\?\\[x]", "/*glob?[x]", true),
        // The root.
        ("/", "/", true), ("", "/", true), ("/", "/a", false),
    ]

    @Test("patterns match as documented")
    func table() {
        for (pattern, path, expected) in Self.cases {
            #expect(PathPattern(pattern).matches(ImagePath(path)) == expected, "'\(pattern)' on '\(path)'")
        }
    }

    @Test("names are bytes: invalid UTF-8 and byte ranges")
    func bytes() {
        let name: [UInt8] = [0xFF, 0xFE, 0x41]
        let path = ImagePath(bytes: Array("/odd/".utf8) + name)
        #expect(PathPattern(bytes: Array("odd/".utf8) + [0xFF, 0x2A]).matches(path))
        #expect(PathPattern(bytes: Array("odd/[".utf8) + [0x80, 0x2D, 0xFF] + Array("]*".utf8)).matches(path))
        #expect(!PathPattern(bytes: Array("odd/[!".utf8) + [0x80, 0x2D, 0xFF] + Array("]*".utf8)).matches(path))
        #expect(PathPattern("odd/???").matches(path), "? matches one byte, not one character")
        #expect(!PathPattern("odd/?").matches(ImagePath("/odd/é")), "é is two bytes")
        #expect(PathPattern("odd/??").matches(ImagePath("/odd/é")))
        #expect(PathPattern("odd/new*line").matches(ImagePath("/odd/new\nline")))
    }

    @Test("literal(_:) matches exactly its path, wildcard characters included")
    func literal() {
        let path = ImagePath("/odd/*glob?[x]\\")
        let pattern = PathPattern.literal(path)
        #expect(pattern.matches(path))
        #expect(!pattern.matches(ImagePath("/odd/aglobb[x]\\")))
        #expect(!pattern.matches(ImagePath("/odd/*glob?x\\")))
        #expect(pattern.hasWildcards)
        #expect(!PathPattern.literal(ImagePath("/etc/hostname")).hasWildcards)
        #expect(!PathPattern("usr/lib").hasWildcards)
        #expect(PathPattern("usr/lib*").hasWildcards && PathPattern("a[b").hasWildcards)
    }

    @Test("matching work is bounded by pattern length × name length")
    func pathological() {
        let name = ImagePath(bytes: Array("/".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 255))
        let pattern = PathPattern(String(repeating: "*a", count: 100) + "b")
        #expect(!pattern.matches(name))
        let deep = ImagePath(String(repeating: "/a", count: 4000))
        #expect(PathPattern(String(repeating: "**/", count: 50) + "a").matches(deep))
        #expect(!PathPattern(String(repeating: "**/a/", count: 20) + "b").matches(deep))
    }

    /// Single-component patterns agree with bash's `case` (`LC_ALL=C`, bytes), the shell glob reference, on every
    /// combination of a set of pattern pieces and names.
    @Test("one-component patterns agree with bash case matching")
    func bashDifferential() async throws {
        let pieces = ["a", "b", ".", "*", "?", "[ab]", "[!a]", "[a-c]", "[]a]", "\\*", "[[:alpha:]]", "-"]
        var patterns: [String] = []
        for first in pieces {
            for second in pieces { patterns.append(first + second) }
        }
        patterns += ["*a*", "a*b*", "*.*", "?*?", "[!.]*", "**", "a[b", "[^b]?"]
        let names = ["a", "b", "ab", "ba", ".a", "a.", "aa", "abc", "*", "*a", "-", "]", "x", "a-b", "", "a*b", "ccc"]
            .filter { !$0.isEmpty }
        var script = "export LC_ALL=C\nm() { case \"$1\" in $2) printf 1;; *) printf 0;; esac; }\n"
        var expected = ""
        for pattern in patterns {
            for name in names {
                script += "m '\(name)' \(pattern.shellQuotedForCase)\n"
                expected += PathPattern(pattern).matches(ImagePath("/" + name)) ? "1" : "0"
            }
        }
        let result = try await ProcessRunner.run("bash", ["-c", script])
        let actual = result.outputText
        #expect(actual.count == expected.count)
        for (index, (got, want)) in zip(actual, expected).enumerated() where got != want {
            let pattern = patterns[index / names.count]
            let name = names[index % names.count]
            Issue.record("'\(pattern)' on '\(name)': ours \(got), bash \(want)")
        }
    }
}

extension String {
    /// The pattern as a word for `case ... in WORD)` that bash sees unquoted (so that it globs) but with no other
    /// shell meaning: `m NAME PATTERN` passes it as `$2`, which `case` expands without quotes.
    fileprivate var shellQuotedForCase: String {
        "'" + replacing("'", with: "'\\''") + "'"
    }
}
