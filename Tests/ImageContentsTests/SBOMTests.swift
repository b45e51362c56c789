import Foundation
import SquashFS
import TestSupport
import Testing

@testable import ImageContents

/// The SBOM read from an image: every document checked by the formats' own validators (cyclonedx-python-lib's JSON
/// validator, spdx-tools) from the venv `make deps` installs, and its packages by `dpkg-query` on the same database.
@Suite("Software bill of materials")
struct SBOMTests {
    /// The venv's interpreter (`make deps` creates `.build/sbom-venv`).
    static let python: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.appendingPathComponent(".build/sbom-venv/bin/python3").path
    }()

    /// Validates a document (`cyclonedx` or `spdx`) at `path` with the format's validator, then prints one line
    /// per package URL as packageurl-python parses it: type, namespace, name, version, arch, distro, upstream.
    static let validator = """
        import json, sys
        from packageurl import PackageURL
        kind, path = sys.argv[1], sys.argv[2]
        text = open(path, encoding="utf-8").read()
        if kind == "cyclonedx":
            from cyclonedx.schema import SchemaVersion
            from cyclonedx.validation.json import JsonStrictValidator
            errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
            errors = list(errors or [])
            if errors:
                print("INVALID: " + "\\n".join(str(error) for error in errors))
                sys.exit(1)
            purls = [c["purl"] for c in json.loads(text)["components"] if "purl" in c]
        else:
            from spdx_tools.spdx.parser.parse_anything import parse_file
            from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
            document = parse_file(path)
            messages = validate_full_spdx_document(document)
            if messages:
                print("INVALID: " + "\\n".join(m.validation_message for m in messages))
                sys.exit(1)
            purls = [r.locator for p in document.packages for r in p.external_references if r.reference_type == "purl"]
        for purl in purls:
            p = PackageURL.from_string(purl)
            q = p.qualifiers or {}
            print("\\t".join([p.type, p.namespace or "", p.name, p.version or "", q.get("arch", ""),
                q.get("distro", ""), q.get("upstream", "")]))
        """

    /// Runs the validator of `kind` on `document`.
    static func runValidator(
        _ document: [UInt8], as kind: String, in directory: TemporaryDirectory
    ) async throws -> ToolResult? {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("the SBOM validators are missing: run `make deps` (it creates \(python))")
            return nil
        }
        let path = directory.appending("document-\(kind).json")
        try Data(document).write(to: URL(fileURLWithPath: path))
        return try await ProcessRunner.run(python, ["-c", validator, kind, path], check: false)
    }

    /// Validates `document` as `kind`; returns the package URLs' parsed lines.
    static func validate(_ document: [UInt8], as kind: String, in directory: TemporaryDirectory) async throws
        -> [String]
    {
        guard let result = try await runValidator(document, as: kind, in: directory) else { return [] }
        #expect(result.status == 0, "\(kind): \(result.outputText)\(result.errorText)")
        return result.outputText.split(separator: "\n").map(String.init)
    }

    /// A root with `files` (relative paths → contents) and `links` (relative path → target), packed with a fixed
    /// creation time; returns the root and the image.
    static func makeImage(
        in directory: TemporaryDirectory, files: [String: String], links: [String: String] = [:]
    ) async throws -> (root: String, image: String) {
        let root = directory.appending("root")
        for (path, contents) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        }
        for (path, target) in links {
            let full = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
        }
        let image = directory.appending("root.sqfs")
        try await ImageBuilder.mksquashfs(root, image, ["-comp", "xz", "-mkfs-time", "1700000000"])
        return (root, image)
    }

    static let dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"

    static let status = """
        Package: dpkg
        Status: install ok installed
        Priority: required
        Architecture: amd64
        Maintainer: Dpkg Developers <debian-dpkg@lists.debian.org>
        Version: 1.21.22
        Homepage: https://wiki.debian.org/Teams/Dpkg
        Description: Debian package management system

        Package: libc6
        Status: install ok installed
        Architecture: amd64
        Multi-Arch: same
        Source: glibc
        Version: 2.36-9+deb12u4
        Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>

        Package: libc6
        Status: install ok installed
        Architecture: i386
        Multi-Arch: same
        Source: glibc
        Version: 2.36-9+deb12u4

        Package: Epoch-Tool
        Status: hold ok installed
        Architecture: all
        Source: epoch-src (1:2.0-1)
        Version: 1:2.0-1+b1
        Maintainer: Someone (the team) <x@example.org>
        Homepage: not a url

        Package: zero-epoch
        Status: install ok installed
        Architecture: amd64
        Version: 0:3.1
        Conffiles:
         /etc/zero 0123456789abcdef

        Package: removed
        Status: deinstall ok config-files
        Architecture: amd64
        Version: 1.0

        Package: unpacked
        Status: install ok unpacked
        Architecture: amd64
        Version: 1.0

        Package: purged
        Status: purge ok not-installed
        Architecture: amd64

        Package: plain-copyright
        Status: install ok installed
        Architecture: amd64
        Version: 5

        """

    static let files: [String: String] = [
        "var/lib/dpkg/status": status,
        "usr/lib/os-release": """
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12"
        VERSION="12 (bookworm)"
        VERSION_CODENAME=bookworm
        ID=debian
        HOME_URL="https://www.debian.org/"

        """,
        "usr/share/doc/dpkg/copyright": dep5 + """
            Upstream-Name: dpkg

            Files: *
            Copyright: 1994 Ian Jackson
            License: GPL-2+

            Files: lib/compat/*
            Copyright: 2000 someone
            License: BSD-3-clause

            License: GPL-2+
             This program is free software.
            """,
        "usr/share/doc/libc6/copyright": dep5 + """

            Files: nptl/*
            Copyright: FSF
            License: LGPL-2.1+

            Files: sunrpc/*
            Copyright: Sun
            License: BSD-3-clause

            Files: posix/regex*
             timezone/*
            Copyright: FSF
            License: GPL-2+ with OpenSSL exception

            Files: stdlib/*
            Copyright: nobody
            License: public-domain

            Files: other/*
            Copyright: FSF
            License: LGPL-2.1+
            """,
        "usr/share/doc/epoch-src-doc/copyright": dep5 + """

            Files:
             *
            Copyright: Larry
            License: GPL-1+ or Artistic, and Expat
            """,
        "usr/share/doc/plain-copyright/copyright": "This package was debianized by someone.\nLicense: GPL-2\n",
    ]

    /// Builds the synthetic image; `epoch-tool`'s documentation is a link to another directory.
    static func syntheticImage(in directory: TemporaryDirectory) async throws -> (root: String, image: String) {
        try await makeImage(
            in: directory, files: files,
            links: ["etc/os-release": "../usr/lib/os-release", "usr/share/doc/epoch-tool": "epoch-src-doc"])
    }

    @Test("a synthetic image: packages, purls, source packages, licenses, the OS; both documents validate")
    func synthetic() async throws {
        try await withTemporaryDirectory { directory in
            let (root, image) = try await Self.syntheticImage(in: directory)
            let sbom = try SoftwareBillOfMaterials(of: SquashFSImage(path: image))

            // The installed packages are dpkg-query's `ii`/`hi` ones, with its versions.
            let query = try await ProcessRunner.run(
                "dpkg-query",
                [
                    "--admindir=\(root)/var/lib/dpkg", "--show",
                    "--showformat=${db:Status-Status}\t${Package}\t${Architecture}\t${Version}\n",
                ])
            let expected = query.outputText.split(separator: "\n").filter { $0.hasPrefix("installed\t") }
                .map { $0.dropFirst("installed\t".count) }.map(String.init).sorted()
            let listed = sbom.packages.map { "\($0.name)\t\($0.architecture)\t\($0.version)" }.sorted()
            #expect(listed == expected)
            #expect(
                sbom.packages.map(\.name) == ["dpkg", "epoch-tool", "libc6", "libc6", "plain-copyright", "zero-epoch"])

            let os = try #require(sbom.operatingSystem)
            #expect(os.id == "debian" && os.versionID == "12" && os.prettyName == "Debian GNU/Linux 12 (bookworm)")
            #expect(sbom.timestamp == 1_700_000_000)

            let byName = Dictionary(
                sbom.packages.map { ("\($0.name):\($0.architecture)", $0) }, uniquingKeysWith: { a, _ in a })
            let dpkg = try #require(byName["dpkg:amd64"])
            #expect(dpkg.packageURL == "pkg:deb/debian/dpkg@1.21.22?arch=amd64&distro=debian-12")
            #expect(dpkg.licenses == ["GPL-2+"])
            let libc = try #require(byName["libc6:i386"])
            #expect(
                libc.packageURL == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=i386&distro=debian-12&upstream=glibc")
            #expect(libc.licenses == ["LGPL-2.1+", "BSD-3-clause", "GPL-2+ with OpenSSL exception", "public-domain"])
            let epoch = try #require(byName["epoch-tool:all"])
            #expect(
                epoch.packageURL
                    == "pkg:deb/debian/epoch-tool@1%3A2.0-1%2Bb1?arch=all&distro=debian-12&upstream=epoch-src%401%3A2.0-1"
            )
            #expect(epoch.sourceName == "epoch-src" && epoch.sourceVersion == "1:2.0-1")
            #expect(epoch.licenses == ["GPL-1+ or Artistic, and Expat"])
            #expect(byName["zero-epoch:amd64"]?.version == "3.1")
            #expect(byName["plain-copyright:amd64"]?.licenses == [])

            let cycloneDX = sbom.cycloneDXJSON()
            let spdx = sbom.spdxJSON()
            let cycloneDXPurls = try await Self.validate(cycloneDX, as: "cyclonedx", in: directory)
            let spdxPurls = try await Self.validate(spdx, as: "spdx", in: directory)
            // packageurl-python reads back what was written: the epoch's colon, the `+`, the upstream's `@`.
            #expect(cycloneDXPurls == spdxPurls)
            #expect(cycloneDXPurls.contains("deb\tdebian\tepoch-tool\t1:2.0-1+b1\tall\tdebian-12\tepoch-src@1:2.0-1"))
            #expect(cycloneDXPurls.contains("deb\tdebian\tlibc6\t2.36-9+deb12u4\ti386\tdebian-12\tglibc"))
            #expect(cycloneDXPurls.count == sbom.packages.count)

            let cycloneDXText = String(decoding: cycloneDX, as: UTF8.self)
            #expect(cycloneDXText.contains("\"timestamp\": \"2023-11-14T22:13:20Z\""))
            #expect(cycloneDXText.contains("\"type\": \"operating-system\""))
            #expect(cycloneDXText.contains("\"expression\": \"(GPL-1.0-or-later OR Artistic-1.0) AND MIT\""))
            #expect(cycloneDXText.contains("\"id\": \"GPL-2.0-or-later\""))
            #expect(cycloneDXText.contains("\"name\": \"public-domain\""))
            let spdxText = String(decoding: spdx, as: UTF8.self)
            #expect(
                spdxText.contains(
                    "\"licenseDeclared\": \"LGPL-2.1-or-later AND BSD-3-Clause AND "
                        + "LicenseRef-GPL-2-plus-with-OpenSSL-exception AND LicenseRef-public-domain\""))
            #expect(spdxText.contains("\"created\": \"2023-11-14T22:13:20Z\""))
        }
    }

    @Test("every SPDX identifier DEP-5 names map to is on the license lists of both validators")
    func licenseTable() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            Issue.record("the SBOM validators are missing: run `make deps` (it creates \(Self.python))")
            return
        }
        let identifiers = Set(LicenseExpression.spdxIdentifiers.values).sorted()
        let check = """
            import json, sys, importlib.resources
            from license_expression import get_spdx_licensing
            schema = importlib.resources.files("cyclonedx.schema._res").joinpath("spdx.SNAPSHOT.schema.json")
            cyclonedx = set(json.loads(schema.read_text())["enum"])
            licensing = get_spdx_licensing()
            for identifier in sys.argv[1:]:
                if identifier not in cyclonedx or licensing.validate(identifier).errors:
                    print(identifier)
            """
        let result = try await ProcessRunner.run(Self.python, ["-c", check] + identifiers, check: false)
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.outputText == "", "not SPDX identifiers: \(result.outputText)")
        #expect(
            LicenseExpression.convert("GPL-2+ or Artistic, and BSD-3-clause").expression
                == "(GPL-2.0-or-later OR Artistic-1.0) AND BSD-3-Clause")
        #expect(
            LicenseExpression.convert("A, or B, and C").expression == "(LicenseRef-A OR LicenseRef-B) AND LicenseRef-C")
        #expect(
            LicenseExpression.convert("GPL-3+ with GCC-exception-3.1 exception").expression
                == "LicenseRef-GPL-3-plus-with-GCC-exception-3.1-exception")
    }

    @Test("the validators reject broken documents (the checks above are real)")
    func validatorsReject() async throws {
        try await withTemporaryDirectory { directory in
            let (_, image) = try await Self.syntheticImage(in: directory)
            let sbom = try SoftwareBillOfMaterials(of: SquashFSImage(path: image))
            let cycloneDX = String(decoding: sbom.cycloneDXJSON(), as: UTF8.self)
                .replacingOccurrences(of: "\"type\": \"library\"", with: "\"type\": \"librarian\"")
            let spdx = String(decoding: sbom.spdxJSON(), as: UTF8.self)
                .replacingOccurrences(
                    of: "\"licenseDeclared\": \"GPL-2.0-or-later\"", with: "\"licenseDeclared\": \"GPL-2+\"")
            #expect(cycloneDX != String(decoding: sbom.cycloneDXJSON(), as: UTF8.self))
            #expect(spdx != String(decoding: sbom.spdxJSON(), as: UTF8.self))
            let rejected = try await Self.runValidator(Array(cycloneDX.utf8), as: "cyclonedx", in: directory)
            #expect(rejected?.status == 1 && rejected?.outputText.hasPrefix("INVALID") == true)
            let refused = try await Self.runValidator(Array(spdx.utf8), as: "spdx", in: directory)
            #expect(refused?.status == 1 && refused?.outputText.hasPrefix("INVALID") == true)
        }
    }

    @Test("the same image gives the same bytes; the serial number follows the image's SHA-256 when given")
    func reproducible() async throws {
        try await withTemporaryDirectory { directory in
            let (_, image) = try await Self.syntheticImage(in: directory)
            let first = try SoftwareBillOfMaterials(of: SquashFSImage(path: image))
            let second = try SoftwareBillOfMaterials(of: SquashFSImage(path: image))
            #expect(first.cycloneDXJSON() == second.cycloneDXJSON())
            #expect(first.spdxJSON() == second.spdxJSON())

            var options = SoftwareBillOfMaterials.Options()
            options.imageSHA256 = Array(repeating: 0xAB, count: 32)
            options.timestamp = 0
            options.imageName = "noble-squashfs"
            let hashed = try SoftwareBillOfMaterials(of: SquashFSImage(path: image), options: options)
            #expect(hashed.serialNumber != first.serialNumber)
            let again = try SoftwareBillOfMaterials(of: SquashFSImage(path: image), options: options)
            #expect(hashed.serialNumber == again.serialNumber)
            let text = String(decoding: hashed.cycloneDXJSON(), as: UTF8.self)
            #expect(text.contains("\"content\": \"" + String(repeating: "ab", count: 32) + "\""))
            #expect(text.contains("\"timestamp\": \"1970-01-01T00:00:00Z\""))
            #expect(text.contains("\"name\": \"noble-squashfs\""))
            #expect(text.contains("\"serialNumber\": \"urn:uuid:\(hashed.serialNumber)\""))
            // An RFC 9562 version 8 UUID.
            let serial = Array(hashed.serialNumber)
            #expect(serial.count == 36 && serial[14] == "8" && "89ab".contains(serial[19]))
            _ = try await Self.validate(hashed.cycloneDXJSON(), as: "cyclonedx", in: directory)
            _ = try await Self.validate(hashed.spdxJSON(), as: "spdx", in: directory)
        }
    }

    @Test("a seventh of this machine's dpkg database (real fields), its os-release and copyright files")
    func hostSystem() async throws {
        // Every seventh stanza keeps the validators' work small (the CycloneDX one takes about 40 ms a component).
        let stanzas = try String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8).components(
            separatedBy: "\n\n")
        let status = stanzas.enumerated().filter { $0.offset % 7 == 0 }.map(\.element).joined(separator: "\n\n") + "\n"
        var files = ["var/lib/dpkg/status": status]
        files["etc/os-release"] = try String(contentsOfFile: "/etc/os-release", encoding: .utf8)
        let names = Set(
            status.split(separator: "\n").filter { $0.hasPrefix("Package: ") }.map { String($0.dropFirst(9)) })
        for name in names {
            let path = "/usr/share/doc/\(name)/copyright"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                files["usr/share/doc/\(name)/copyright"] = text
            }
        }
        try await withTemporaryDirectory { directory in
            let (root, image) = try await Self.makeImage(in: directory, files: files)
            let sbom = try SoftwareBillOfMaterials(of: SquashFSImage(path: image))
            let query = try await ProcessRunner.run(
                "dpkg-query",
                [
                    "--admindir=\(root)/var/lib/dpkg", "--show",
                    "--showformat=${db:Status-Status}\t${Package}\t${Architecture}\t${Version}\n",
                ])
            let expected = query.outputText.split(separator: "\n").filter { $0.hasPrefix("installed\t") }
                .map { $0.dropFirst("installed\t".count) }.map(String.init).sorted()
            #expect(sbom.packages.map { "\($0.name)\t\($0.architecture)\t\($0.version)" }.sorted() == expected)
            #expect(sbom.packages.count > 10)
            #expect(sbom.packages.contains { !$0.licenses.isEmpty })
            let purls = try await Self.validate(sbom.cycloneDXJSON(), as: "cyclonedx", in: directory)
            #expect(purls.count == sbom.packages.count)
            _ = try await Self.validate(sbom.spdxJSON(), as: "spdx", in: directory)
        }
    }

    @Test("an image without a dpkg database is notFound")
    func noDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let (_, image) = try await Self.makeImage(in: directory, files: ["etc/hostname": "x\n"])
            #expect {
                try SoftwareBillOfMaterials(of: SquashFSImage(path: image))
            } throws: { error in
                (error as? ImageContentsError)?.code == .notFound
            }
        }
    }

    @Test("hostile text: names and fields with quotes, control characters and no os-release still validate")
    func hostileText() async throws {
        let status = """
            Package: we"ird\\name
            Status: install ok installed
            Architecture: amd64
            Version: 1:2.0~\u{1}x y
            Source: s/r c (((
            Maintainer: <<>> ((
            Homepage: https://example.org/a"b

            Package: ../../etc
            Status: install ok installed
            Architecture: am/d64
            Version: 1

            """
        try await withTemporaryDirectory { directory in
            let (_, image) = try await Self.makeImage(
                in: directory,
                files: [
                    "var/lib/dpkg/status": status + "\nPackage: looped\nStatus: install ok installed\nVersion: 1\n\n"
                        + "Package: weird\nStatus: install ok installed\nVersion: 1\n",
                    "usr/share/doc/weird/copyright": Self.dep5 + "\nFiles: *\nLicense: (( or ,, and\n",
                ],
                links: ["usr/share/doc/looped": "looped", "etc/os-release": "os-release"])
            let sbom = try SoftwareBillOfMaterials(of: SquashFSImage(path: image))
            #expect(sbom.operatingSystem == nil)
            #expect(sbom.packages.count == 4)
            #expect(sbom.packages.map(\.licenses) == [[], [], [], ["(( or ,, and"]])
            _ = try await Self.validate(sbom.cycloneDXJSON(), as: "cyclonedx", in: directory)
            _ = try await Self.validate(sbom.spdxJSON(), as: "spdx", in: directory)
        }
    }

    @Test("copyright files past the total limit are refused with limitExceeded")
    func copyrightLimit() async throws {
        try await withTemporaryDirectory { directory in
            let (_, image) = try await Self.syntheticImage(in: directory)
            var options = SoftwareBillOfMaterials.Options()
            options.maximumCopyrightTotalBytes = 300
            #expect {
                try SoftwareBillOfMaterials(of: SquashFSImage(path: image), options: options)
            } throws: { error in
                (error as? ImageContentsError)?.code == .limitExceeded
            }
            options.readsLicenses = false
            let sbom = try SoftwareBillOfMaterials(of: SquashFSImage(path: image), options: options)
            #expect(sbom.packages.allSatisfy { $0.licenses.isEmpty })
        }
    }
}
