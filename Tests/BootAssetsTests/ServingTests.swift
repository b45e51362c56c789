import BootAssets
import Testing

@Suite("Serving paths")
struct ServingTests {
    @Test(
        "The layout of each MAAS version",
        arguments: [
            ("2.9", ServingLayout.labelled), ("3.4", .labelled), ("3.4.2", .labelled), ("3.0", .labelled),
            ("3.5", .sha256Prefixed), ("3.5.1", .sha256Prefixed), ("3.6", .shortSHA256Prefixed),
            ("3.10", .shortSHA256Prefixed), ("4.0", .shortSHA256Prefixed),
        ])
    func layouts(version: String, layout: ServingLayout) throws {
        #expect(try ServingLayout(maasVersion: version) == layout)
    }

    @Test(
        "Versions that are not MAJOR.MINOR are refused",
        arguments: ["", "3", "three.four", "3.x", ".5", "3..5", "v3.5"])
    func invalidVersions(version: String) throws {
        let error = try #require(bootAssetsError { try ServingLayout(maasVersion: version) })
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("'\(version)'"))
    }

    @Test(
        "Signed or non-numeric parts are not MAAS versions",
        arguments: ["-1.5", "+3.5", "3.-4", "3.5.x"])
    func signedVersions(version: String) throws {
        #expect(throws: BootAssetsError.self) { try ServingLayout(maasVersion: version) }
    }

    @Test("Labelled and prefixed paths of the real documents")
    func fixturePaths() throws {
        let catalogue = BootResourceCatalogue(try Fixture.maasProducts.map { try Fixture.products($0) })
        let resource = try #require(
            catalogue.resources.first { $0.name == "ubuntu/jammy" && $0.architecture.arch == "amd64" })
        let kernel = try #require(resource.latestCompleteVersion?.file(ofType: .bootKernel))
        let paths = ServingPaths(catalogue.resources)
        #expect(
            paths.path(of: kernel, in: resource, layout: .labelled) == "ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel")
        #expect(
            paths.path(of: kernel, in: resource, layout: .sha256Prefixed)
                == kernel.sha256 + "/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel")
        let short = paths.path(of: kernel, in: resource, layout: .shortSHA256Prefixed)
        #expect(short == "54fe42a/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel")
        // The rack takes the label from index 5 of the labelled path.
        #expect(paths.path(of: kernel, in: resource, layout: .labelled).split(separator: "/")[4] == "stable")

        let centos = try #require(catalogue.resources.first { $0.name == "centos/centos70" })
        let root = try #require(centos.latestCompleteVersion?.file(ofType: .rootTGZ))
        #expect(paths.path(of: root, in: centos, layout: .labelled) == "centos/amd64/generic/centos70/stable/root-tgz")
        #expect(
            ServingPaths.missingImagePath(
                os: "ubuntu", arch: "amd64", subarch: "ga-22.04", release: "jammy", file: .bootKernel)
                == "ubuntu/amd64/ga-22.04/jammy/no-such-image/boot-kernel")
    }

    @Test("Identical digests in the real documents share one prefix")
    func fixtureSharedDigest() throws {
        let catalogue = BootResourceCatalogue(try Fixture.maasProducts.map { try Fixture.products($0) })
        let arm = try #require(
            catalogue.resources.first { $0.name == "ubuntu/jammy" && $0.architecture.arch == "arm64" })
        let kernels = arm.versions.compactMap { $0.file(ofType: .bootKernel) }
        try #require(kernels.count == 2)
        #expect(kernels[0].sha256 == kernels[1].sha256)
        let paths = ServingPaths(catalogue.resources)
        #expect(paths.shortDigest(of: kernels[0].sha256) == paths.shortDigest(of: kernels[1].sha256))
        #expect(paths.shortDigest(of: kernels[0].sha256).count == 7)
    }

    /// The shortest prefix of `digest`, at least 7 digits, that no other distinct digest starts with.
    static func bruteForce(_ digest: String, among digests: Set<String>) -> String {
        for length in ServingPaths.minimumPrefixLength...digest.count {
            let prefix = digest.prefix(length)
            if !digests.contains(where: { $0 != digest && $0.hasPrefix(prefix) }) { return String(prefix) }
        }
        return digest
    }

    /// Digests that agree on long prefixes: families sharing 6, 7, 8, 12, 20 and 63 leading digits.
    static func generatedDigests() -> [String] {
        var state: UInt64 = 0x1234_5678_9abc_def0
        func randomHex(_ count: Int) -> String {
            String(
                (0..<count).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Array("0123456789abcdef")[Int(state >> 60)]
                })
        }
        var digests: [String] = []
        for shared in [0, 1, 6, 7, 8, 12, 20, 63] {
            for _ in 0..<4 {
                let stem = randomHex(shared)
                for _ in 0..<5 { digests.append(stem + randomHex(64 - shared)) }
            }
        }
        // Exact neighbours: differing only in the last digit, and a chain agreeing on 7, 8, 9 ... digits.
        let base = randomHex(64)
        for length in 7..<14 { digests.append(String(base.prefix(length)) + randomHex(64 - length)) }
        digests.append(base)
        return digests
    }

    @Test("Shortest unique prefixes agree with a brute-force search")
    func shortestPrefixes() {
        let digests = Self.generatedDigests()
        let unique = Set(digests)
        let paths = ServingPaths(digests: digests)
        var lengths: Set<Int> = []
        for digest in unique {
            let expected = Self.bruteForce(digest, among: unique)
            #expect(paths.shortDigest(of: digest) == expected, "\(digest)")
            lengths.insert(expected.count)
        }
        // The generated families really exercise long prefixes.
        #expect(lengths.contains(7) && lengths.contains(9) && lengths.contains(13) && lengths.contains(64))
    }

    @Test("Identical digests share a prefix; case is ignored; the minimum is 7; unknown digests get 7")
    func prefixRules() {
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "a", count: 10) + String(repeating: "b", count: 54)
        let paths = ServingPaths(digests: [a, a.uppercased(), b, "0123456789" + String(repeating: "f", count: 54)])
        #expect(paths.shortDigest(of: a) == String(repeating: "a", count: 11))
        #expect(paths.shortDigest(of: a.uppercased()) == String(repeating: "a", count: 11))
        #expect(paths.shortDigest(of: b) == String(repeating: "a", count: 10) + "b")
        #expect(paths.shortDigest(of: "0123456789" + String(repeating: "f", count: 54)) == "0123456")
        #expect(paths.shortDigest(of: String(repeating: "c", count: 64)) == "ccccccc")
        let single = ServingPaths(digests: [a])
        #expect(single.shortDigest(of: a) == "aaaaaaa")
    }
}
