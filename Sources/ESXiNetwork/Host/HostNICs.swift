public import SystemPackage

/// The physical NICs of an ESXi host: each `vmnicN` with its MAC address.
///
/// Read it from the text of `esxcli network nic list` (``init(esxcliNICList:source:)``) or from `vmnicN=MAC` pairs
/// (``init(pairs:)``). MAAS interfaces are matched to vmnics by MAC address only, as the reference does: ESXi names
/// its NICs itself.
public struct HostNICs: Hashable, Sendable, Encodable {
    /// One physical NIC.
    public struct NIC: Hashable, Sendable, Encodable {
        /// The ESXi name, `vmnicN`.
        public var name: String
        /// The MAC address.
        public var macAddress: MACAddress

        private enum CodingKeys: String, CodingKey {
            case name
            case macAddress = "mac_address"
        }

        /// A NIC.
        public init(name: String, macAddress: MACAddress) {
            self.name = name
            self.macAddress = macAddress
        }
    }

    /// The NICs, in the order given.
    public private(set) var nics: [NIC]

    /// The host's NICs; names and MAC addresses must be unique and names must be `vmnicN`.
    ///
    /// - Throws: ``ESXiNetworkError`` with `.invalidNICList`.
    public init(_ nics: [NIC]) throws(ESXiNetworkError) {
        self.nics = []
        for nic in nics { try add(nic, at: nic.name) }
    }

    /// Parses `vmnicN=MAC` pairs (one per `--nic` option, for example).
    ///
    /// - Throws: ``ESXiNetworkError`` with `.invalidNICList`, naming the pair.
    public init(pairs: [String]) throws(ESXiNetworkError) {
        self.nics = []
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let mac = MACAddress(parts[1]) else {
                throw ESXiNetworkError(
                    .invalidNICList, "'\(pair)' is not vmnicN=MAC (for example vmnic0=52:54:00:12:34:56)")
            }
            try add(NIC(name: String(parts[0]), macAddress: mac), at: "'\(pair)'")
        }
    }

    /// Parses the output of `esxcli network nic list`: every line that starts with a `vmnicN` name gives that NIC
    /// and the first MAC address on the line; the header, the rule and blank lines are skipped.
    ///
    /// - Throws: ``ESXiNetworkError`` with `.invalidNICList` for a `vmnic` line with no MAC address, repeats, or a
    ///   list with no NIC at all.
    public init(esxcliNICList text: String, source: String = "NIC list") throws(ESXiNetworkError) {
        self.nics = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = fields.first, Self.isVMNICName(first) else { continue }
            guard let mac = fields.dropFirst().lazy.compactMap({ MACAddress($0) }).first else {
                throw ESXiNetworkError(
                    .invalidNICList, "\(source): line \(number + 1): \(first) has no MAC address on its line")
            }
            try add(NIC(name: String(first), macAddress: mac), at: "\(source): line \(number + 1)")
        }
        guard !nics.isEmpty else {
            throw ESXiNetworkError(
                .invalidNICList, "\(source) lists no vmnic (expected the output of 'esxcli network nic list')")
        }
    }

    /// Reads the output of `esxcli network nic list` from a file (`-` for standard input), as
    /// ``init(esxcliNICList:source:)`` parses it; only a regular file of at most 1 MiB is read.
    ///
    /// - Throws: ``ESXiNetworkError`` with `.io` when the file cannot be read, `.limitExceeded` when it is too large,
    ///   and the codes of ``init(esxcliNICList:source:)``.
    public init(contentsOfNICList path: FilePath) throws(ESXiNetworkError) {
        let bytes = try FileReading.contents(of: path, limit: 1 << 20, what: "NIC list")
        try self.init(esxcliNICList: String(decoding: bytes, as: UTF8.self), source: path.string)
    }

    /// Reads the output of `esxcli network nic list` from the file at `path` (`-` for standard input), as
    /// ``init(contentsOfNICList:)-(FilePath)`` does.
    public init(contentsOfNICList path: String) throws(ESXiNetworkError) {
        try self.init(contentsOfNICList: FilePath(path))
    }

    /// The NIC with `macAddress`.
    public func nic(withMACAddress macAddress: MACAddress) -> NIC? {
        nics.first { $0.macAddress == macAddress }
    }

    private mutating func add(_ nic: NIC, at location: String) throws(ESXiNetworkError) {
        guard Self.isVMNICName(nic.name) else {
            throw ESXiNetworkError(.invalidNICList, "\(location): '\(nic.name)' is not a vmnic name (vmnicN)")
        }
        if let other = nics.first(where: { $0.name == nic.name }) {
            throw ESXiNetworkError(.invalidNICList, "\(location): \(nic.name) is listed twice (\(other.macAddress))")
        }
        if let other = nics.first(where: { $0.macAddress == nic.macAddress }) {
            throw ESXiNetworkError(
                .invalidNICList, "\(location): \(nic.name) and \(other.name) have the same MAC \(nic.macAddress)")
        }
        guard nics.count < ConfigurationLimits.maximumListItems else {
            throw ESXiNetworkError(
                .limitExceeded, "\(location): more than \(ConfigurationLimits.maximumListItems) NICs")
        }
        nics.append(nic)
    }

    private static func isVMNICName(_ name: some StringProtocol) -> Bool {
        let digits = name.utf8.dropFirst(5)
        return name.hasPrefix("vmnic") && !digits.isEmpty && digits.count <= 4
            && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
