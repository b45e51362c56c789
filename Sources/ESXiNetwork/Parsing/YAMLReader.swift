internal import Yams

/// Reads a composed YAML tree defensively: every value is checked for its shape, every message names the source,
/// the line and the key path, and the number of nodes visited is capped, so that aliases repeated inside aliases
/// cannot make a small document take unbounded time.
///
/// Scalars are always read as their source text, never through YAML 1.1's implicit types, so a MAC address such as
/// `52:54:00:00:00:01` stays a string where YAML 1.1 would read a sexagesimal integer.
struct YAMLReader {
    /// The name of the document in messages (a path, or `network configuration`).
    let source: String
    /// How many more nodes may be visited.
    private var budget: Int

    init(source: String, budget: Int = ConfigurationLimits.maximumNodeVisits) {
        self.source = source
        self.budget = budget
    }

    /// Composes `text` into a tree; refuses the YAML forms that could make composing itself expensive.
    static func compose(_ text: String, source: String) throws -> Node {
        if let line = ComplexKeyScanner.firstComplexKeyLine(in: text) {
            throw ESXiNetworkError(
                .malformed,
                "\(source): line \(line): a mapping key that is a collection, an alias or an explicit '?' key is not"
                    + " supported in a network configuration")
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ESXiNetworkError(.malformed, "\(source) is empty")
            }
            return node
        } catch let error as ESXiNetworkError {
            throw error
        } catch {
            // Yams's message quotes the offending line, which can be long: keep the start.
            let detail = String(String(describing: error).prefix(400))
            throw ESXiNetworkError(.malformed, "\(source) is not valid YAML: \(detail)")
        }
    }

    /// `source: line N: path` for messages.
    func location(_ node: Node, _ path: String) -> String {
        if let line = node.mark?.line { return "\(source): line \(line): \(path)" }
        return "\(source): \(path)"
    }

    /// An error of `code` about `node` at `path`.
    func error(_ code: ESXiNetworkError.Code, _ node: Node, _ path: String, _ problem: String) -> ESXiNetworkError {
        ESXiNetworkError(code, "\(location(node, path)): \(problem)")
    }

    private mutating func spend(_ count: Int, _ node: Node, _ path: String) throws {
        budget -= count
        if budget < 0 {
            throw error(
                .limitExceeded, node, path,
                "the document expands to more than \(ConfigurationLimits.maximumNodeVisits) values (repeated aliases?)")
        }
    }

    /// Whether `node` is YAML's null (`~`, `null`, or nothing).
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The key-value pairs of a mapping, in order, with string keys; a null is an empty mapping.
    mutating func mapping(_ node: Node, _ path: String) throws -> [(key: String, value: Node)] {
        try spend(1, node, path)
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            throw error(.malformed, node, path, "expected a mapping, found \(Self.kindName(node))")
        }
        try spend(mapping.count, node, path)
        var pairs: [(key: String, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw error(.malformed, key, path, "a mapping key must be a string")
            }
            pairs.append((scalar.string, value))
        }
        return pairs
    }

    /// The items of a sequence; a null is an empty sequence.
    mutating func sequence(_ node: Node, _ path: String, limit: Int) throws -> [Node] {
        try spend(1, node, path)
        if Self.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            throw error(.malformed, node, path, "expected a list, found \(Self.kindName(node))")
        }
        guard sequence.count <= limit else {
            throw error(.limitExceeded, node, path, "\(sequence.count) items; at most \(limit) are accepted")
        }
        try spend(sequence.count, node, path)
        return Array(sequence)
    }

    /// The source text of a scalar.
    mutating func string(_ node: Node, _ path: String) throws -> String {
        try spend(1, node, path)
        guard case .scalar(let scalar) = node else {
            throw error(.malformed, node, path, "expected a string, found \(Self.kindName(node))")
        }
        let text = scalar.string
        guard text.utf8.count <= ConfigurationLimits.maximumStringBytes else {
            throw error(
                .limitExceeded, node, path, "a value of more than \(ConfigurationLimits.maximumStringBytes) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw error(.invalidValue, node, path, "control characters are not allowed")
        }
        return text
    }

    /// A non-negative decimal integer no larger than `maximum`.
    mutating func integer(_ node: Node, _ path: String, maximum: Int) throws -> Int {
        let text = try string(node, path)
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text), value <= maximum
        else {
            throw error(.invalidValue, node, path, "'\(text)' is not a whole number from 0 to \(maximum)")
        }
        return value
    }

    /// A YAML boolean (`true`/`false`, and YAML 1.1's `yes`/`no`/`on`/`off`, as netplan accepts).
    mutating func boolean(_ node: Node, _ path: String) throws -> Bool {
        let text = try string(node, path)
        switch text.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: throw error(.invalidValue, node, path, "'\(text)' is not true or false")
        }
    }

    /// A list of strings, or one string standing for a list of one (curtin accepts both for DNS).
    mutating func strings(_ node: Node, _ path: String, limit: Int) throws -> [String] {
        if case .scalar = node {
            return Self.isNull(node) ? [] : [try string(node, path)]
        }
        var values: [String] = []
        for (index, item) in try sequence(node, path, limit: limit).enumerated() {
            values.append(try string(item, "\(path)[\(index)]"))
        }
        return values
    }

    /// An IP address.
    mutating func ipAddress(_ node: Node, _ path: String) throws -> IPAddress {
        try ipAddress(parsing: try string(node, path), node, path)
    }

    /// A list of IP addresses (or one).
    mutating func ipAddresses(_ node: Node, _ path: String, limit: Int) throws -> [IPAddress] {
        try strings(node, path, limit: limit).map { try ipAddress(parsing: $0, node, path) }
    }

    private func ipAddress(parsing text: String, _ node: Node, _ path: String) throws -> IPAddress {
        guard let address = IPAddress(text) else {
            throw error(.invalidValue, node, path, "'\(text)' is not an IPv4 or IPv6 address")
        }
        return address
    }

    /// A VLAN id, 1 to 4094.
    mutating func vlanID(_ node: Node, _ path: String) throws -> Int {
        let vlanID = try integer(node, path, maximum: 4095)
        guard (1...4094).contains(vlanID) else {
            throw error(.invalidValue, node, path, "VLAN id \(vlanID) is not from 1 to 4094")
        }
        return vlanID
    }

    /// A MAC address.
    mutating func macAddress(_ node: Node, _ path: String) throws -> MACAddress {
        let text = try string(node, path)
        guard let address = MACAddress(text) else {
            throw error(.invalidValue, node, path, "'\(text)' is not a MAC address (six hexadecimal pairs)")
        }
        return address
    }

    /// An IP network written `ADDRESS/LENGTH`.
    mutating func prefix(_ node: Node, _ path: String) throws -> IPPrefix {
        let text = try string(node, path)
        guard let prefix = IPPrefix(text) else {
            throw error(.invalidValue, node, path, "'\(text)' is not an address with a prefix length (ADDRESS/LENGTH)")
        }
        return prefix
    }

    /// The text of a scalar, or a short description of a collection, for messages about ignored values.
    static func summary(_ node: Node) -> String {
        if case .scalar(let scalar) = node { return String(scalar.string.prefix(80)) }
        return kindName(node)
    }

    private static func kindName(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "the string '\(String(scalar.string.prefix(40)))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// The limits on what a configuration may hold; far above anything MAAS emits, low enough that hostile input
/// cannot exhaust memory or time.
enum ConfigurationLimits {
    /// The size of a configuration document.
    static let maximumDocumentBytes = 8 << 20
    /// Nodes visited while reading one document, aliases counted every time they are used.
    static let maximumNodeVisits = 1_000_000
    /// Entries of a version 1 `config` list, or interfaces of a netplan document.
    static let maximumInterfaces = 4096
    /// Subnets (addresses) of one interface.
    static let maximumSubnets = 256
    /// Routes of one subnet or interface, members of a bond, DNS servers or domains of one entry.
    static let maximumListItems = 1024
    /// One string value.
    static let maximumStringBytes = 4096
}

/// Finds YAML mapping keys that are not plain strings: explicit `?` keys, flow collections used as keys and aliases
/// used as keys. Yams hashes every key to find duplicates, and hashing a key built from nested aliases takes time
/// exponential in the document's size, so such documents are refused before they are composed.
///
/// The scan is conservative: it looks at the raw text, quotes included, so a quoted string that looks like such a
/// key is refused too. No network configuration needs either.
enum ComplexKeyScanner {
    /// The 1-based line of the first complex key, or `nil`.
    static func firstComplexKeyLine(in text: String) -> Int? {
        var line = 1
        for content in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if lineHasComplexKey(Array(content)) { return line }
            line += 1
        }
        return nil
    }

    private static func lineHasComplexKey(_ bytes: [UInt8]) -> Bool {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        func isAnchorCharacter(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        /// Whether a ':' follows `index` after optional spaces.
        func colonFollows(_ index: Int) -> Bool {
            var next = index
            while next < bytes.count && isSpace(bytes[next]) { next += 1 }
            return next < bytes.count && bytes[next] == UInt8(ascii: ":")
        }
        /// Whether the byte before `index` ends a token: the line's start, a space or a flow indicator.
        func startsToken(_ index: Int) -> Bool {
            guard index > 0 else { return true }
            let before = bytes[index - 1]
            return isSpace(before) || [UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ",")].contains(before)
        }
        // For each open bracket on this line, whether it starts a token (a flow collection, not text in a scalar
        // such as the `[` of `http://[fd00::1]:5240/`).
        var openBrackets: [Bool] = []
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "?"):
                let after = index + 1 < bytes.count ? bytes[index + 1] : UInt8(ascii: " ")
                if startsToken(index) && isSpace(after) { return true }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                openBrackets.append(startsToken(index))
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                // A collection opened on an earlier line cannot be an implicit key, which fits on one line.
                if let collection = openBrackets.popLast(), collection, colonFollows(index + 1) { return true }
            case UInt8(ascii: "*"):
                var end = index + 1
                while end < bytes.count && isAnchorCharacter(bytes[end]) { end += 1 }
                if startsToken(index) && end > index + 1 && colonFollows(end) { return true }
            default:
                continue
            }
        }
        return false
    }
}
