import Glibc
internal import Yams
internal import YAMLReading

extension NetworkConfiguration {
    /// Parses a network configuration from YAML text.
    ///
    /// The text may be a whole curtin configuration (what MAAS sends and what the ESXi image keeps in
    /// `/altbootbank/maas/curtin.cfg`), a document whose top level is `network:`, or the `network` section's
    /// content itself (`version:` and `config:`, as cloud-init's `network-config` files are written). The version
    /// must be 1 or 2.
    ///
    /// - Parameters:
    ///   - yaml: The document.
    ///   - source: The name of the document in messages: a path, for example.
    /// - Throws: ``ESXiNetworkError`` with `.malformed`, `.invalidValue`, `.unsupportedVersion` or `.limitExceeded`.
    public init(yaml: String, source: String = "network configuration") throws(ESXiNetworkError) {
        guard yaml.utf8.count <= ConfigurationLimits.maximumDocumentBytes else {
            throw ESXiNetworkError(
                .limitExceeded,
                "\(source) is \(yaml.utf8.count) bytes; at most \(ConfigurationLimits.maximumDocumentBytes) are read")
        }
        do {
            self = try Self.parse(yaml: yaml, source: source)
        } catch {
            throw ESXiNetworkError.converting(error)
        }
    }

    /// The parsing behind ``init(yaml:source:)``; throws ``ESXiNetworkError`` or `YAMLReadingError`.
    private static func parse(yaml: String, source: String) throws -> NetworkConfiguration {
        var reader = YAMLReader(networkConfiguration: source)
        let root = try YAMLReader.compose(yaml, source: source, documentKind: "a network configuration")
        let top = try reader.mapping(root, "the document")
        var sectionNode = root
        var section = top
        if let network = top.first(where: { $0.key == "network" }) {
            sectionNode = network.value
            section = try reader.mapping(network.value, "network")
        } else if !top.contains(where: { $0.key == "version" }) {
            throw reader.error(
                .malformed, root, "the document",
                "no 'network' section (expected a curtin configuration or a network configuration)")
        }
        guard let versionNode = section.first(where: { $0.key == "version" })?.value else {
            throw reader.error(.malformed, sectionNode, "network", "the network configuration has no 'version'")
        }
        let versionText = try reader.string(versionNode, "network.version")
        switch versionText {
        case "1":
            var parser = VersionOneParser(reader: reader)
            return try parser.parse(section, sectionNode: sectionNode)
        case "2":
            var parser = NetplanParser(reader: reader)
            return try parser.parse(section)
        default:
            throw reader.error(
                .unsupportedVersion, versionNode, "network.version",
                "version '\(versionText)' is not supported (1, as MAAS sends for ESXi, or 2, netplan)")
        }
    }

    /// Parses the network configuration in the file at `path`, as ``init(yaml:source:)`` does; `-` reads standard
    /// input.
    ///
    /// - Throws: ``ESXiNetworkError`` with `.io` when the file cannot be read, and the codes of
    ///   ``init(yaml:source:)``.
    public init(contentsOf path: String) throws {
        let bytes = try FileReading.contents(
            of: path, limit: ConfigurationLimits.maximumDocumentBytes, what: "configuration")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ESXiNetworkError(.malformed, "\(path) is not UTF-8 text")
        }
        try self.init(yaml: text, source: path)
    }
}

/// Reads small text files (configurations, NIC lists) whole, with a size cap.
enum FileReading {
    /// The bytes of `path` (`-` for standard input), at most `limit` of them.
    static func contents(of path: String, limit: Int, what: String) throws -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ESXiNetworkError(.io, "cannot open the \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ESXiNetworkError(.io, "cannot read the \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit {
                throw ESXiNetworkError(.limitExceeded, "the \(what) \(path) is larger than \(limit) bytes")
            }
        }
        return bytes
    }
}
