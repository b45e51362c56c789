/// A MAAS kernel string (the subarchitecture of a boot resource, a machine's `hwe_kernel`), parsed:
/// `[PLATFORM-](ga|hwe|hwe-edge)-RELEASE[-FLAVOUR][-edge]`.
///
/// ```swift
/// let kernel = try KernelString(parsing: "raspi-hwe-edge-22.04-lowlatency")
/// kernel.platform  // "raspi"
/// kernel.channel   // .hweEdge
/// kernel.release   // "22.04"
/// kernel.flavour   // "lowlatency"
/// ```
///
/// A single word (`generic`, `highbank`) or a string without a `ga`/`hwe` part (`xgene-uboot-mustang`) is a
/// platform, as in old streams: its ``channel`` is `nil`. Legacy kernels name the release by its first letter
/// (`hwe-t` is trusty); `hwe-rolling` follows the newest release. Parsing follows MAAS's
/// `parse_subarch_kernel_string`, and ``ordering(in:)`` its `get_release_version_from_string`.
public struct KernelString: Hashable, Sendable, CustomStringConvertible {
    /// The kernel's release channel.
    public enum Channel: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// The kernel the release shipped with.
        case ga
        /// A hardware-enablement kernel.
        case hwe
        /// The pre-release of the next hardware-enablement kernel.
        case hweEdge = "hwe-edge"

