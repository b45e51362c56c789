package import SimpleStreams

/// Products documents made the way the MAAS producer makes them: every item first carries all the tags of its
/// product and version, then ``condensed(sticky:)`` moves the shared string fields up, as python-simplestreams'
/// `products_condense(tree, sticky)` does.
package enum SyntheticStream {
    /// The sticky keys of `maas-images` (`meph2/commands/meph2_util.py`): they never move up.
    package static let maasSticky: Set<String> = [
        "di_version", "kpackage", "sha256", "md5", "path", "ftype", "src_package", "src_version", "src_release",
    ]

    /// An uncondensed products document: releases × architectures, three versions each, four items per version
    /// (boot-kernel, boot-initrd, squashfs, manifest), every tag on every item.
    ///
    /// One version of each product is labelled `candidate` (the others `stable`), so `label` stays at version level;
    /// the arm64 squashfs items carry a bool and a float, and sizes repeat (ints never move up).
    package static func uncondensed() -> JSONObject {
        var products = JSONObject()
        let releases: [(name: String, version: String, title: String, codename: String)] = [
            ("jammy", "22.04", "22.04 LTS", "Jammy Jellyfish"),
            ("noble", "24.04", "24.04 LTS", "Noble Numbat \u{2603}"),
        ]
        for release in releases {
            for arch in ["amd64", "arm64"] {
                let productName = "com.example.maas.stable:v3:boot:\(release.version):\(arch):ga-\(release.version)"
                var versions = JSONObject()
                for (index, serial) in ["20250601", "20250718", "20250718.1"].enumerated() {
                    var items = JSONObject()
                    for ftype in ["boot-kernel", "boot-initrd", "squashfs", "manifest"] {
                        var item: JSONObject = [
                            "arch": .string(arch), "os": "ubuntu", "release": .string(release.name),
                            "version": .string(release.version), "release_title": .string(release.title),
                            "release_codename": .string(release.codename), "subarch": .string("ga-\(release.version)"),
                            "subarches": "generic,ga-22.04,ga-24.04", "kflavor": "generic",
                            "krel": .string(release.name), "label": index == 1 ? "candidate" : "stable",
                            "support_eol": "2029-05-31", "ftype": .string(ftype),
                            "path": .string("\(release.name)/\(arch)/\(serial)/\(ftype)"),
                            "sha256": .string(fakeDigest("\(productName)/\(serial)/\(ftype)")),
                            "size": 1000,
                        ]
                        if ftype.hasPrefix("boot-") { item["kpackage"] = "linux-generic" }
                        if ftype == "squashfs" && arch == "arm64" {
                            item["rolling"] = false
                            item["ratio"] = 1.0
                        }
                        items[ftype] = .object(item)
                    }
                    versions[serial] = .object(["items": .object(items)])
                }
                products[productName] = .object(["versions": .object(versions)])
            }
        }
        return [
            "content_id": "com.example.maas:stable:v3:download", "datatype": "image-ids", "format": "products:1.0",
            "products": .object(products), "updated": "Thu, 24 Jul 2025 09:01:43 +0000",
        ]
    }

    /// `products_condense(tree, sticky)` with `top='versions'`: items → version for every version, then versions →
    /// product for every product. A key moves when every child has it, all values are equal strings, it is not
    /// sticky, and the parent has no different value.
    package static func condensed(_ tree: JSONObject, sticky: Set<String> = maasSticky) -> JSONObject {
        var tree = tree
        guard var products = tree["products"]?.objectValue else { return tree }
        for productName in products.keys {
            guard var product = products[productName]?.objectValue,
                var versions = product["versions"]?.objectValue
            else { continue }
            for versionName in versions.keys {
                guard var version = versions[versionName]?.objectValue else { continue }
                moveDuplicates(from: "items", in: &version, sticky: sticky)
                versions[versionName] = .object(version)
            }
            product["versions"] = .object(versions)
            products[productName] = .object(product)
        }
        for productName in products.keys {
            guard var product = products[productName]?.objectValue else { continue }
            moveDuplicates(from: "versions", in: &product, sticky: sticky)
            products[productName] = .object(product)
        }
        tree["products"] = .object(products)
        return tree
    }

    private static func moveDuplicates(from childrenKey: String, in parent: inout JSONObject, sticky: Set<String>) {
        guard var children = parent[childrenKey]?.objectValue, !children.isEmpty else { return }
        let objects = children.values.compactMap(\.objectValue)
        guard objects.count == children.count, let first = objects.first else { return }
        var updates: [(String, String)] = []
        for key in first.keys where !sticky.contains(key) {
            guard case .string(let value)? = first[key],
                objects.allSatisfy({ $0[key] == .string(value) }),
                parent[key] == nil || parent[key] == .string(value)
            else { continue }
            updates.append((key, value))
        }
        for name in children.keys {
            guard var child = children[name]?.objectValue else { continue }
            for (key, _) in updates { child.removeValue(forKey: key) }
            children[name] = .object(child)
        }
        parent[childrenKey] = .object(children)
        for (key, value) in updates { parent[key] = .string(value) }
    }

    /// A 64-digit lowercase hexadecimal string derived from `text` (not a real digest; distinct per input).
    package static func fakeDigest(_ text: String) -> String {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        var digits = ""
        for round in 0..<4 {
            for byte in text.utf8 {
                state ^= UInt64(byte) &+ UInt64(round)
                state = state &* 0x0000_0100_0000_01b3
            }
            let hex = String(state, radix: 16)
            digits += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return digits
    }
}
