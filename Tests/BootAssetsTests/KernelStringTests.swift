import BootAssets
import Foundation
import TestSupport
import Testing

@Suite("Kernel strings")
struct KernelStringTests {
    struct Parsed: Equatable, CustomStringConvertible {
        var channel: KernelString.Channel?
        var release: String
        var platform: String
        var flavour: String
        var description: String { "(\(channel?.rawValue ?? "-"), \(release), \(platform), \(flavour))" }
    }

    static func parse(_ string: String) throws -> Parsed {
        let kernel = try KernelString(parsing: string)
        #expect(kernel.rawValue == string)
        #expect(kernel.description == string)
        return Parsed(
            channel: kernel.channel, release: kernel.release, platform: kernel.platform, flavour: kernel.flavour)
    }

    @Test(
        "MAAS's docstring examples parse into channel, release, platform and flavour",
        arguments: [
            ("hwe-x", Parsed(channel: .hwe, release: "x", platform: "", flavour: "")),
            ("ga-22.04", Parsed(channel: .ga, release: "22.04", platform: "", flavour: "")),
            ("hwe-22.04-lowlatency", Parsed(channel: .hwe, release: "22.04", platform: "", flavour: "lowlatency")),
            ("nvidia-ga-22.04", Parsed(channel: .ga, release: "22.04", platform: "nvidia", flavour: "")),
            (
                "raspi-hwe-edge-22.04-lowlatency",
                Parsed(channel: .hweEdge, release: "22.04", platform: "raspi", flavour: "lowlatency")
            ),
            (
                "hwe-22.04-lowlatency-edge",
                Parsed(channel: .hweEdge, release: "22.04", platform: "", flavour: "lowlatency")
            ),
            ("hwe-22.04-edge", Parsed(channel: .hweEdge, release: "22.04", platform: "", flavour: "")),
            ("ga-22.04-edge", Parsed(channel: .ga, release: "22.04", platform: "", flavour: "edge")),
            ("generic", Parsed(channel: nil, release: "", platform: "generic", flavour: "")),
            ("highbank", Parsed(channel: nil, release: "", platform: "highbank", flavour: "")),
            ("xgene-uboot-mustang", Parsed(channel: nil, release: "", platform: "xgene-uboot-mustang", flavour: "")),
            ("hwe-rolling", Parsed(channel: .hwe, release: "rolling", platform: "", flavour: "")),
            (
                "hwe-rolling-lowlatency-edge",
                Parsed(channel: .hweEdge, release: "rolling", platform: "", flavour: "lowlatency")
            ),
            ("ga-24.04-generic-lpae", Parsed(channel: .ga, release: "24.04", platform: "", flavour: "generic-lpae")),
            // A lone channel word is a one-word platform, as MAAS's parser treats every single word.
            ("hwe", Parsed(channel: nil, release: "", platform: "hwe", flavour: "")),
        ])
    func parsing(string: String, expected: Parsed) throws {
        #expect(try Self.parse(string) == expected)
    }

    @Test("Properties of parsed kernels")
    func properties() throws {
        let rolling = try KernelString(parsing: "hwe-rolling")
        #expect(rolling.isRolling && !rolling.isLegacyLetter && !rolling.isPlatformOnly)
        let legacy = try KernelString(parsing: "hwe-t")
        #expect(legacy.isLegacyLetter && !legacy.isFlavoured && !legacy.isPlatformOptimised)
        let generic = try KernelString(parsing: "generic")
        #expect(generic.isPlatformOnly && !generic.isPlatformOptimised && !generic.isLegacyLetter)
        let nvidia = try KernelString(parsing: "nvidia-ga-22.04-lowlatency")
        #expect(nvidia.isPlatformOptimised && nvidia.isFlavoured && !nvidia.isPlatformOnly)
        #expect(!(try KernelString(parsing: "ga-22.04-generic")).isFlavoured)
    }

    @Test(
        "Invalid kernel strings are refused with invalidName naming the string",
        arguments: [
            "ga-hwe-22.04", "hwe-edge", "", "ga--22.04", "-ga-22.04", "hwe-22.04-", "nvidia-hwe-edge", "hwe-ga",
        ])
    func invalid(string: String) throws {
        let error = try #require(bootAssetsError { try KernelString(parsing: string) })
        #expect(error.code == .invalidName)
        #expect(error.message.contains("'\(string)'"), "\(error.message)")
    }

