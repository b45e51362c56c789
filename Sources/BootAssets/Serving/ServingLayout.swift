/// How MAAS names the image files it serves to machines (under `http://RACK:5248/images/`), which changed in 3.5.
///
/// | layout | MAAS | path of a kernel |
/// |---|---|---|
/// | ``labelled`` | up to 3.4 | `ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel` |
/// | ``sha256Prefixed`` | 3.5 | `SHA256/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel` |
/// | ``shortSHA256Prefixed`` | 3.6 and later | `SHORT-SHA256/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel` |
///
/// From 3.5 only the first segment matters: the rack serves the file stored under that name, and the rest of the
/// path is a label. The short form is the shortest prefix of the SHA-256 that no other stored file shares, at
/// least 7 digits (``ServingPaths``). Bootloader files are served from `bootloaders/TYPE/ARCH/FILE` in every
/// layout.
public enum ServingLayout: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// `OS/ARCH/SUBARCH/RELEASE/LABEL/FILE` (MAAS up to 3.4).
    case labelled
    /// `SHA256/OS/ARCH/SUBARCH/RELEASE/LABEL/FILE` (MAAS 3.5).
    case sha256Prefixed = "sha256"
    /// `SHORT-SHA256/OS/ARCH/SUBARCH/RELEASE/LABEL/FILE` (MAAS 3.6 and later).
    case shortSHA256Prefixed = "short-sha256"

    public var description: String { rawValue }

    /// The layout of a MAAS version given as `MAJOR.MINOR` (`3.4`, `3.5`, `3.6`).
    ///
    /// - Throws: ``BootAssetsError/Code/invalidArgument`` when `version` is not `MAJOR.MINOR[.PATCH]`.
    public init(maasVersion version: String) throws(BootAssetsError) {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        let numbers = parts.map { part in part.allSatisfy { $0.isASCII && $0.isNumber } ? Int(part) : nil }
        guard (2...3).contains(numbers.count), !numbers.contains(nil), let major = numbers[0], let minor = numbers[1]
        else {
            throw BootAssetsError(.invalidArgument, "'\(version)' is not a MAAS version (MAJOR.MINOR[.PATCH])")
        }
        if major < 3 || (major == 3 && minor <= 4) {
            self = .labelled
        } else if major == 3 && minor == 5 {
            self = .sha256Prefixed
        } else {
            self = .shortSHA256Prefixed
        }
    }
}

/// The paths MAAS serves a set of files under: it knows every stored file's SHA-256, so that it can give each the
/// shortest unique prefix of at least 7 digits.
///
/// ```swift
/// let paths = ServingPaths(catalogue.resources)
/// paths.path(of: kernel, in: resource, layout: .shortSHA256Prefixed)
/// // "ed3c739/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel"
/// ```
///
/// MAAS gives a file its prefix when the file is stored, so its prefixes depend on the order files arrived in;
/// these are the prefixes of a store that holds exactly the given files, which is what a fresh import makes.
public struct ServingPaths: Sendable {
    /// The shortest prefix length MAAS uses (`SHORTSHA256_MIN_PREFIX_LEN`).
    public static let minimumPrefixLength = 7

    private let prefixLengths: [String: Int]

    /// The paths of a store holding the files with these SHA-256 digests (lowercase hexadecimal).
    public init(digests: some Sequence<String>) {
        let sorted = Array(Set(digests.map { $0.lowercased() })).sorted()
        var lengths: [String: Int] = [:]
        for (index, digest) in sorted.enumerated() {
            var shared = 0
            if index > 0 { shared = Swift.max(shared, Self.commonPrefixLength(digest, sorted[index - 1])) }
            if index + 1 < sorted.count {
                shared = Swift.max(shared, Self.commonPrefixLength(digest, sorted[index + 1]))
            }
            lengths[digest] = Swift.min(Swift.max(Self.minimumPrefixLength, shared + 1), digest.utf8.count)
        }
        prefixLengths = lengths
    }

    /// The paths of a store holding every file of `resources` (all versions).
    public init(_ resources: some Sequence<BootResource>) {
        self.init(digests: resources.lazy.flatMap(\.versions).flatMap(\.files).map(\.sha256))
    }

    /// The name a file is stored under from MAAS 3.6: the shortest unique prefix of its SHA-256, at least 7 digits.
    public func shortDigest(of sha256: String) -> String {
        let digest = sha256.lowercased()
        let length = prefixLengths[digest] ?? Self.minimumPrefixLength
        return String(digest.prefix(length))
    }

    /// The path MAAS serves `file` of `resource` under, in `layout`, relative to `http://RACK:5248/images/`.
    public func path(of file: BootResourceFile, in resource: BootResource, layout: ServingLayout) -> String {
        let arch = resource.architecture
        let labelled = [resource.os, arch.arch, arch.subarch, resource.release, resource.label, file.filename]
            .joined(separator: "/")
        switch layout {
        case .labelled: return labelled
        case .sha256Prefixed: return file.sha256 + "/" + labelled
        case .shortSHA256Prefixed: return shortDigest(of: file.sha256) + "/" + labelled
        }
    }

    /// The path MAAS labels a file it cannot find with (`ubuntu/amd64/ga-22.04/jammy/no-such-image/boot-kernel`),
    /// which machines then fail to fetch.
    public static func missingImagePath(
        os: String, arch: String, subarch: String, release: String, file: BootFileType
    ) -> String {
        [os, arch, subarch, release, "no-such-image", file.rawValue].joined(separator: "/")
    }

    private static func commonPrefixLength(_ lhs: String, _ rhs: String) -> Int {
        zip(lhs.utf8, rhs.utf8).prefix { $0 == $1 }.count
    }
}
