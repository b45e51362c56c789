import SignedStreams
import SimpleStreams
import SimpleStreamsTestSupport
import Testing
import Verification

/// Issue 18: a source that cannot be reached, answers with an HTTP error, times out or is cancelled must reach the
/// caller as `.transport` or `.cancelled`, never as "the metadata did not verify" (`.signature`, `.unsigned`) nor as
/// `.io`.
@Suite("Reading: transport failures and cancellation pass through")
struct SourceFailureTests {
    /// The underlying error a failing source reports.
    struct ServerFailure: Error, Equatable {
        var status: Int
    }

    /// A source that serves `documents` and fails every other path with `code`; a path in `documents` whose value is
    /// `nil` fails too.
    struct FailingSource: StreamSource {
        var documents: [String: [UInt8]?]
        var code: SimpleStreamsError.Code

        var location: String { "https://mirror.invalid" }

        func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
            if let document = documents[path], let document { return document }
            throw SimpleStreamsError(
                code, "\(location)/\(path): HTTP 503", underlyingError: ServerFailure(status: 503))
        }
    }

    static let products = Array(
        #"{"format": "products:1.0", "content_id": "c", "products": {}}"#.utf8)
    static let index = Array(
        #"{"format": "index:1.0", "index": {"c": {"format": "products:1.0", "path": "streams/v1/c.json"}}}"#.utf8)

    /// A verifier over the simplestreams example key (any keyring will do: nothing gets as far as gpg).
    static func verifier() throws -> SignaturePolicy {
        .verify(keyring: try Keyring(contentsOf: try Fixture.path("keyrings/simplestreams-example-3967536E.gpg")))
    }

    /// Checks that `error` is the source's own error, unchanged.
    static func expectPassedThrough(
        _ error: SimpleStreamsError?, _ code: SimpleStreamsError.Code, path: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(
            error?.message == "https://mirror.invalid/\(path): HTTP 503", "\(String(describing: error))",
            sourceLocation: sourceLocation)
        #expect(
            (error?.underlyingError as? ServerFailure)?.status == 503, "\(String(describing: error))",
            sourceLocation: sourceLocation)
    }

    @Test(
        "The document itself cannot be read: the source's code, under either policy",
        arguments: [
            SimpleStreamsError.Code.transport, .cancelled,
        ])
    func documentFails(code: SimpleStreamsError.Code) async throws {
        let source = FailingSource(documents: [:], code: code)
        for policy in [try Self.verifier(), .allowUnsigned] {
            let reader = StreamReader(source: source, policy: policy)
            let index = await simpleStreamsError { try await reader.readIndex() }
            Self.expectPassedThrough(index, code, path: reader.defaultIndexPath)
            let query = await simpleStreamsError { try await reader.query(StreamQuery()) }
            Self.expectPassedThrough(query, code, path: reader.defaultIndexPath)
        }
    }

    @Test(
        "The detached signature cannot be read: the source's code, not unsigned",
        arguments: [
            SimpleStreamsError.Code.transport, .cancelled,
        ])
    func detachedSignatureFails(code: SimpleStreamsError.Code) async throws {
        let source = FailingSource(documents: ["streams/v1/c.json": Self.products], code: code)
        let reader = StreamReader(source: source, policy: try Self.verifier())
        let error = await simpleStreamsError { try await reader.readProducts(at: "streams/v1/c.json") }
        Self.expectPassedThrough(error, code, path: "streams/v1/c.json.gpg")
    }

    @Test(
        "A products document behind an index cannot be read: the source's code",
        arguments: [
            SimpleStreamsError.Code.transport, .cancelled,
        ])
    func productsBehindIndexFails(code: SimpleStreamsError.Code) async throws {
        let source = FailingSource(documents: ["streams/v1/index.json": Self.index], code: code)
        let reader = StreamReader(source: source, policy: .allowUnsigned)
        let error = await simpleStreamsError { try await reader.query(StreamQuery()) }
        Self.expectPassedThrough(error, code, path: "streams/v1/c.json")
        let entry = try #require(try IndexDocument(parsing: Self.index).entry(for: "c"))
        let direct = await simpleStreamsError { try await reader.readProducts(for: entry) }
        Self.expectPassedThrough(direct, code, path: "streams/v1/c.json")
    }

    @Test("The new codes have their own kebab-case names")
    func codeNames() {
        #expect(SimpleStreamsError.Code.transport.description == "transport")
        #expect(SimpleStreamsError.Code.cancelled.description == "cancelled")
        #expect(SimpleStreamsError.Code.transport != .signature && SimpleStreamsError.Code.transport != .io)
        #expect(SimpleStreamsError.Code.cancelled != .unsigned && SimpleStreamsError.Code.cancelled != .io)
    }
}
