import ArgumentParser
import FoundationEssentials
import ImageMirror
import SignedStreams
import SimpleStreams
import Verification

/// The mirror to read and how to trust it: shared by every command that reads simplestreams documents.
struct StreamSourceOptions: ParsableArguments {
    @Argument(
        help:
            "The mirror root (directory, file://, http:// or https:// URL), or a streams/v1/*.sjson|json document in it."
    )
    var source: String

    @Option(help: "The keyring of trusted keys (binary or armored; default: \(Keyring.maasDefaultPath)).")
    var keyring: String?

    @Flag(help: "Read documents without checking signatures (.sjson index paths are read as .json).")
    var noVerify = false

    @Option(help: "Refuse documents updated before this date (RFC 2822, or YYYY-MM-DD): rollback protection.")
    var notOlderThan: String?

    @Flag(name: .shortAndLong, help: "Do not report the signatures checked on standard error.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "The largest metadata document read, in MiB (default \(StreamReader.defaultMaximumDocumentSize >> 20)).",
            valueName: "MiB"))
    var maxDocumentSize: Int?

    @Option(
        help: ArgumentHelp("The longest a connection may take to open, in seconds (default 10).", valueName: "seconds"))
    var connectTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "The longest a response may go without a byte, in seconds (default 60).", valueName: "seconds"))
    var readTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "The lowest average rate, in bytes per second, over any window of --speed-time (default 1024; 0: off).",
            valueName: "bytes"))
    var speedLimit: Int?

    @Option(
        help: ArgumentHelp(
            "The window of --speed-limit, and the longest a response head may take once connected, in seconds "
                + "(default 30).", valueName: "seconds"))
    var speedTime: Double?

    @Option(
        help: ArgumentHelp(
            "The longest one attempt at a document (index, products) may take, in seconds (default 180; 0: none).",
            valueName: "seconds"))
    var documentTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "The longest one attempt at a payload may take, in seconds (default: none, the speed limit ends drips).",
            valueName: "seconds"))
    var payloadTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "How long the retries of one file may go on after its first failure, in seconds (default 300).",
            valueName: "seconds"))
    var retryMaxTime: Double?

    func validate() throws {
        if noVerify && keyring != nil { throw ValidationError("--keyring and --no-verify exclude each other") }
        for (name, value, zeroAllowed) in [
            ("--connect-timeout", connectTimeout, false), ("--read-timeout", readTimeout, false),
            ("--speed-time", speedTime, false), ("--document-timeout", documentTimeout, true),
            ("--payload-timeout", payloadTimeout, true), ("--retry-max-time", retryMaxTime, true),
        ] {
            guard let value else { continue }
            guard value.isFinite, zeroAllowed ? value >= 0 : value > 0, value <= Self.longestTimeout else {
                throw ValidationError(
                    "\(name) must be a number of seconds \(zeroAllowed ? "from 0" : "above 0") up to "
                        + "\(Int(Self.longestTimeout)), not \(value)")
            }
        }
        if let maxDocumentSize, maxDocumentSize < 1 || maxDocumentSize > Self.largestDocumentMiB {
            throw ValidationError("--max-document-size must be a number of MiB from 1 up to \(Self.largestDocumentMiB)")
        }
        if let speedLimit, speedLimit < 0 || speedLimit > 1 << 40 {
            throw ValidationError("--speed-limit must be a number of bytes per second from 0 up to 2^40")
        }
    }

    /// The largest `--max-document-size` accepted, in MiB.
    static let largestDocumentMiB = 4096

    /// The largest metadata document to read, in bytes.
    var maximumDocumentSize: Int { maxDocumentSize.map { $0 << 20 } ?? StreamReader.defaultMaximumDocumentSize }

    /// The longest timeout accepted (a week).
    static let longestTimeout: Double = 7 * 24 * 3600

    /// The HTTP settings the timeout options ask for, with the proxies of the environment.
    func httpSettings() -> HTTPSettings {
        var settings = HTTPSettings()
        func duration(_ seconds: Double) -> Duration { .milliseconds(Int64((seconds * 1000).rounded())) }
        if let connectTimeout { settings.connectTimeout = duration(connectTimeout) }
        if let readTimeout { settings.readTimeout = duration(readTimeout) }
        if let speedLimit { settings.speedLimit = speedLimit }
        if let speedTime { settings.speedTime = duration(speedTime) }
        if let documentTimeout { settings.documentTimeout = documentTimeout == 0 ? nil : duration(documentTimeout) }
        if let payloadTimeout { settings.payloadTimeout = payloadTimeout == 0 ? nil : duration(payloadTimeout) }
        if let retryMaxTime { settings.retry.maximumRetryTime = duration(retryMaxTime) }
        return settings
    }

    /// The mirror root, and the document under it that SOURCE names, if it names one.
    var rootAndDocument: (root: String, documentPath: String?) { Self.splitSource(source) }

    /// The mirror root as a source argument.
    var sourceArgument: SourceArgument { SourceArgument(location: rootAndDocument.root) }

    /// Runs `body` with a reader of the mirror (over HTTP(S) for an http:// or https:// root, with the proxies of the
    /// environment) with the signature policy and rollback date asked for.
    func withReader<Result: Sendable>(_ body: (StreamReader) async throws -> Result) async throws -> Result {
        try await sourceArgument.withSource(http: httpSettings()) { source in
            try await body(configured(StreamReader(source: source, policy: try policy())))
        }
    }

    /// `reader` with the rollback date asked for.
    private func configured(_ reader: StreamReader) throws -> StreamReader {
        var reader = reader
        reader.notOlderThan = try rollbackDate()
        reader.maximumDocumentSize = maximumDocumentSize
        return reader
    }

    /// The date of `--not-older-than`, if given.
    func rollbackDate() throws -> Date? {
        guard let notOlderThan else { return nil }
        guard let date = StreamDates.parseRFC2822(notOlderThan) ?? StreamDates.parseCalendarDate(notOlderThan) else {
            throw CLIError("--not-older-than \(notOlderThan) is neither RFC 2822 nor YYYY-MM-DD")
        }
        return date
    }

    /// Reads every document SOURCE leads to with `query`, and reports the signatures checked unless `--quiet`.
    func read(_ query: StreamQuery = StreamQuery()) async throws -> StreamQueryResult {
        let documentPath = rootAndDocument.documentPath
        let result = try await withReader { reader in try await reader.query(query, path: documentPath) }
        if !quiet {
            for (path, signature) in result.documentSignatures {
                if let signature {
                    writeStandardError(SignatureReport.verifiedLine(path: path, signature) + "\n")
                } else {
                    writeStandardError(SignatureReport.unverifiedLine(path: path) + "\n")
                }
            }
        }
        return result
    }

    func policy() throws -> SignaturePolicy { try Self.policy(keyring: keyring, noVerify: noVerify) }

    /// The signature policy of `--keyring` (the MAAS keyring by default) and `--no-verify`, for every command that
    /// has these options.
    static func policy(keyring: String?, noVerify: Bool) throws -> SignaturePolicy {
        if noVerify { return .allowUnsigned }
        let path = keyring ?? Keyring.maasDefaultPath
        if keyring == nil && !FileManager.default.fileExists(atPath: path) {
            throw CLIError(
                "no keyring: \(path) does not exist; pass --keyring KEYRING, or --no-verify to read unsigned documents")
        }
        return .verify(keyring: try Keyring(contentsOf: path))
    }

    /// Splits `…/streams/v1/X.sjson` into the mirror root and the document path, as python-simplestreams does.
    static func splitSource(_ source: String) -> (root: String, documentPath: String?) {
        guard source.hasSuffix(".sjson") || source.hasSuffix(".json"),
            let range = source.firstRange(of: "streams/v1/")
        else { return (source, nil) }
        let root = String(source[..<range.lowerBound])
        return (root.isEmpty ? "." : root, String(source[range.lowerBound...]))
    }
}

extension StreamQueryResult {
    /// Every document read, indexes first, with the signature that verified it (`nil` under `--no-verify`).
    var documentSignatures: [(path: String, signature: VerifiedSignature?)] {
        indexes.map { ($0.path, $0.signature) } + products.map { ($0.path, $0.signature) }
    }
}
