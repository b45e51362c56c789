import ImageMirror
import SimpleStreams
import Verification

/// A mirror named on the command line: a directory, a `file://` URL, or an `http://` or `https://` URL. The one
/// place where a source argument becomes a stream source.
struct SourceArgument {
    /// The mirror root, as given.
    var location: String

    /// Whether the mirror is read over HTTP(S).
    var isHTTP: Bool { HTTPStreamSource.isHTTP(location) }

    /// Runs `body` with a source reading the mirror: over HTTP(S) for an `http://` or `https://` URL (with
    /// `settings` and the proxies of the environment, caching metadata in `cache` when given), from the file system
    /// otherwise.
    func withSource<Result: Sendable>(
        http settings: HTTPSettings, cache: MetadataCache? = nil,
        _ body: (any PayloadSource) async throws -> Result
    ) async throws -> Result {
        guard isHTTP else { return try await body(try LocalStreamSource(location)) }
        return try await HTTPTransport.withTransport(settings) { transport in
            try await body(try HTTPStreamSource(location, transport: transport, cache: cache))
        }
    }
}

/// How the commands report a verified signature, in one place.
enum SignatureReport {
    /// `FINGERPRINT "USER ID"`: the primary key's fingerprint and its first user ID, if it has one.
    static func signer(_ signature: VerifiedSignature) -> String {
        var text = signature.primaryKeyFingerprint
        if let name = signature.userIDs.first { text += " \"\(name)\"" }
        return text
    }

    /// `verified PATH: signed by FINGERPRINT "USER ID"`.
    static func verifiedLine(path: String, _ signature: VerifiedSignature) -> String {
        "verified \(path): signed by \(signer(signature))"
    }

    /// `unverified PATH (--no-verify)`.
    static func unverifiedLine(path: String) -> String {
        "unverified \(path) (--no-verify)"
    }
}
