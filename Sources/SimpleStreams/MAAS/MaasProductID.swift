/// A MAAS product id, parsed: `com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04`,
/// `com.ubuntu.maas.stable:1:grub-efi-signed:uefi:amd64` or `com.ubuntu.maas.stable:centos-bases:7.0:amd64`.
///
/// The first field is a dotted prefix ending in the stream label (`stable`, `candidate`); the rest depends on the
/// stream family, as images.maas.io names them.
public struct MaasProductID: Sendable, Hashable, CustomStringConvertible {
    /// The stream family and its fields.
    public enum Kind: Sendable, Hashable {
        /// An Ubuntu (or Ubuntu Core) boot image: `PREFIX:v3:boot:VERSION:ARCH:SUBARCH`. `format` is the stream
        /// format (`v2`, `v3`, `v3+platform`, `v4`); `subarch` includes a non-generic kernel flavour
        /// (`hwe-24.04-lowlatency-edge`).
        case ubuntu(format: String, version: String, arch: String, subarch: String)
        /// A bootloader: `PREFIX:1:OS:FIRMWARE:ARCH` (`grub-efi-signed`, `uefi`, `amd64`).
        case bootloader(os: String, firmware: String, arch: String)
        /// A single-file base image of another OS: `PREFIX:OS-bases:VERSION:ARCH` (`centos`, `7.0`, `amd64`).
        case bases(os: String, version: String, arch: String)
    }

    /// The product id as written.
    public let rawValue: String
    /// The prefix before the label (`com.ubuntu.maas`).
    public let prefix: String
    /// The stream label (`stable`, `candidate`).
    public let label: String
    /// The family and its fields.
    public let kind: Kind

    /// Parses a product id.
    ///
    /// - Throws: ``SimpleStreamsError/Code/invalidArgument`` naming the id if it has none of the three forms.
    public init(parsing id: String) throws(SimpleStreamsError) {
        let fields = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func refuse(_ reason: String) -> SimpleStreamsError {
            SimpleStreamsError(.invalidArgument, "'\(id)' is not a MAAS product id: \(reason)")
        }
        guard let head = fields.first, let dot = head.lastIndex(of: "."), !fields.contains(where: \.isEmpty) else {
            throw refuse("expected PREFIX.LABEL:... with no empty fields")
        }
        let prefix = String(head[..<dot])
        let label = String(head[head.index(after: dot)...])
        guard !prefix.isEmpty, !label.isEmpty else { throw refuse("expected PREFIX.LABEL:...") }
        let kind: Kind
        switch fields.count {
        case 6 where fields[2] == "boot" && Self.isStreamFormat(fields[1]):
            kind = .ubuntu(format: fields[1], version: fields[3], arch: fields[4], subarch: fields[5])
        case 5 where fields[1] == "1":
            kind = .bootloader(os: fields[2], firmware: fields[3], arch: fields[4])
        case 4 where fields[1].hasSuffix("-bases") && fields[1].count > "-bases".count:
            kind = .bases(os: String(fields[1].dropLast("-bases".count)), version: fields[2], arch: fields[3])
        default:
            throw refuse("expected :v3:boot:VERSION:ARCH:SUBARCH, :1:OS:FIRMWARE:ARCH or :OS-bases:VERSION:ARCH")
        }
        self.rawValue = id
        self.prefix = prefix
        self.label = label
        self.kind = kind
    }

    public var description: String { rawValue }

    /// The architecture the product is for.
    public var arch: String {
        switch kind {
        case .ubuntu(_, _, let arch, _), .bootloader(_, _, let arch), .bases(_, _, let arch): arch
        }
    }

    /// `v` then digits, optionally `+` and a word: `v2`, `v3`, `v3+platform`, `v4`.
    private static func isStreamFormat(_ field: String) -> Bool {
        let parts = field.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        guard let version = parts.first, version.first == "v", version.count > 1,
            version.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        return parts.count == 1
            || parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) && !parts[1].isEmpty
    }
}