        public var description: String { rawValue }
    }

    /// The string as written.
    public let rawValue: String
    /// The channel, or `nil` for a platform-only string (`generic`, `highbank`).
    public let channel: Channel?
    /// The release the kernel comes from (`22.04`, `jammy`, `x`, `rolling`), empty for a platform-only string.
    public let release: String
    /// The platform (`nvidia`, `raspi`; for a platform-only string, the whole string), or empty.
    public let platform: String
    /// The kernel flavour (`lowlatency`, `generic-lpae`), or empty for the generic flavour.
    public let flavour: String

    /// Parses a kernel string.
    ///
    /// - Throws: ``BootAssetsError/Code/invalidName`` when the string is empty, has an empty part, names both
    ///   `ga` and `hwe`, or names a channel without a release.
    public init(parsing string: String) throws(BootAssetsError) {
        func refuse(_ reason: String) -> BootAssetsError {
            BootAssetsError(.invalidName, "'\(string)' is not a kernel string: \(reason)")
        }
        var parts = string.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else { throw refuse("empty part") }
        rawValue = string
        let gaIndex = parts.firstIndex(of: "ga")
        let hweIndex = parts.firstIndex(of: "hwe")
        if gaIndex != nil && hweIndex != nil { throw refuse("both ga and hwe channels") }
        guard parts.count > 1, let channelIndex = gaIndex ?? hweIndex else {
            channel = nil
            release = ""
            platform = string
            flavour = ""
            return
        }
        platform = parts[..<channelIndex].joined(separator: "-")
        parts.removeFirst(channelIndex)
        var channel: Channel = hweIndex != nil ? .hwe : .ga
        if channel == .hwe {
            if parts.count > 1 && parts[1] == "edge" {
                channel = .hweEdge
                parts.remove(at: 1)
            } else if parts.count > 1 && parts[parts.count - 1] == "edge" {
                channel = .hweEdge
                parts.removeLast()
            }
        }
        guard parts.count >= 2 else { throw refuse("no release after '\(parts[0])'") }
        self.channel = channel
        release = parts[1]
        flavour = parts.dropFirst(2).joined(separator: "-")
    }

    public var description: String { rawValue }

    /// Whether the string names only a platform (no `ga`/`hwe` channel): `generic`, `highbank`.
    public var isPlatformOnly: Bool { channel == nil }

    /// Whether the release is the legacy one-letter form (`hwe-t`).
    public var isLegacyLetter: Bool { channel != nil && release.count == 1 }

    /// Whether this is a rolling kernel (`hwe-rolling`), which follows the newest release.
    public var isRolling: Bool { release == "rolling" }

    /// Whether the kernel has a flavour other than `generic`.
    public var isFlavoured: Bool { !flavour.isEmpty && flavour != "generic" }

    /// Whether the kernel is optimised for a platform other than `generic`.
    public var isPlatformOptimised: Bool { !platform.isEmpty && platform != "generic" }

    /// The subarchitecture as streams and MAAS name a kernel with a flavour: the flavour goes before a trailing
    /// `-edge`, and the generic flavour is not written. `hwe-22.04` + `lowlatency` is `hwe-22.04-lowlatency`,
    /// `hwe-22.04-edge` + `lowlatency` is `hwe-22.04-lowlatency-edge`, `ga-22.04` + `generic` is `ga-22.04`.
    public static func subarchitecture(_ subarch: String, flavour: String?) -> String {
        guard let flavour, !flavour.isEmpty, flavour != "generic" else { return subarch }
        if subarch.hasSuffix("-edge") {
            return subarch.dropLast("-edge".count) + "-" + flavour + "-edge"
        }
        return subarch + "-" + flavour
    }

    /// The kernel's place in MAAS's order: release version first, then a weight that puts HWE-edge above HWE,
    /// HWE above platform-optimised, platform-optimised above other new-style kernels, those above legacy
    /// `hwe-X` kernels and those above bare release names, with unflavoured kernels just below flavoured ones.
    ///
    /// `ga-22.04` is (22, 4, 10000), `hwe-22.04-lowlatency-edge` (22, 4, 10010010), `hwe-t` (14, 4, 1000),
    /// `generic` (0, 0, 10000), `hwe-rolling` (999, 999, 1010000).
    ///
    /// - Throws: ``BootAssetsError/Code/invalidName`` when the release is not in `table`.
    public func ordering(in table: UbuntuReleaseTable = .standard) throws(BootAssetsError) -> KernelOrdering {
        try Self.ordering(of: rawValue, in: table)
    }

    /// The order of any string MAAS compares kernels and releases with: a kernel string, a release name
    /// (`jammy`) or version (`22.04`), which weigh nothing. See ``ordering(in:)``.
    public static func ordering(of string: String, in table: UbuntuReleaseTable = .standard)
        throws(BootAssetsError) -> KernelOrdering
    {
        let partCount = string.split(separator: "-", omittingEmptySubsequences: false).count
        var release = ""
        var platform = ""
        var flavour = ""
        var channel: Channel? = .ga
        var weight = 0
        var found: UbuntuRelease?
        if string == "rolling" {
            release = "rolling"
        } else if partCount == 1 {
            if let known = table.release(named: string) {
                found = known
                release = string
            } else {
                platform = string
                weight += KernelOrdering.platformOnlyWeight
            }
        }
        if release.isEmpty && platform.isEmpty {
            let parsed = try KernelString(parsing: string)
            (channel, release, platform, flavour) = (parsed.channel, parsed.release, parsed.platform, parsed.flavour)
            switch channel {
            case .hwe: weight += release.count > 1 ? KernelOrdering.hweWeight : 0
            case .hweEdge: weight += KernelOrdering.hweEdgeWeight
            case .ga: break
            case nil: weight += platform.isEmpty ? 0 : KernelOrdering.platformOnlyWeight
            }
        }
        if channel == .hwe && release.count == 1 {
            weight += KernelOrdering.legacyHWEWeight
        } else if partCount > 1 && !release.isEmpty {
            weight += KernelOrdering.newStyleWeight
        }
        var version = (major: 0, minor: 0)
        if release == "rolling" {
            version = (999, 999)
        } else {
            if !release.isEmpty && found == nil { found = table.release(named: release) }
            let oldStylePlatform = release.isEmpty && !platform.isEmpty && platform != "generic"
            if let found {
                guard let numbers = found.versionNumbers else {
                    throw BootAssetsError(
                        .invalidName, "'\(string)': release \(found.series) has no MAJOR.MINOR version")
                }
                version = numbers
            } else if !(oldStylePlatform || partCount == 1) {
                throw BootAssetsError(.invalidName, "'\(string)': release '\(release)' is not a known Ubuntu release")
            }
        }
        if !flavour.isEmpty && flavour != "generic" { weight += KernelOrdering.flavouredWeight }
        if !platform.isEmpty && platform != "generic" { weight += KernelOrdering.platformOptimisedWeight }
        return KernelOrdering(major: version.major, minor: version.minor, weight: weight)
    }
}

/// Where a kernel or release sorts in MAAS's order: `(major, minor, weight)`, compared in that order.
public struct KernelOrdering: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The release's major version (22 for 22.04; 999 for rolling; 0 for a platform-only string).
    public var major: Int
    /// The release's minor version.
    public var minor: Int
    /// The weight within the release (see ``KernelString/ordering(in:)``).
    public var weight: Int

    /// An ordering.
    public init(major: Int, minor: Int, weight: Int) {
        self.major = major
        self.minor = minor
        self.weight = weight
    }

    public static func < (lhs: KernelOrdering, rhs: KernelOrdering) -> Bool {
        (lhs.major, lhs.minor, lhs.weight) < (rhs.major, rhs.minor, rhs.weight)
    }

    public var description: String { "(\(major), \(minor), \(weight))" }

    static let hweEdgeWeight = 10_000_000
    static let hweWeight = 1_000_000
    static let platformOptimisedWeight = 100_000
    static let newStyleWeight = 10_000
    static let platformOnlyWeight = newStyleWeight
    static let legacyHWEWeight = 1_000
    static let flavouredWeight = 10
}