    @Test(
        "Documented orderings",
        arguments: [
            ("ga-22.04", 22, 4, 10_000), ("hwe-22.04-lowlatency-edge", 22, 4, 10_010_010), ("hwe-t", 14, 4, 1000),
            ("generic", 0, 0, 10_000), ("hwe-rolling", 999, 999, 1_010_000), ("highbank", 0, 0, 110_000),
            ("jammy", 22, 4, 0), ("22.04", 22, 4, 0), ("rolling", 999, 999, 0), ("hwe-22.04", 22, 4, 1_010_000),
            ("nvidia-ga-22.04", 22, 4, 110_000), ("hwe-w", 15, 10, 1000), ("hwe-x-lowlatency", 16, 4, 1010),
        ])
    func documentedOrderings(string: String, major: Int, minor: Int, weight: Int) throws {
        let ordering = try KernelString.ordering(of: string)
        #expect(ordering == KernelOrdering(major: major, minor: minor, weight: weight), "\(string): \(ordering)")
    }

    @Test("Orderings sort HWE-edge above HWE above platform above GA above legacy above release")
    func orderingSorts() throws {
        let strings = [
            "jammy", "ga-22.04", "ga-22.04-lowlatency", "nvidia-ga-22.04", "hwe-22.04", "hwe-22.04-lowlatency",
            "hwe-22.04-edge", "hwe-22.04-lowlatency-edge",
        ]
        let orderings = try strings.map { try KernelString.ordering(of: $0) }
        #expect(orderings == orderings.sorted())
        #expect(Set(orderings).count == strings.count)
        #expect(try KernelString(parsing: "hwe-20.04").ordering() < KernelString(parsing: "ga-22.04").ordering())
        #expect(try KernelString.ordering(of: "hwe-x") < KernelString.ordering(of: "ga-16.04"))
    }

    @Test("Unknown releases are refused by ordering but not by parsing")
    func unknownRelease() throws {
        let kernel = try KernelString(parsing: "ga-99.99")
        #expect(kernel.release == "99.99")
        let error = try #require(bootAssetsError { try kernel.ordering() })
        #expect(error.code == .invalidName)
        #expect(error.message.contains("99.99"))
    }

    @Test(
        "Flavours go before a trailing -edge; generic is not written",
        arguments: [
            ("hwe-22.04", "lowlatency", "hwe-22.04-lowlatency"),
            ("hwe-22.04-edge", "lowlatency", "hwe-22.04-lowlatency-edge"),
            ("ga-22.04", "generic", "ga-22.04"), ("ga-22.04", "", "ga-22.04"),
            ("ga-24.04", "generic-lpae", "ga-24.04-generic-lpae"),
            ("hwe-24.04-edge", "64k", "hwe-24.04-64k-edge"),
            ("xgene-uboot", "lowlatency", "xgene-uboot-lowlatency"),
        ])
    func subarchitecture(subarch: String, flavour: String, expected: String) {
        #expect(KernelString.subarchitecture(subarch, flavour: flavour) == expected)
    }

    @Test("A nil flavour leaves the subarchitecture alone")
    func nilFlavour() {
        #expect(KernelString.subarchitecture("hwe-22.04-edge", flavour: nil) == "hwe-22.04-edge")
    }

    @Test(
        "Release lookup by series or version prefix, as distro-info",
        arguments: [
            ("x", "xenial"), ("w", "wily"), ("22.04", "jammy"), ("jammy", "jammy"), ("t", "trusty"), ("p", "precise"),
            ("24", "noble"), ("4.10", "warty"), ("noble", "noble"), ("26.04", "resolute"),
            ("a", "artful"), ("16", "xenial"),
        ])
    func releaseLookup(name: String, series: String) {
        #expect(UbuntuReleaseTable.standard.release(named: name)?.series == series)
    }

