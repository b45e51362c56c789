import Foundation
import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport
import Testing

@Suite("Queries: filters, then the newest versions")
struct QueryTests {
    /// Two products; the newest version of `a` has no squashfs, version names that sort as strings, not numbers.
    static let document = #"""
        {"format": "products:1.0", "content_id": "com.example:max",
         "products": {
          "a": {"arch": "amd64", "versions": {
           "20250101": {"items": {"squashfs": {"ftype": "squashfs", "path": "a/1/s"},
                                  "kernel": {"ftype": "boot-kernel", "path": "a/1/k"}}},
           "20250718.1": {"items": {"kernel": {"ftype": "boot-kernel", "path": "a/3/k"}}},
           "20250201": {"items": {"squashfs": {"ftype": "squashfs", "path": "a/2/s"},
                                  "manifest": {"ftype": "manifest", "path": "a/2/m"}}},
           "20250718": {"items": {"squashfs": {"ftype": "squashfs", "path": "a/4/s"}}},
           "9": {"items": {"kernel": {"ftype": "boot-kernel", "path": "a/9/k"}}}
          }},
          "b": {"arch": "arm64", "versions": {
           "20240101": {"items": {"squashfs": {"ftype": "squashfs", "path": "b/1/s"}}},
           "20240102": {"items": {"squashfs": {"ftype": "squashfs", "path": "b/2/s"}}}
          }},
          "empty": {"arch": "amd64", "versions": {}}
         }}
        """#

    static func run(_ filters: [String], max: Int? = nil) throws -> [String] {
        let document = try ProductsDocument(parsing: Self.document.bytes)
        return try StreamQuery(filters: filters, maximumVersions: max).run(on: document).map(\.pedigree)
    }

    @Test("max applies after item filtering, per product, newest first by string order")
    func maximumAfterFiltering() throws {
        #expect(
            try Self.run(["ftype=squashfs"], max: 1) == ["a 20250718 squashfs", "b 20240102 squashfs"],
            "the newer 20250718.1 and 9 have no squashfs, so they do not count")
        #expect(
            try Self.run(["ftype=squashfs"], max: 2) == [
                "a 20250718 squashfs", "a 20250201 squashfs", "b 20240102 squashfs", "b 20240101 squashfs",
            ])
        #expect(try Self.run(["ftype=boot-kernel"], max: 1) == ["a 9 kernel"], "'9' sorts after '2025…'")
        #expect(try Self.run(["ftype=boot-kernel"], max: 2) == ["a 9 kernel", "a 20250718.1 kernel"])
        #expect(try Self.run(["arch=arm64"], max: 1) == ["b 20240102 squashfs"])
        #expect(try Self.run([], max: 0) == [])
    }

    @Test("Without max every matching version is kept, newest first, items in document order")
    func noMaximum() throws {
        #expect(
            try Self.run([]) == [
                "a 9 kernel", "a 20250718.1 kernel", "a 20250718 squashfs", "a 20250201 squashfs",
                "a 20250201 manifest", "a 20250101 squashfs", "a 20250101 kernel", "b 20240102 squashfs",
                "b 20240101 squashfs",
            ])
        #expect(try Self.run(["ftype=nothing"]) == [])
        #expect(try Self.run([], max: 100).count == 9)
    }

    @Test("A negative maximum is an invalid argument")
    func negativeMaximum() {
        #expect(
            simpleStreamsError { try StreamQuery(filters: [String](), maximumVersions: -1) }?.code == .invalidArgument)
    }

    @Test(
        "Queries agree with Python's item-first filtering and max over the same document",
        .enabled(if: PythonOracle.isAvailable),
        arguments: ["synthetic", "maas/simplestreams_ubuntu.json", "maas/simplestreams_bootloaders.json", "max"])
    func matchesPython(name: String) async throws {
        let json: JSONObject =
            switch name {
            case "synthetic": SyntheticStream.condensed(SyntheticStream.uncondensed())
            case "max": try ProductsDocument(parsing: Self.document.bytes).json
            default: try Fixture.products(name).json
            }
        let queries: [(filters: [String], max: Int?)] = [
            ([], nil), ([], 1), (["arch=amd64"], 1), (["ftype=squashfs"], 1), (["ftype=squashfs"], 2),
            (["ftype=boot-kernel"], 1), (["arch=amd64", "release=jammy", "ftype=squashfs"], 1),
            (["release~(jammy|noble)", "ftype!~^boot-"], nil), (["label=candidate"], 1), (["label!=candidate"], 1),
            (["os="], nil), (["size=1000", "ftype~squash"], 1), (["rolling=False"], nil), (["ratio=1.0"], 1),
            (["bootloader-type=pxe"], 1), (["arches~i386"], nil), (["version_name~^2025"], 1),
            (["item_name=shim-signed"], nil), (["product_name~arm64"], 1), (["kpackage!="], 2),
            (["src_release=jammy"], 1), (["sha256~^[0-7]"], nil),
        ]
        let document = try ProductsDocument(json: json)
        let python = try await PythonOracle.flatten(json, queries: queries)
        #expect(python.queries.count == queries.count)
        var nonEmpty = 0
        for (query, expected) in zip(queries, python.queries) {
            let ours = try StreamQuery(filters: query.filters, maximumVersions: query.max).run(on: document)
            #expect(
                ours.map { [$0.productName, $0.versionName, $0.itemName] } == expected,
                "\(query.filters) max \(String(describing: query.max))")
            if !expected.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty >= 3, "the queries select something")
    }

    @Test("The real Ubuntu stream: arch=amd64 release=jammy ftype=squashfs max 1 is the newest jammy squashfs")
    func maasLatestJammy() async throws {
        let document = try Fixture.products("maas/simplestreams_ubuntu.json")
        let query = try StreamQuery(filters: ["arch=amd64", "release=jammy", "ftype=squashfs"], maximumVersions: 1)
        let items = try query.run(on: document)
        try #require(items.count == 1)
        let item = items[0]
        #expect(item.productName == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04")
        #expect(item.versionName == "20250718")
        #expect(item.itemName == "squashfs")
        #expect(item.path == "jammy/amd64/20250718/squashfs")
        #expect(item.sha256 == "edbd57a3d69392e6942ef4a35bc7c062cc234b9d1d48d99bf3e15401ceda0d46")
        #expect(item.size == 455_462_912)

        // The same answer computed independently by Python over the fixture file.
        guard PythonOracle.isAvailable else { return }
        let program = #"""
            import json, sys
            doc = json.load(open(sys.argv[1]))
            best = []
            for pname, product in doc["products"].items():
                if product.get("arch") != "amd64" or product.get("release") != "jammy":
                    continue
                for vname, version in product["versions"].items():
                    for iname, item in version["items"].items():
                        if item.get("ftype") == "squashfs":
                            best.append((vname, pname, iname, item["path"], item["sha256"], item["size"]))
            best.sort(reverse=True)
            print(json.dumps([list(best[0])]))
            """#
        let python = try await Tool.python(program, [try Fixture.path("maas/simplestreams_ubuntu.json")])
        #expect(
            python
                == [
                    [
                        .string(item.versionName), .string(item.productName), .string(item.itemName),
                        .string(item.path ?? ""), .string(item.sha256 ?? ""), .integer(item.size ?? -1),
                    ]
                ])
    }

    @Test("Queries over the bootloader and CentOS streams")
    func otherMaasStreams() throws {
        let bootloaders = try Fixture.products("maas/simplestreams_bootloaders.json")
        let uefi = try StreamQuery(filters: ["bootloader-type=uefi", "arch=amd64"], maximumVersions: 1).run(
            on: bootloaders)
        #expect(Set(uefi.map(\.versionName)) == ["20231004.0"])
        #expect(Set(uefi.map(\.itemName)) == ["grub2-signed", "shim-signed"])
        #expect(uefi.allSatisfy { $0.ftype == "archive.tar.xz" && $0.sourceRelease != nil })
        let centos = try Fixture.products("maas/simplestreams_centos.json")
        let roots = try StreamQuery(filters: ["ftype=root-tgz"], maximumVersions: 1).run(on: centos)
        #expect(!roots.isEmpty)
        #expect(roots.allSatisfy { $0.os == "centos" && $0.path?.hasSuffix("/root-tgz") == true })
        #expect(Set(roots.map(\.productName)).count == roots.count, "one version per product")
    }
}
