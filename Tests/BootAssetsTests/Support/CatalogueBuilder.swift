import BootAssets
import SimpleStreams

/// A JSON value with ordered object keys, written by the tests to make products documents.
indirect enum StreamJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case integer(Int64)
    case object([(String, StreamJSON)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }

    /// The JSON text.
    var text: String {
        switch self {
        case .string(let value): return Self.quoted(value)
        case .integer(let value): return String(value)
        case .object(let members):
            return "{" + members.map { Self.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    static func quoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                text +=
                    "\\u" + String(repeating: "0", count: 4 - String(control.value, radix: 16).count)
                    + String(control.value, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}

/// Builds products documents shaped like images.maas.io's, so that catalogue tests can vary one thing at a time.
struct CatalogueBuilder {
    /// The document's content id.
    var contentID = "com.ubuntu.maas:stable:v3:download"
    /// Extra top-level members (`_aliases`, inherited attributes).
    var top: [(String, StreamJSON)] = []
    /// The products, in document order.
    var products: [(String, StreamJSON)] = []

    /// A deterministic 64-digit lowercase hexadecimal "SHA-256" for `seed` (FNV-1a, four lanes).
    static func digest(_ seed: String) -> String {
        (0..<4).map { lane -> String in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 &+ UInt64(lane) &* 0x9E37_79B9_7F4A_7C15
            for byte in seed.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// A stream item. `nil` leaves the field out.
    static func item(
        ftype: String?, path: String?, size: Int64? = 1000, sha256: String? = nil, extra: [(String, StreamJSON)] = []
    ) -> StreamJSON {
        var members: [(String, StreamJSON)] = []
        if let ftype { members.append(("ftype", .string(ftype))) }
        if let path { members.append(("path", .string(path))) }
        if let size { members.append(("size", .integer(size))) }
        members.append(("sha256", .string(sha256 ?? digest(path ?? ftype ?? "item"))))
        return .object(members + extra)
    }

    /// The items of an Ubuntu version with these file types (item name = ftype), paths as images.maas.io makes
    /// them (`jammy/amd64/20250718/ga-22.04/generic/boot-kernel`).
    static func ubuntuItems(
        release: String, arch: String, version: String, subarch: String, flavour: String = "generic",
        types: [String] = ["boot-initrd", "boot-kernel", "manifest", "squashfs"]
    ) -> [(String, StreamJSON)] {
        types.map { type in
            let base = "\(release)/\(arch)/\(version)/"
            let path =
                switch type {
                case "boot-kernel", "boot-initrd", "boot-dtb": base + "\(subarch)/\(flavour)/\(type)"
                case "manifest": base + "squashfs.manifest"
                default: base + type
                }
            return (type, item(ftype: type, path: path))
        }
    }

    /// Adds an Ubuntu product; `versions` maps version names to their items (default: one complete version).
    @discardableResult
    mutating func ubuntu(
        release: String = "jammy", version: String = "22.04", arch: String = "amd64", subarch: String = "ga-22.04",
        kflavor: String = "generic", subarches: String? = nil, format: String = "v3", os: String = "ubuntu",
        label: String = "stable", idArch: String? = nil, extra: [(String, StreamJSON)] = [],
        versions: [(String, [(String, StreamJSON)])]? = nil
    ) -> String {
        let productSubarch = KernelString.subarchitecture(subarch, flavour: kflavor)
        let id = "com.ubuntu.maas.\(label):\(format):boot:\(version):\(idArch ?? arch):\(productSubarch)"
        let versions =
            versions ?? [
                ("20250718", Self.ubuntuItems(release: release, arch: arch, version: "20250718", subarch: subarch))
            ]
        let lts = version.hasSuffix(".04") && (Int(version.prefix(2)) ?? 1) % 2 == 0
        let members: [(String, StreamJSON)] = [
            ("arch", .string(arch)), ("kflavor", .string(kflavor)), ("label", .string(label)), ("os", .string(os)),
            ("release", .string(release)),
            ("release_codename", .string(release.prefix(1).uppercased() + release.dropFirst())),
            ("release_title", .string(lts ? version + " LTS" : version)), ("subarch", .string(subarch)),
            ("subarches", .string(subarches ?? "generic,\(subarch)")), ("version", .string(version)),
        ]
        products.append((id, .object(members + extra + [("versions", Self.versions(versions))])))
        return id
    }

    /// Adds a single-file (`OS-bases`) product such as CentOS's.
    @discardableResult
    mutating func bases(
        os: String = "centos", release: String = "centos70", version: String = "7.0", arch: String = "amd64",
        versions: [(String, [(String, StreamJSON)])]? = nil
    ) -> String {
        let id = "com.ubuntu.maas.stable:\(os)-bases:\(version):\(arch)"
        let versions = versions ?? [("20240622_01", Self.basesItems(os: os, release: release, arch: arch))]
        let members: [(String, StreamJSON)] = [
            ("arch", .string(arch)), ("label", "stable"), ("os", .string(os)), ("release", .string(release)),
            ("release_title", .string("CentOS \(version)")), ("subarch", "generic"), ("subarches", "generic"),
            ("version", .string(version)),
        ]
        products.append((id, .object(members + [("versions", Self.versions(versions))])))
        return id
    }

    /// The items of a single-file version: `manifest` and `root-tgz` unless told otherwise.
    static func basesItems(
        os: String = "centos", release: String = "centos70", arch: String = "amd64", version: String = "20240622_01",
        types: [String] = ["manifest", "root-tgz"]
    ) -> [(String, StreamJSON)] {
        types.map { type in
            let path = "\(os)/\(release)/\(arch)/\(version)/" + (type == "manifest" ? "root-tgz.manifest" : type)
            return (type, item(ftype: type, path: path))
        }
    }

    /// Adds a bootloader product `com.ubuntu.maas.stable:1:OS:TYPE:ARCH`; the fields can differ from the id.
    @discardableResult
    mutating func bootloader(
        os: String, type: String, arch: String, fieldOS: String? = nil, fieldType: String? = nil,
        fieldArch: String? = nil, archives: [String], versionName: String = "20231004.0",
        versions: [(String, [(String, StreamJSON)])]? = nil
    ) -> String {
        let id = "com.ubuntu.maas.stable:1:\(os):\(type):\(arch)"
        let versions =
            versions ?? [
                (
                    versionName,
                    Self.bootloaderItems(
                        type: type, arch: arch, version: versionName,
                        archives: archives)
                )
            ]
        let members: [(String, StreamJSON)] = [
            ("arch", .string(fieldArch ?? arch)), ("arches", .string(fieldArch ?? arch)),
            ("bootloader-type", .string(fieldType ?? type)), ("label", "stable"), ("os", .string(fieldOS ?? os)),
        ]
        products.append((id, .object(members + [("versions", Self.versions(versions))])))
        return id
    }

    /// The archive items of a bootloader version.
    static func bootloaderItems(type: String, arch: String, version: String, archives: [String]) -> [(
        String, StreamJSON
    )] {
        archives.map { archive in
            let path = "bootloaders/\(type)/\(arch)/\(version)/\(archive).tar.xz"
            return (
                archive,
                item(
                    ftype: "archive.tar.xz", path: path,
                    extra: [("src_package", .string(archive)), ("src_release", "noble"), ("src_version", "1.0")])
            )
        }
    }

    /// The four bootloaders MAAS accepts, complete.
    mutating func standardBootloaders() {
        bootloader(os: "grub-efi-signed", type: "uefi", arch: "amd64", archives: ["grub2-signed", "shim-signed"])
        bootloader(os: "grub-efi", type: "uefi", arch: "arm64", archives: ["grub2-signed", "shim-signed"])
        bootloader(os: "grub-ieee1275", type: "open-firmware", arch: "ppc64el", archives: ["grub2"])
        bootloader(os: "pxelinux", type: "pxe", arch: "i386", archives: ["syslinux"])
    }

    /// Adds a top-level member (`_aliases`).
    mutating func addTop(_ key: String, _ value: StreamJSON) { top.append((key, value)) }

    /// Adds a product as given.
    mutating func addProduct(_ id: String, _ members: [(String, StreamJSON)]) {
        products.append((id, .object(members)))
    }

    /// Removes a field from the product at `index`.
    mutating func removeField(_ field: String, ofProduct index: Int) {
        guard case .object(let members) = products[index].1 else { return }
        products[index].1 = .object(members.filter { $0.0 != field })
    }

    /// Adds a copy of the product at `index` under another id.
    mutating func copyProduct(_ index: Int, as id: String) { products.append((id, products[index].1)) }

    static func versions(_ versions: [(String, [(String, StreamJSON)])]) -> StreamJSON {
        .object(versions.map { ($0.0, .object([("items", .object($0.1))])) })
    }

    /// The document as JSON text.
    var text: String {
        StreamJSON.object(
            [
                ("content_id", .string(contentID)), ("datatype", "image-ids"), ("format", "products:1.0"),
                ("updated", "Thu, 24 Jul 2025 09:01:43 +0000"),
            ] + top + [("products", .object(products))]
        ).text
    }

    /// The document, parsed.
    func document() throws -> ProductsDocument {
        try ProductsDocument(parsing: Array(text.utf8))
    }

    /// The catalogue of this document alone.
    func catalogue() throws -> BootResourceCatalogue {
        BootResourceCatalogue([try document()])
    }
}

/// A catalogue of several builders' documents.
func catalogue(_ builders: CatalogueBuilder...) throws -> BootResourceCatalogue {
    BootResourceCatalogue(try builders.map { try $0.document() })
}
