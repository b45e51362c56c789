import Foundation
public import SimpleStreams

#if canImport(Glibc)
    import Glibc
#endif

/// A generated MAAS v3 products document (`com.ubuntu.maas:stable:v3:download`) of any size, the input of the
/// `Streams` suite and of `compare-streams.sh`.
///
/// The shape is that of images.maas.io: products `com.ubuntu.maas.stable:v3:boot:<version>:<arch>:<subarch>` over
/// five releases, six architectures and five kernels (150 products), condensed as the producer condenses them
/// (`arch`, `os`, `release`, `version`, `subarch`, `subarches`, `kflavor`, `krel`, `label`, `release_title`,
/// `release_codename`, `support_eol`, `support_esm_eol` on the product), versions `YYYYMMDD` with an occasional
/// respin `YYYYMMDD.1`, and per version the items `boot-initrd`, `boot-kernel`, `manifest` and `squashfs` with
/// `ftype`, `path`, `sha256` and `size` (and `kpackage` on the kernel and initrd). Keys are sorted at every level and
/// the text is `json.dumps(indent=1)`'s (``JSONWritingStyle/simplestreams``), as the producer writes it.
///
/// Everything is a function of the item count: the same count gives the same bytes. The versions are spread evenly
/// over the products (the first products get one more when the count does not divide); a count that is not a
/// multiple of four leaves the last version of the last product short of its last items.
public enum GeneratedStream {
    /// The item count the benchmarks use.
    public static let defaultItemCount = 50_000

    struct Release {
        var version: String
        var codename: String
        var title: String
        var fullName: String
        var eol: String
        var esmEOL: String
    }

    static let releases = [
        Release(
            version: "18.04", codename: "bionic", title: "18.04 LTS", fullName: "Bionic Beaver", eol: "2023-05-31",
            esmEOL: "2028-04-26"),
        Release(
            version: "20.04", codename: "focal", title: "20.04 LTS", fullName: "Focal Fossa", eol: "2025-05-29",
            esmEOL: "2030-04-23"),
        Release(
            version: "22.04", codename: "jammy", title: "22.04 LTS", fullName: "Jammy Jellyfish", eol: "2027-04-21",
            esmEOL: "2032-04-21"),
        Release(
            version: "24.04", codename: "noble", title: "24.04 LTS", fullName: "Noble Numbat", eol: "2029-05-31",
            esmEOL: "2034-04-25"),
        Release(
            version: "25.04", codename: "plucky", title: "25.04", fullName: "Plucky Puffin", eol: "2026-01-15",
            esmEOL: "2026-01-15"),
    ]

    static let arches = ["amd64", "arm64", "armhf", "ppc64el", "riscv64", "s390x"]

    /// The items of one version, in sorted order.
    static let itemNames = ["boot-initrd", "boot-kernel", "manifest", "squashfs"]

    /// The releases' `subarches` lists grow with each release, as the real ones do.
    static let olderSubarches = [
        "generic", "hwe-p", "hwe-q", "hwe-r", "hwe-s", "hwe-t", "hwe-u", "hwe-v", "hwe-w", "ga-16.04", "ga-16.10",
        "ga-17.04", "ga-17.10",
    ]
    static let laterGA = [
        "ga-18.04", "ga-18.10", "ga-19.04", "ga-19.10", "ga-20.04", "ga-20.10", "ga-21.04", "ga-21.10", "ga-22.04",
        "ga-22.10", "ga-23.04", "ga-23.10", "ga-24.04", "ga-24.10", "ga-25.04",
    ]

    /// One product before its versions: its id and its product-level attributes.
    struct ProductSpec {
        var name: String
        var release: Release
        var arch: String
        var subarch: String
        var kflavor: String
        var attributes: [(String, JSONValue)]
    }

