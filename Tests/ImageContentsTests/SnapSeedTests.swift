import Foundation
import ImageContents
import SquashFS
import TestSupport
import Testing

/// The seed.yaml reader: the lines livecd-rootfs' snap-seed-parse appends to a manifest, and typed errors (never a
/// crash) for anything it does not understand.
@Suite("Snap seed (seed.yaml)")
struct SnapSeedTests {
    /// As livecd-rootfs `_snap_preseed` writes it: a lone `-`, then keys indented by four.
    static let livecdRootfsSeed = """
        snaps:
          -
            name: core20
            channel: latest/stable
            file: core20_1974.snap
          -
            name: lxd
            channel: 5.0/stable/ubuntu-22.04
            classic: true
            file: lxd_24322.snap
          -
            name: snapd
            channel: stable
            file: snapd_21759.snap

        """

    /// As snapd's `snap prepare-image` writes it (go-yaml: items at column 1), plus comments, quotes, a document
    /// start, an unasserted local snap and CRLF line endings.
    static let snapdSeed =
        "---\r\n# written by snap prepare-image\r\nsnaps:\r\n- name: core22\r\n"
        + "  snap-id: amcUKQILKXHHTlmSa7NMdnXSx02dNeeT\r\n"
        + "  channel: 'latest/stable'   # the default\r\n  file: \"core22_1033.snap\"\r\n\r\n"
        + "- name: hello-local\r\n  unasserted: true\r\n  devmode: yes\r\n  channel: \"edge\"\r\n"
        + "  file: hello-local_x1.snap\r\n"

