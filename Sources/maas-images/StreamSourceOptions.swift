import ArgumentParser
import FoundationEssentials
import Glibc
import ImageMirror
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

    func validate() throws {
        if noVerify && keyring != nil { throw ValidationError("--keyring and --no-verify exclude each other") }
    }

    /// The mirror root, and the document under it that SOURCE names, if it names one.
    var rootAndDocument: (root: String, documentPath: String?) { Self.splitSource(source) }

    /// Runs `body` with a reader of the mirror (over HTTP(S) for an http:// or https:// root, with the proxies of the
    /// environment) with the signature policy and rollback date asked for.
    func withReader<Result: Sendable>(_ body: (StreamReader) async throws -> Result) async throws -> Result {
        let root = rootAndDocument.root
        guard HTTPStreamSource.isHTTP(root) else {
            return try await body(configured(StreamReader(source: try LocalStreamSource(root), policy: try policy())))
        }
        return try await HTTPTransport.withTransport(HTTPSettings()) { transport in
            let source = try HTTPStreamSource(root, transport: transport)
            return try await body(configured(StreamReader(source: source, policy: try policy())))
        }
    }

    /// `reader` with the rollback date asked for.
    private func configured(_ reader: StreamReader) throws -> StreamReader {
        var reader = reader
        reader.notOlderThan = try rollbackDate()
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
                    writeStandardError(Self.verifiedLine(path: path, signature) + "\n")
                } else {
                    writeStandardError("unverified \(path) (--no-verify)\n")
                }
            }
        }
        return result
    }

    /// `verified PATH: signed by FINGERPRINT "USER ID"`.
    static func verifiedLine(path: String, _ signature: VerifiedSignature) -> String {
        var line = "verified \(path): signed by \(signature.primaryKeyFingerprint)"
        if let name = signature.userIDs.first { line += " \"\(name)\"" }
        return line
    }

    func policy() throws -> SignaturePolicy {
        if noVerify { return .allowUnsigned }
        let path = keyring ?? Keyring.maasDefaultPath
        if keyring == nil && access(path, F_OK) != 0 {
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
