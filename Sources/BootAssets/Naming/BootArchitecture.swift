/// A boot resource's architecture as MAAS writes it: `ARCH/SUBARCH` (`amd64/ga-22.04`, `amd64/generic`,
/// `arm64/hwe-24.04-lowlatency-edge`).
///
/// The architecture part is letters and digits; the subarchitecture letters, digits, `.` and `-`, as MAAS checks
/// uploaded architectures.
public struct BootArchitecture: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The architecture: `amd64`, `arm64`, `i386`, `ppc64el`, `s390x`, `armhf`, `riscv64`.
    public let arch: String
    /// The subarchitecture: a kernel string (`ga-22.04`) or a platform (`generic`, `xgene-uboot`).
    public let subarch: String

    /// An architecture from its two parts.
    ///
    /// - Throws: ``BootAssetsError/Code/invalidName`` when a part is empty or has characters MAAS refuses.
    public init(arch: String, subarch: String) throws(BootAssetsError) {
        guard Self.isValid(arch, allowing: []), Self.isValid(subarch, allowing: [".", "-"]) else {
            throw BootAssetsError(
                .invalidName,
                "'\(arch)/\(subarch)' is not an architecture: expected ARCH/SUBARCH, ARCH in [a-zA-Z0-9], SUBARCH in [a-zA-Z0-9.-]"
            )
        }
        self.arch = arch
        self.subarch = subarch
    }

    /// Parses `ARCH/SUBARCH`.
    ///
    /// - Throws: ``BootAssetsError/Code/invalidName`` when there is not exactly one `/` or a part is invalid.
    public init(parsing string: String) throws(BootAssetsError) {
        let parts = string.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw BootAssetsError(.invalidName, "'\(string)' is not an architecture: expected ARCH/SUBARCH")
        }
        try self.init(arch: String(parts[0]), subarch: String(parts[1]))
    }

    public var description: String { "\(arch)/\(subarch)" }

    /// The subarchitecture as a kernel string, or `nil` when it does not parse as one.
    public var kernel: KernelString? { try? KernelString(parsing: subarch) }

    public static func < (lhs: BootArchitecture, rhs: BootArchitecture) -> Bool {
        (lhs.arch, lhs.subarch) < (rhs.arch, rhs.subarch)
    }

    private static func isValid(_ part: String, allowing extra: Set<Character>) -> Bool {
        !part.isEmpty && part.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || extra.contains($0) }
    }
}