    @Test("Unknown and empty release names find nothing")
    func releaseLookupMisses() {
        for name in ["", "zz", "99.04", "Jammy", "jammyx", "warty"] {
            #expect(UbuntuReleaseTable.standard.release(named: name) == nil, "\(name)")
        }
        #expect(UbuntuReleaseTable.standard.latestLTS?.series == "resolute")
        let jammy = UbuntuReleaseTable.standard.release(named: "jammy")
        #expect(jammy?.isLTS == true && jammy?.title == "22.04 LTS")
        #expect(UbuntuReleaseTable.standard.release(named: "kinetic")?.title == "22.10")
    }

    @Test("Architectures parse as ARCH/SUBARCH")
    func architectures() throws {
        let architecture = try BootArchitecture(parsing: "amd64/ga-22.04")
        #expect(architecture.arch == "amd64" && architecture.subarch == "ga-22.04")
        #expect(architecture.kernel?.release == "22.04")
        #expect(try BootArchitecture(parsing: "armhf/generic").kernel?.isPlatformOnly == true)
        for bad in ["amd64", "amd64/ga/22.04", "/generic", "amd64/", "amd_64/generic", "amd64/ga 22.04", "amd64/ga_22"]
        {
            #expect(bootAssetsError { try BootArchitecture(parsing: bad) }?.code == .invalidName, "\(bad)")
        }
    }

    // MARK: - Differential against MAAS's algorithm

    /// MAAS's `parse_subarch_kernel_string` and `get_release_version_from_string`, re-implemented from their
    /// description, over a release table given as JSON (distro-info's prefix lookup, series only from 12.04 on).
    /// Input: the table file and the strings file (one per line). Output per string:
    /// `STRING\tMAJOR MINOR WEIGHT\tCHANNEL|RELEASE|PLATFORM|FLAVOUR` or `STRING\terror\t...`.
    static let oracle = #"""
        import json, sys
        table = json.load(open(sys.argv[1]))
        strings = open(sys.argv[2]).read().split("\n")[:-1]

        def lookup(name):
            for row in table:
                major = int(row["version"].split(".")[0])
                if (major >= 12 and row["series"].startswith(name)) or row["version"].startswith(name):
                    return row
            return None

        class Invalid(Exception):
            pass

        def parse(text):
            words = text.split("-")
            if len(words) == 1:
                return ("", "", text, "")
            found = [(words.index(c), c) for c in ("hwe", "ga") if c in words]
            if len(found) > 1:
                raise Invalid("two channels")
            if not found:
                return ("", "", text, "")
            at, channel = found[0]
            platform = "-".join(words[:at])
            rest = words[at:]
            if channel == "hwe" and len(rest) > 1 and rest[1] == "edge":
                channel, rest = "hwe-edge", rest[:1] + rest[2:]
            elif channel == "hwe" and rest[-1] == "edge":
                channel, rest = "hwe-edge", rest[:-1]
            if len(rest) < 2:
                raise Invalid("no release")
            return (channel, rest[1], platform, "-".join(rest[2:]))

        def order(text):
            count = len(text.split("-"))
            channel, release, platform, flavour, weight, row = "ga", "", "", "", 0, None
            if text == "rolling":
                release = "rolling"
            elif count == 1:
                row = lookup(text)
                if row is not None:
                    release = text
                else:
                    platform, weight = text, weight + 10000
            if not release and not platform:
                channel, release, platform, flavour = parse(text)
                if channel == "hwe":
                    weight += 1000000 if len(release) > 1 else 0
                elif channel == "hwe-edge":
                    weight += 10000000
                elif channel == "" and platform:
                    weight += 10000
            if channel == "hwe" and len(release) == 1:
                weight += 1000
            elif count > 1 and release:
                weight += 10000
            if release == "rolling":
                version = (999, 999)
            else:
                if release and row is None:
                    row = lookup(release)
                if row is not None:
                    version = tuple(int(p) for p in row["version"].split("."))
                elif (not release and platform and platform != "generic") or count == 1:
                    version = (0, 0)
                else:
                    raise Invalid("unknown release")
            if flavour and flavour != "generic":
                weight += 10
            if platform and platform != "generic":
                weight += 100000
            return version + (weight,)

