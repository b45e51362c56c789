/// The proxies to use, as the `http_proxy`, `https_proxy` and `no_proxy` environment variables give them.
///
/// `http_proxy` serves `http://` URLs and `https_proxy` serves `https://` URLs (through `CONNECT`); the lower-case
/// names win over `HTTP_PROXY` and `HTTPS_PROXY`. `no_proxy` is a comma-separated list of host names, each matching
/// the host itself and its subdomains (`example.org` and `.example.org` both match `images.example.org`); `*`
/// turns proxies off. Ports and address ranges in `no_proxy` are not supported: an entry with a port matches the
/// host on any port.
public struct ProxySettings: Sendable, Hashable {
    /// The user name and password for a proxy (`Proxy-Authorization: Basic`).
    public struct Credentials: Sendable, Hashable, CustomStringConvertible {
        /// The user name.
        public var user: String
        /// The password (empty when the URL gives none).
        public var password: String

        /// Creates a value.
        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }

        /// The user name only: the password is never printed.
        public var description: String { user }
    }

    /// A proxy server.
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        /// The proxy's host name or address.
        public var host: String
        /// The proxy's TCP port.
        public var port: Int
        /// The user name and password for the proxy, if the URL gives them.
        public var credentials: Credentials?

        /// Creates a value.
        public init(host: String, port: Int, credentials: Credentials? = nil) {
            self.host = host
            self.port = port
            self.credentials = credentials
        }

        /// Parses `http://[user:password@]host:port/` (the scheme, a trailing slash and the credentials are optional;
        /// the port defaults to 80 for `http`, 443 for `https`); `nil` when no host can be found.
        public init?(url: String) {
            var rest = Substring(url.trimmingWhitespace)
            var defaultPort = 80
            if let scheme = rest.firstRange(of: "://") {
                if rest[..<scheme.lowerBound].lowercased() == "https" { defaultPort = 443 }
                rest = rest[scheme.upperBound...]
            }
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            if let at = rest.lastIndex(of: "@") {
                let userInformation = rest[..<at]
                if let colon = userInformation.firstIndex(of: ":") {
                    credentials = Credentials(
                        user: String(userInformation[..<colon]),
                        password: String(userInformation[userInformation.index(after: colon)...]))
                } else {
                    credentials = Credentials(user: String(userInformation), password: "")
                }
                rest = rest[rest.index(after: at)...]
            } else {
                credentials = nil
            }
            var host = rest
            var port = defaultPort
            if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
                guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                    return nil
                }
                port = parsed
                host = rest[..<colon]
            }
            if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else { return nil }
            self.host = String(host)
            self.port = port
        }

        /// `host:port` (never the credentials).
        public var description: String { "\(host):\(port)" }
    }

    /// The proxy for `http://` URLs.
    public var http: Server?
    /// The proxy for `https://` URLs.
    public var https: Server?
    /// Hosts reached directly (see ``ProxySettings``).
    public var noProxy: [String]

    /// Creates settings; no proxies by default.
    public init(http: Server? = nil, https: Server? = nil, noProxy: [String] = []) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    /// Reads `http_proxy`, `https_proxy` and `no_proxy` (or their upper-case forms) from `environment`.
    public init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            let found = environment[name] ?? environment[name.uppercased()]
            return found.flatMap { $0.trimmingWhitespace.isEmpty ? nil : $0 }
        }
        self.init(
            http: value("http_proxy").flatMap(Server.init(url:)),
            https: value("https_proxy").flatMap(Server.init(url:)),
            noProxy: (value("no_proxy") ?? "").split(separator: ",").map { String($0).trimmingWhitespace }
                .filter { !$0.isEmpty })
    }

    /// The proxy for a URL of `scheme` (`http` or `https`) on `host`, or `nil` to connect directly.
    public func server(scheme: String, host: String) -> Server? {
        let host = host.lowercased()
        for entry in noProxy {
            var name = entry.lowercased()
            if name == "*" { return nil }
            if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]") { name = String(name[..<colon]) }
            while name.hasPrefix(".") || name.hasPrefix("*") { name.removeFirst() }
            if !name.isEmpty && (host == name || host.hasSuffix("." + name)) { return nil }
        }
        return scheme.lowercased() == "https" ? https : http
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line ends.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
