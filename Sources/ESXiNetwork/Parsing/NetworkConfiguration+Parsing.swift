internal import SystemLayer
public import SystemPackage
internal import YAMLReading
internal import Yams

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
    /// Only a regular file (or standard input) of at most 8 MiB is read: a FIFO, a device or a directory is refused
    /// before a byte is read.
    ///
    /// - Throws: ``ESXiNetworkError`` with `.io` when the file cannot be read (the underlying error says why),
    ///   `.limitExceeded` when it is too large, `.malformed` when it is not UTF-8, and the codes of
    ///   ``init(yaml:source:)``.
    public init(contentsOf path: FilePath) throws(ESXiNetworkError) {
        let bytes = try FileReading.contents(
            of: path, limit: ConfigurationLimits.maximumDocumentBytes, what: "configuration")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ESXiNetworkError(.malformed, "\(path) is not UTF-8 text")
        }
        try self.init(yaml: text, source: path.string)
    }

    /// Parses the network configuration in the file at `path` (`-` for standard input), as
    /// ``init(contentsOf:)-(FilePath)`` does.
    public init(contentsOf path: String) throws(ESXiNetworkError) {
        try self.init(contentsOf: FilePath(path))
    }
}

/// Reads small text files (configurations, NIC lists) whole, with a size cap, through the system layer.
enum FileReading {
    /// The bytes of the regular file at `path` (`-` for standard input), at most `limit` of them.
    static func contents(of path: FilePath, limit: Int, what: String) throws(ESXiNetworkError) -> [UInt8] {
        do throws(FileSystemError) {
            if path == "-" {
                return try FileIO.readAll(.standardInput, "standard input", maximumSize: limit)
            }
            return try FileIO.readRegularFile(atPath: path.string, maximumSize: limit)
        } catch {
            let name = path == "-" ? "standard input" : path.string
            if case .tooLarge = error.reason {
                throw ESXiNetworkError(
                    .limitExceeded, "the \(what) \(name) is larger than \(limit) bytes", underlyingError: error)
            }
            let problem =
                switch error.reason {
                case .system(let errno): "\(errno)"
                case .wrongKind(let kind): "it is \(kind)"
                default: "\(error)"
                }
            throw ESXiNetworkError(
                .io, "cannot \(error.operation) the \(what) \(name): \(problem)", underlyingError: error)
        }
    }
}