        for text in strings:
            try:
                parsed = "|".join(parse(text))
            except Invalid:
                parsed = "error"
            try:
                print("%s\t%d %d %d\t%s" % ((text,) + order(text) + (parsed,)))
            except Invalid:
                print("%s\terror\t%s" % (text, parsed))
        """#

    /// Every combination of platform, channel form, release, flavour, plus single words.
    static var generatedStrings: [String] {
        let platforms = ["", "nvidia", "raspi", "generic", "xgene-uboot"]
        let releases = [
            "22.04", "20.04", "24.04", "16.04", "26.04", "24.10", "12.04", "jammy", "noble", "rolling", "p", "t", "w",
            "x", "y", "a", "99.99", "zz", "22", "4.10",
        ]
        let flavours = ["", "generic", "lowlatency", "generic-lpae", "64k"]
        var strings: [String] = []
        for platform in platforms {
            for release in releases {
                for flavour in flavours {
                    let tail = flavour.isEmpty ? "" : "-" + flavour
                    for form in ["ga-R", "hwe-R", "hwe-edge-R", "hwe-R-edge", "ga-R-edge"] {
                        var kernel = form.replacingOccurrences(of: "R", with: release)
                        if form.hasSuffix("-edge") {
                            kernel = String(kernel.dropLast("-edge".count)) + tail + "-edge"
                        } else {
                            kernel += tail
                        }
                        strings.append(platform.isEmpty ? kernel : platform + "-" + kernel)
                    }
                }
            }
        }
        strings += [
            "generic", "highbank", "xgene-uboot", "xgene-uboot-mustang", "generic-lpae", "jammy", "22.04", "x", "w",
            "rolling", "hwe", "ga", "edge", "hwe-edge", "ga-hwe-22.04", "hwe-ga-x", "nvidia-hwe", "warty", "zz",
            "4.10", "hwe-22.04-edge-edge", "hwe-edge-edge", "edge-hwe-22.04", "ga-ga-22.04", "hwe-22.04-ga",
        ]
        return strings
    }

    @Test("Ordering and parsing agree with MAAS's algorithm over generated kernel strings")
    func differential() async throws {
        try #require(Tool.exists("python3"), "python3 is needed for the MAAS oracle")
        let scratch = try ScratchDirectory(prefix: "kernel-oracle")
        defer { scratch.remove() }
        let table = UbuntuReleaseTable.standard.releases.map { ["series": $0.series, "version": $0.version] }
        try scratch.write(Array(try JSONSerialization.data(withJSONObject: table)), to: "table.json")
        let strings = Self.generatedStrings
        #expect(strings.count > 500)
        try scratch.write(strings.joined(separator: "\n") + "\n", to: "strings.txt")
        let result = try await Tool.run(
            "python3", ["-c", Self.oracle, scratch.path + "/table.json", scratch.path + "/strings.txt"], check: true)
        let lines = result.outputText.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        try #require(lines.count == strings.count, "\(result.errorText)")
        var errors = 0
        var mismatches: [String] = []
        for (string, line) in zip(strings, lines) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 3 && fields[0] == string, "\(line)")
            let swiftOrdering: String
            switch Result(catching: { () throws(BootAssetsError) in try KernelString.ordering(of: string) }) {
            case .success(let ordering): swiftOrdering = "\(ordering.major) \(ordering.minor) \(ordering.weight)"
            case .failure(let error):
                #expect(error.code == .invalidName)
                swiftOrdering = "error"
                errors += 1
            }
            let swiftParsed: String
            if let kernel = try? KernelString(parsing: string) {
                swiftParsed = [kernel.channel?.rawValue ?? "", kernel.release, kernel.platform, kernel.flavour]
                    .joined(separator: "|")
            } else {
                swiftParsed = "error"
            }
            if swiftOrdering != fields[1] || swiftParsed != fields[2] {
                mismatches.append("\(string): Swift \(swiftOrdering) \(swiftParsed), MAAS \(fields[1]) \(fields[2])")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.prefix(40).joined(separator: "\n"))")
        // The generated list exercises both outcomes.
        #expect(errors > 50 && errors < strings.count / 2, "\(errors) errors")
    }
}