    static func productSpecs() -> [ProductSpec] {
        var specs: [ProductSpec] = []
        for release in releases {
            let gaCount = laterGA.firstIndex(of: "ga-\(release.version)").map { $0 + 1 } ?? laterGA.count
            let subarchesList = (olderSubarches + laterGA.prefix(gaCount)).joined(separator: ",")
            let kernels: [(subarch: String, kflavor: String)] = [
                ("ga-\(release.version)", "generic"),
                ("ga-\(release.version)-lowlatency", "lowlatency"),
                ("hwe-\(release.version)", "generic"),
                ("hwe-\(release.version)-edge", "generic"),
                ("hwe-\(release.version)-lowlatency-edge", "lowlatency"),
            ]
            for arch in arches {
                for kernel in kernels {
                    let attributes: [(String, JSONValue)] = [
                        ("arch", .string(arch)),
                        ("kflavor", .string(kernel.kflavor)),
                        ("krel", .string(release.codename)),
                        ("label", "stable"),
                        ("os", "ubuntu"),
                        ("release", .string(release.codename)),
                        ("release_codename", .string(release.fullName)),
                        ("release_title", .string(release.title)),
                        ("subarch", .string(kernel.subarch)),
                        ("subarches", .string(subarchesList)),
                        ("support_eol", .string(release.eol)),
                        ("support_esm_eol", .string(release.esmEOL)),
                        ("version", .string(release.version)),
                    ]
                    specs.append(
                        ProductSpec(
                            name: "com.ubuntu.maas.stable:v3:boot:\(release.version):\(arch):\(kernel.subarch)",
                            release: release, arch: arch, subarch: kernel.subarch, kflavor: kernel.kflavor,
                            attributes: attributes))
                }
            }
        }
        return specs.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The document with `itemCount` items.
    public static func document(itemCount: Int = defaultItemCount) -> JSONValue {
        precondition(itemCount >= 0)
        let specs = productSpecs()
        let versionCount = (itemCount + itemNames.count - 1) / itemNames.count
        var remainingItems = itemCount
        var products = JSONObject()
        for (index, spec) in specs.enumerated() {
            let versionsHere = versionCount / specs.count + (index < versionCount % specs.count ? 1 : 0)
            guard versionsHere > 0 else { continue }
            var versions = JSONObject()
            for name in versionNames(count: versionsHere, seed: UInt64(index)) {
                var items = JSONObject()
                for itemName in itemNames where remainingItems > 0 {
                    items[itemName] = .object(item(itemName, spec: spec, version: name))
                    remainingItems -= 1
                }
                versions[name] = ["items": .object(items)]
            }
            var product = JSONObject()
            for (key, value) in spec.attributes { product[key] = value }
            product["versions"] = .object(versions)
            products[spec.name] = .object(product)
        }
        return [
            "content_id": "com.ubuntu.maas:stable:v3:download",
            "datatype": "image-ids",
            "format": "products:1.0",
            "products": .object(products),
            "updated": "Thu, 24 Jul 2025 09:01:43 +0000",
        ]
    }

    /// `count` ascending version names: serials a week or so apart from a per-product start in 2018, every ninth a
    /// respin of the one before (`YYYYMMDD.1`).
    static func versionNames(count: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(seed: seed &+ 0x5EED)
        var day = daysFromCivil(year: 2018, month: 1, day: 1) + Int(random.next() % 14)
        var names: [String] = []
        var last = ""
        for index in 0..<count {
            if index % 9 == 4 {
                names.append(last + ".1")
                continue
            }
            day += 3 + Int(random.next() % 8)
            last = serial(day: day)
            names.append(last)
        }
        return names
    }

    static func item(_ name: String, spec: ProductSpec, version: String) -> JSONObject {
        let base = "\(spec.release.codename)/\(spec.arch)/\(version)"
        let path: String
        let sizeRange: ClosedRange<UInt64>
        switch name {
        case "boot-initrd":
            path = "\(base)/\(spec.subarch)/\(spec.kflavor)/boot-initrd"
            sizeRange = 60_000_000...125_000_000
        case "boot-kernel":
            path = "\(base)/\(spec.subarch)/\(spec.kflavor)/boot-kernel"
            sizeRange = 10_000_000...16_000_000
        case "manifest":
            path = "\(base)/squashfs.manifest"
            sizeRange = 15_000...20_000
        default:
            path = "\(base)/squashfs"
            sizeRange = 250_000_000...500_000_000
        }
        // Derived from the path, so the squashfs and manifest that several kernels share have one digest and size,
        // as in the real stream.
        var random = SplitMix64(seed: fnv1a(path))
        var sha256 = ""
        sha256.reserveCapacity(64)
        for _ in 0..<4 {
            let word = String(random.next(), radix: 16)
            sha256 += String(repeating: "0", count: 16 - word.count) + word
        }
        let size = sizeRange.lowerBound + random.next() % (sizeRange.upperBound - sizeRange.lowerBound + 1)
        var item = JSONObject()
        item["ftype"] = .string(name)
        if name == "boot-initrd" || name == "boot-kernel" {
            item["kpackage"] = .string(spec.kflavor == "generic" ? "linux-generic" : "linux-lowlatency")
        }
        item["path"] = .string(path)
        item["sha256"] = .string(sha256)
        item["size"] = .integer(Int64(size))
        return item
    }

    /// `YYYYMMDD` of a day count since 1970-01-01.
    static func serial(day: Int) -> String {
        let (year, month, dayOfMonth) = civilFromDays(day)
        return String(year) + (month < 10 ? "0" : "") + String(month) + (dayOfMonth < 10 ? "0" : "")
            + String(dayOfMonth)
    }

    // Howard Hinnant's days_from_civil and civil_from_days (proleptic Gregorian).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// SplitMix64, a small deterministic generator.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The generated documents on disk: written once in `$BENCHMARK_DATA_DIR/streams` (default
/// `/tmp/swift-maas-images-bench/streams`) as `products-<N>.json`, and reused while their size matches.
public enum StreamInputs {
    /// One generated document on disk.
    public struct Input: Sendable {
        /// The file's absolute path.
        public var path: String
        /// How many items it holds.
        public var itemCount: Int
        /// Its size in bytes.
        public var size: Int
    }

    /// `$BENCHMARK_DATA_DIR/streams`.
    public static var directory: String {
        let base = ProcessInfo.processInfo.environment["BENCHMARK_DATA_DIR"] ?? "/tmp/swift-maas-images-bench"
        return base + "/streams"
    }

    /// The document with `itemCount` items, generated when missing.
    public static func products(itemCount: Int = GeneratedStream.defaultItemCount) throws -> Input {
        let path = directory + "/products-\(itemCount).json"
        let bytes = GeneratedStream.document(itemCount: itemCount).serialized(.simplestreams)
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.size] as? NSNumber)?.intValue == bytes.count
        {
            return Input(path: path, itemCount: itemCount, size: bytes.count)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".partial"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw StreamInputError("cannot rename \(temporary): errno \(errno)") }
        return Input(path: path, itemCount: itemCount, size: bytes.count)
    }

    /// The whole file at `path`, read with `read(2)` into one array.
    public static func readBytes(atPath path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StreamInputError("cannot open \(path): errno \(errno)") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw StreamInputError("cannot stat \(path): errno \(errno)") }
        let size = Int(status.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let result = read(descriptor, buffer.baseAddress! + done, size - done)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else {
                    failure = result < 0 ? errno : EIO
                    break
                }
                done += result
            }
            initialized = done
        }
        guard failure == 0, bytes.count == size else { throw StreamInputError("cannot read \(path): errno \(failure)") }
        return bytes
    }
}

/// A failure while preparing or reading the inputs.
public struct StreamInputError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}
