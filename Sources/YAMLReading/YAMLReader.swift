package import Yams

/// Reads a composed YAML tree defensively: every value is checked for its shape, every message names the source,
/// the line and the key path, and the number of nodes visited is capped, so that aliases repeated inside aliases
/// cannot make a small document take unbounded time.
///
/// Scalars are always read as their source text, never through YAML 1.1's implicit types, so a MAC address such as
/// `52:54:00:00:00:01` stays a string where YAML 1.1 would read a sexagesimal integer.
///
/// Every reading method throws ``YAMLReadingError``; a module wraps it into its own error. Checks that belong to one
/// kind of document (an IP address, a VLAN id) are written by that module as extensions that throw
/// ``failure(_:_:_:_:)``.
package struct YAMLReader: Sendable {
    /// The name of the document in messages (a path, or `network configuration`).
    package let source: String
    /// The number of nodes one document may make the reader visit, aliases counted every time they are used.
    package let maximumNodeVisits: Int
    /// The size in bytes of one string value.
    package let maximumStringBytes: Int
    /// How many more nodes may be visited.
    private var budget: Int

    /// Creates a reader of the document named `source`.
    ///
    /// - Parameters:
    ///   - source: The document's name in messages.
    ///   - maximumNodeVisits: The node-visit budget (aliases are counted every time they are used).
    ///   - maximumStringBytes: The size in bytes of one string value.
    package init(source: String, maximumNodeVisits: Int, maximumStringBytes: Int) {
        self.source = source
        self.maximumNodeVisits = maximumNodeVisits
        self.maximumStringBytes = maximumStringBytes
        self.budget = maximumNodeVisits
    }

    /// Composes `text` into a tree; refuses the YAML forms that could make composing itself expensive.
    ///
    /// - Parameters:
    ///   - text: The document.
    ///   - source: The document's name in messages.
    ///   - documentKind: What the document is, in messages (`a network configuration`).
    package static func compose(
        _ text: String, source: String, documentKind: String
    ) throws(YAMLReadingError) -> Node {
        if let line = ComplexKeyScanner.firstComplexKeyLine(in: text) {
            throw YAMLReadingError(
                .malformed,
                "\(source): line \(line): a mapping key that is a collection, an alias or an explicit '?' key is not"
                    + " supported in \(documentKind)")
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch {
            // Yams's message quotes the offending line, which can be long: keep the start.
            let detail = String(String(describing: error).prefix(400))
            throw YAMLReadingError(.malformed, "\(source) is not valid YAML: \(detail)")
        }
        guard let composed else {
            throw YAMLReadingError(.malformed, "\(source) is empty")
        }
        return composed
    }

    /// `source: line N: path` for messages.
    package func location(_ node: Node, _ path: String) -> String {
        if let line = node.mark?.line { return "\(source): line \(line): \(path)" }
        return "\(source): \(path)"
    }

    /// An error of `code` about `node` at `path`.
    package func failure(
        _ code: YAMLReadingError.Code, _ node: Node, _ path: String, _ problem: String
    ) -> YAMLReadingError {
        YAMLReadingError(code, "\(location(node, path)): \(problem)")
    }

    private mutating func spend(_ count: Int, _ node: Node, _ path: String) throws(YAMLReadingError) {
        budget -= count
        if budget < 0 {
            throw failure(
                .limitExceeded, node, path,
                "the document expands to more than \(maximumNodeVisits) values (repeated aliases?)")
        }
    }

    /// Whether `node` is YAML's null (`~`, `null`, or nothing).
    package static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The key-value pairs of a mapping, in order, with string keys; a null is an empty mapping.
    package mutating func mapping(_ node: Node, _ path: String) throws(YAMLReadingError) -> [(key: String, value: Node)]
    {
        try spend(1, node, path)
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            throw failure(.malformed, node, path, "expected a mapping, found \(Self.kindName(node))")
        }
        try spend(mapping.count, node, path)
        var pairs: [(key: String, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw failure(.malformed, key, path, "a mapping key must be a string")
            }
            pairs.append((scalar.string, value))
        }
        return pairs
    }

    /// The items of a sequence; a null is an empty sequence.
    package mutating func sequence(_ node: Node, _ path: String, limit: Int) throws(YAMLReadingError) -> [Node] {
        try spend(1, node, path)
        if Self.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            throw failure(.malformed, node, path, "expected a list, found \(Self.kindName(node))")
        }
        guard sequence.count <= limit else {
            throw failure(.limitExceeded, node, path, "\(sequence.count) items; at most \(limit) are accepted")
        }
        try spend(sequence.count, node, path)
        return Array(sequence)
    }

    /// The source text of a scalar.
    package mutating func string(_ node: Node, _ path: String) throws(YAMLReadingError) -> String {
        try spend(1, node, path)
        guard case .scalar(let scalar) = node else {
            throw failure(.malformed, node, path, "expected a string, found \(Self.kindName(node))")
        }
        let text = scalar.string
        guard text.utf8.count <= maximumStringBytes else {
            throw failure(.limitExceeded, node, path, "a value of more than \(maximumStringBytes) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw failure(.invalidValue, node, path, "control characters are not allowed")
        }
        return text
    }

    /// A non-negative decimal integer no larger than `maximum`.
    package mutating func integer(_ node: Node, _ path: String, maximum: Int) throws(YAMLReadingError) -> Int {
        let text = try string(node, path)
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text), value <= maximum
        else {
            throw failure(.invalidValue, node, path, "'\(text)' is not a whole number from 0 to \(maximum)")
        }
        return value
    }

    /// A YAML boolean (`true`/`false`, and YAML 1.1's `yes`/`no`/`on`/`off`, as netplan accepts).
    package mutating func boolean(_ node: Node, _ path: String) throws(YAMLReadingError) -> Bool {
        let text = try string(node, path)
        switch text.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: throw failure(.invalidValue, node, path, "'\(text)' is not true or false")
        }
    }

    /// A list of strings, or one string standing for a list of one (curtin accepts both for DNS).
    package mutating func strings(_ node: Node, _ path: String, limit: Int) throws(YAMLReadingError) -> [String] {
        if case .scalar = node {
            return Self.isNull(node) ? [] : [try string(node, path)]
        }
        var values: [String] = []
        for (index, item) in try sequence(node, path, limit: limit).enumerated() {
            values.append(try string(item, "\(path)[\(index)]"))
        }
        return values
    }

    /// The text of a scalar, or a short description of a collection, for messages about ignored values.
    package static func summary(_ node: Node) -> String {
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
