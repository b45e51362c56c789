/// The error every operation of the `ESXiNetwork` module throws.
///
/// An error has a ``code`` a program can switch on, a ``message`` that names the input (the configuration and line,
/// the MAAS interface, the key, the vmnic or MAC address) and, where one exists, the ``underlyingError`` (the YAML
/// parser's error, the system layer's error from reading a file).
///
/// Every throwing API of the module throws this type only (typed throws), so a `catch` needs no cast:
///
/// ```swift
/// do {
///     let plan = try Plan(for: configuration, on: nics)
/// } catch where error.code == .nicNotFound {
///     print(error.message)  // names the interface, its MAC address and the host's vmnics
/// }
/// ```
public struct ESXiNetworkError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case malformed, invalidValue, unsupportedVersion, inconsistent, nicNotFound, invalidNICList
            case limitExceeded, io
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The text is not YAML, or not shaped like a network configuration (a list where a mapping belongs, a
        /// duplicate key, a missing `type`).
        public static let malformed = Code(.malformed)
        /// A value cannot be used: an IP address, prefix, MAC address, MTU or VLAN id out of its grammar or range.
        public static let invalidValue = Code(.invalidValue)
        /// The configuration's `version` is neither 1 (MAAS, curtin, cloud-init) nor 2 (netplan).
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The entries contradict each other: two interfaces with one id or MAC address, a bond member that is not a
        /// physical interface, one NIC in two vSwitches, a VLAN on an interface that does not exist.
        public static let inconsistent = Code(.inconsistent)
        /// An interface the plan needs has a MAC address that none of the host's vmnics has.
        public static let nicNotFound = Code(.nicNotFound)
        /// The host's NIC list cannot be read (a line of `esxcli network nic list` or a `vmnicN=MAC` pair).
        public static let invalidNICList = Code(.invalidNICList)
        /// The input is larger than the module accepts (bytes, entries, subnets, routes, expanded YAML aliases).
        public static let limitExceeded = Code(.limitExceeded)
        /// Reading a file failed.
        public static let io = Code(.io)

        public var description: String {
            switch value {
            case .malformed: "malformed"
            case .invalidValue: "invalid-value"
            case .unsupportedVersion: "unsupported-version"
            case .inconsistent: "inconsistent"
            case .nicNotFound: "nic-not-found"
            case .invalidNICList: "invalid-nic-list"
            case .limitExceeded: "limit-exceeded"
            case .io: "io"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that names the input: the configuration and line, the interface, the key, the vmnic or MAC.
    public var message: String
    /// The error that caused this one, if any.
    public var underlyingError: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlyingError: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlyingError = underlyingError
    }

    public var description: String {
        if let underlyingError {
            return "\(message) (\(underlyingError))"
        }
        return message
    }
}