    @Test("livecd-rootfs's seed.yaml layout gives its three-column snap lines, in seed order")
    func livecdRootfsLayout() throws {
        let seed = try SnapSeed(parsing: Array(Self.livecdRootfsSeed.utf8))
        #expect(seed.snaps.map(\.name) == ["core20", "lxd", "snapd"])
        #expect(seed.snaps.map(\.isClassic) == [false, true, false])
        #expect(
            seed.manifestEntries.map(\.line) == [
                "snap:core20\tlatest/stable\t1974", "snap:lxd\t5.0/stable/ubuntu-22.04\t24322",
                "snap:snapd\tstable\t21759",
            ])
        #expect(seed.manifestEntries.allSatisfy { $0.isSnap })
        #expect(
            seed.manifestEntries[1].snapName == "lxd" && seed.manifestEntries[1].channel == "5.0/stable/ubuntu-22.04")
    }

    @Test("snapd's layout, quotes, comments, CRLF and a local x1 revision")
    func snapdLayout() throws {
        let seed = try SnapSeed(parsing: Array(Self.snapdSeed.utf8))
        #expect(
            seed.snaps == [
                SnapSeed.Snap(name: "core22", channel: "latest/stable", file: "core22_1033.snap", revision: "1033"),
                SnapSeed.Snap(
                    name: "hello-local", channel: "edge", file: "hello-local_x1.snap", revision: "1", isDevMode: true,
                    isUnasserted: true),
            ])
        #expect(seed.manifestEntries.map(\.line) == ["snap:core22\tlatest/stable\t1033", "snap:hello-local\tedge\t1"])
    }

    @Test("an empty list, escapes and odd but valid spacing")
    func edgeCases() throws {
        #expect(try SnapSeed(parsing: Array("snaps: []   # nothing seeded\n".utf8)).snaps.isEmpty)
        #expect(try SnapSeed(parsing: Array("# only a comment\nsnaps:\n\n".utf8)).snaps.isEmpty)
        let text = """
            snaps:
             -   name: "a\\"b"
                 channel: 'it''s'
                 file: "a_b_\\/12.snap"
            """
        // The values are read, then refused: a name with a quote in it is not a snap name.
        #expect(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(text.utf8)) }
        let spaced = "snaps:\n -   name: ab\n     channel: 'it''s/x'\n     file: \"ab_\\/12.snap\"\n"
        #expect(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(spaced.utf8)) }  // '/' in file: a path
        let valid = "snaps:\n -   name: ab\n     channel: 'it''s/x'   \n     file: \"ab_1\\\\2.snap\"\n"
        let seed = try SnapSeed(parsing: Array(valid.utf8))
        #expect(seed.snaps == [SnapSeed.Snap(name: "ab", channel: "it's/x", file: "ab_1\\2.snap", revision: "12")])
        // Quoted, a YAML 1.1 number is a string; a name starting with a digit is not a number.
        let quoted = "snaps:\n- name: 0ad\n  channel: '010'\n  file: \"0ad_1.snap\" # c\n  classic: no\n"
        #expect(
            try SnapSeed(parsing: Array(quoted.utf8)).snaps == [
                SnapSeed.Snap(name: "0ad", channel: "010", file: "0ad_1.snap", revision: "1")
            ])
    }

    @Test("the revision is the digits after the last underscore, as snap-seed-parse takes it")
    func revisions() throws {
        for (file, revision) in [
            ("lxd_24322.snap", "24322"), ("core_x1.snap", "1"), ("a-b_12a3.snap", "123"), ("x_y_7.snap", "7"),
        ] {
            let seed = try SnapSeed(parsing: Array("snaps:\n- name: a\n  channel: stable\n  file: \(file)\n".utf8))
            #expect(seed.snaps.first?.revision == revision, "\(file)")
        }
    }

    /// A hostile or malformed seed.yaml, the line the error must name, and a fragment of its message.
    static let hostile: [(text: String, line: Int, message: String)] = [
        ("snaps:\n  - name: a\n     channel: stable\n    file: a_1.snap\n", 3, "mapping values are not allowed"),
        ("snaps:\n  - name: a\n    channel: stable\n    file: a_1.snap\n - name: b\n", 5, "did not find expected key"),
        ("snaps:\n  -\n  name: a\n", 3, "did not find expected node content"),
        ("snaps:\n- name: a\n  channel: stable\n  colour: red\n  file: a_1.snap\n", 4, "unknown key 'colour'"),
        ("snaps: []\nmodel: pc\n", 2, "unknown top-level key 'model'"),
        ("model: pc\nsnaps: []\n", 1, "unknown top-level key 'model'"),
        ("snaps:\n- channel: stable\n  file: a_1.snap\n", 2, "no 'name'"),
        ("snaps:\n- name: a\n  channel: stable\n", 2, "no 'file'"),
        ("snaps:\n- name: a\n  file: a_1.snap\n", 2, "no 'channel'"),
        ("snaps:\n- name: a\n  channel: stable\n  file: a.snap\n", 4, "no revision"),
        ("snaps:\n- name: a\n  channel: stable\n  file: a_x.snap\n", 4, "no revision"),
        ("snaps:\n- name: a\n  channel: stable\n  file: ../a_1.snap\n", 4, "not a path"),
        ("snaps:\n- name: a\n  channel: stable\n  file:\n", 4, "'file' has no value"),
        ("snaps:\n- name: ~\n", 2, "'name' has no value"),
        ("", 1, "no top-level 'snaps:'"),
        ("# nothing\n", 1, "no top-level 'snaps:'"),
        ("snaps:\n\t- name: a\n", 2, "tab"),
        ("snaps:\n- {name: a, file: a_1.snap}\n", 2, "the snap has no 'channel'"),
        ("snaps:\n- [a, b]\n", 2, "expected a mapping, found a list"),
        ("snaps:\n- name:\n    first: a\n", 3, "expected a string, found a mapping"),
        ("snaps:\n- name: |\n    a\n", 2, "control characters are not allowed"),
        ("snaps:\n- name: &x a\n", 2, "the snap has no 'channel'"),
        ("snaps:\n- name: a: b\n", 2, "mapping values are not allowed"),
        ("snaps:\n- name: a\n  name: b\n", 2, "duplicated key(s): 'name'"),
        (
            "snaps:\n- name: a\n  channel: stable\n  file: a_1.snap\n- name: a\n  channel: edge\n  file: a_2.snap\n", 5,
            "listed twice"
        ),
        ("snaps:\n- name: Foo\n  channel: stable\n  file: Foo_1.snap\n", 2, "invalid snap name"),
        ("snaps:\n- name: a--b\n  channel: stable\n  file: a_1.snap\n", 2, "invalid snap name"),
        ("snaps:\n- name: a\n  channel: stable/\n  file: a_1.snap\n", 3, "invalid channel"),
        ("snaps:\n- name: a\n  channel: \"latest stable\"\n  file: a_1.snap\n", 3, "invalid channel"),
        ("snaps:\n- name: a\n  channel: a/b/c/d\n  file: a_1.snap\n", 3, "invalid channel"),
        ("snaps:\n- name: \"abc\n", 3, "found unexpected end of stream"),
        ("snaps:\n- name: \"a\\tb\"\n", 2, "control characters are not allowed"),
        ("snaps:\n- name: \"a\"b\n", 2, "did not find expected key"),
        ("snaps:\n- name: a\u{1}b\n", 2, "control character"),
        ("snaps:\n- name: caf\u{E9}\n", 2, "control or non-ASCII"),
        ("snaps:\n- name: a\n  classic: maybe\n", 3, "true or false"),
        ("snaps:\n- name: a\n  classic: \"true\"\n", 3, "true or false"),
        ("snaps:\n-\n- name: a\n  channel: stable\n  file: a_1.snap\n", 2, "empty list item"),
        ("snaps:\n  name: a\n", 2, "expected a list, found a mapping"),
        ("snaps: []\n- name: a\n", 2, "did not find expected key"),
        ("- name: a\n", 1, "expected a mapping, found a list"),
        ("snaps:\nsnaps:\n", 1, "duplicated key(s): 'snaps'"),
        ("snaps: a\n", 1, "expected a list, found the string 'a'"),
        ("snaps:\n- - name: a\n", 2, "expected a mapping, found a list"),
        ("snaps:\n- name:a\n", 2, "expected a mapping, found the string 'name:a'"),
        ("---\n---\nsnaps: []\n", 2, "expected a single document"),
        // What PyYAML (YAML 1.1) reads as a boolean or a number: snap-seed-parse would print True or 8.
        ("snaps:\n- name: yes\n  channel: stable\n  file: yes_1.snap\n", 2, "'name' is not a string in YAML 1.1"),
        ("snaps:\n- name: a\n  channel: 010\n  file: a_1.snap\n", 3, "'channel' is not a string in YAML 1.1"),
        ("snaps:\n- name: a\n  channel: stable\n  file: 1_0\n", 4, "'file' is not a string in YAML 1.1"),
        // What YAML reads as a line break or refuses, even in a comment; tabs outside comments.
        ("snaps: []\n# a\rb: c\n", 2, "control character"),
        ("snaps: []\n# a\u{2028}b: c\n", 2, "line separator"),
        ("\u{FEFF}snaps: []\n", 1, "byte order mark"),
        ("snaps: [] # \u{1}\n", 1, "control character"),
        ("snaps:\n- name: a\t\n", 2, "a tab outside a comment"),
        ("snaps: []  \t# c\n", 1, "a tab outside a comment"),
        ("snaps: []\n  \t\n", 2, "tab"),
    ]

    @Test("hostile seed.yaml gives a corrupt error naming the file and the line", arguments: 0..<hostile.count)
    func hostileSeed(index: Int) throws {
        let (text, line, message) = Self.hostile[index]
        let error = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(text.utf8)) }
        #expect(error.code == .corrupt, "\(error)")
        #expect(error.message.hasPrefix("/var/lib/snapd/seed/seed.yaml: line \(line): "), "\(error.message)")
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("alias bombs are refused with a typed error, without expanding them")
    func aliasBombs() throws {
        // Billion laughs: nine levels of ten aliases each, 10^9 leaves if expanded.
        var laughs = "snaps:\n- &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            let items = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            laughs += "- &l\(level) [\(items)]\n"
        }
        let bomb = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(laughs.utf8)) }
        #expect(bomb.code == .corrupt && bomb.message.contains("line 2: snaps[0]"), "\(bomb)")
        // The same bomb as a value: a value must be a scalar, so it is never entered.
        let inValue =
            laughs.replacingOccurrences(of: "snaps:\n", with: "bombs:\n")
            + "snaps:\n- name: a\n  channel: stable\n  file: a_1.snap\n  contact: *l8\n"
        let value = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(inValue.utf8)) }
        #expect(value.code == .corrupt, "\(value)")
        // One anchored snap listed again and again through aliases: refused by the list limit, before any item.
        let repeated =
            "snaps:\n- &s {name: a, channel: stable, file: a_1.snap}\n"
            + String(repeating: "- *s\n", count: SnapSeed.maximumSnaps + 1)
        let many = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(repeated.utf8)) }
        #expect(many.code == .limitExceeded && many.message.contains("snaps"), "\(many)")
        // Under the limit, the aliases are read (and the second one is a duplicate snap).
        let twice = "snaps:\n- &s {name: a, channel: stable, file: a_1.snap}\n- *s\n"
        let duplicate = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(twice.utf8)) }
        #expect(duplicate.code == .corrupt && duplicate.message.contains("listed twice"), "\(duplicate)")
    }

    @Test("complex keys (explicit '?', collections, aliases) are refused before composing")
    func complexKeys() throws {
        for text in [
            "snaps:\n- ? name\n  : a\n", "snaps:\n- [a, b]: c\n", "snaps:\n- {a: b}: c\n",
            "x: &k name\nsnaps:\n- *k : a\n",
        ] {
            let error = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: Array(text.utf8)) }
            #expect(error.code == .corrupt, "\(error)")
            #expect(error.message.contains("a mapping key that is a collection"), "\(error)")
            #expect(error.underlyingError != nil, "the YAML reader's error is kept")
        }
    }

    @Test("input over 16 MiB is refused before parsing")
    func tooLarge() throws {
        let bytes = Array("snaps: []\n".utf8) + [UInt8](repeating: UInt8(ascii: "#"), count: 16 << 20)
        let error = try #require(throws: ImageContentsError.self) { try SnapSeed(parsing: bytes, path: "seed.yaml") }
        #expect(error.code == .limitExceeded && error.message.hasPrefix("seed.yaml: "))
    }

    @Test("random mutations of valid seeds parse or fail with a typed error")
    func mutations() throws {
        var generator = SeededGenerator(seed: 0x5EED_5EED)
        let alphabet = Array(" \t\r\n-:#'\"\\/_[]{}&|>~0aZ\u{7F}".utf8) + [0x00, 0xC3, 0xFF]
        for base in [Self.livecdRootfsSeed, Self.snapdSeed] {
            let original = Array(base.utf8)
            for _ in 0..<1500 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let position = Int.random(in: 0...bytes.count, using: &generator)
                    let byte = alphabet.randomElement(using: &generator) ?? 0x20
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes.insert(byte, at: position)
                    case 1 where position < bytes.count: bytes[position] = byte
                    default: if position < bytes.count { bytes.remove(at: position) }
                    }
                }
                do {
                    let seed = try SnapSeed(parsing: bytes)
                    for entry in seed.manifestEntries {
                        #expect(!entry.line.contains("\n") && entry.line.split(separator: "\t").count == 3)
                    }
                } catch {
                    #expect(error.code == .corrupt, "\(error)")
                }
            }
        }
    }

    /// The lines the documented snap-seed-parse algorithm writes for `text`, read with PyYAML (python3-yaml).
    private static func pythonSnapLines(_ text: String, in directory: TemporaryDirectory) async throws -> String {
        let seed = directory.appending("seed.yaml")
        try Data(text.utf8).write(to: URL(fileURLWithPath: seed))
        let script = """
            import re, sys, yaml
            for item in yaml.safe_load(open(sys.argv[1]))['snaps']:
                name = item['file']
                revision = re.sub(r'[^0-9]', '', name[name.rindex('_') + 1:])
                sys.stdout.write('snap:%s\\t%s\\t%s\\n' % (item['name'], item['channel'], revision))
            """
        return try await ProcessRunner.run("python3", ["-c", script, seed]).outputText
    }

    /// Whether python3 with PyYAML is installed.
    static var hasPythonYAML: Bool {
        get async { (try? await ProcessRunner.run("python3", ["-c", "import yaml"]))?.status == 0 }
    }

    @Test(
        "the lines equal what snap-seed-parse's algorithm reads with PyYAML",
        .enabled("needs python3-yaml") { await SnapSeedTests.hasPythonYAML })
    func matchesPyYAML() async throws {
        try await withTemporaryDirectory { directory in
            let others = [
                "snaps:\n - name: ab\n   channel: 'it''s/x'\n   file: ab_1.snap\n",
                "snaps:\n- name: 0ad\n  channel: '010'\n  file: \"0ad_x1.snap\" # c\n  classic: no\n",
            ]
            for text in [Self.livecdRootfsSeed, Self.snapdSeed] + others {
                let ours = try SnapSeed(parsing: Array(text.utf8)).manifestEntries.map { $0.line + "\n" }.joined()
                #expect(ours == (try await Self.pythonSnapLines(text, in: directory)))
            }
        }
    }

    /// Packs `files` (relative paths; nil makes a directory) into an image.
    private func makeImage(in directory: TemporaryDirectory, files: [String: [UInt8]?]) async throws -> String {
        let root = directory.appending("root")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (path, contents) in files {
            let full = root + "/" + path
            guard let contents else {
                try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
                continue
            }
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents).write(to: URL(fileURLWithPath: full))
        }
        let image = directory.appending("root.sqfs")
        try await ProcessRunner.run(
            "mksquashfs", [root, image, "-comp", "gzip", "-noappend", "-quiet", "-no-progress"])
        return image
    }

    @Test("an image without seed.yaml, or with a directory in its place, seeds nothing")
    func noSeed() async throws {
        try await withTemporaryDirectory { directory in
            let image = try await makeImage(in: directory, files: ["etc/hostname": Array("host\n".utf8)])
            #expect(try SnapSeed(of: SquashFSImage(path: image)) == nil)
        }
        try await withTemporaryDirectory { directory in
            let image = try await makeImage(in: directory, files: ["var/lib/snapd/seed/seed.yaml": nil])
            #expect(try SnapSeed(of: SquashFSImage(path: image)) == nil)
        }
    }

    @Test("an image's seed.yaml is read; errors name the image, the file and the line")
    func imageSeed() async throws {
        try await withTemporaryDirectory { directory in
            let image = try await makeImage(
                in: directory, files: ["var/lib/snapd/seed/seed.yaml": Array(Self.livecdRootfsSeed.utf8)])
            let seed = try #require(try SnapSeed(of: SquashFSImage(path: image)))
            #expect(seed.snaps.map(\.revision) == ["1974", "24322", "21759"])
        }
        try await withTemporaryDirectory { directory in
            let image = try await makeImage(
                in: directory, files: ["var/lib/snapd/seed/seed.yaml": Array("snaps:\n- name: a\n  size: 1\n".utf8)])
            let error = try #require(throws: ImageContentsError.self) { try SnapSeed(of: SquashFSImage(path: image)) }
            #expect(error.code == .corrupt)
            #expect(
                error.message.contains("/var/lib/snapd/seed/seed.yaml: line 3: snaps[0].size: unknown key 'size'"),
                "\(error)")
            #expect(error.message.contains("root.sqfs"), "\(error)")
        }
    }

    @Test("a seed.yaml over 16 MiB in an image is refused with limitExceeded")
    func hugeImageSeed() async throws {
        try await withTemporaryDirectory { directory in
            let huge = Array("snaps: []\n".utf8) + [UInt8](repeating: UInt8(ascii: "#"), count: (16 << 20) + 1)
            let image = try await makeImage(in: directory, files: ["var/lib/snapd/seed/seed.yaml": huge])
            let error = try #require(throws: ImageContentsError.self) { try SnapSeed(of: SquashFSImage(path: image)) }
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("/var/lib/snapd/seed/seed.yaml is larger than"), "\(error)")
        }
    }
}
