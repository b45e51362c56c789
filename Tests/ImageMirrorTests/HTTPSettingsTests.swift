import ImageMirror
import MirrorTestServer
import SimpleStreams
import TestSupport
import Testing

@Suite("HTTP settings, sources and selections")
struct HTTPSettingsTests {
    @Test("Proxies come from the environment, no_proxy excludes hosts and their subdomains")
    func proxies() {
        let settings = ProxySettings(environment: [
            "http_proxy": "http://proxy.example:3128/", "HTTPS_PROXY": "http://user:secret@secure.example",
            "no_proxy": "localhost, .internal.example,images.local:8080",
        ])
        #expect(settings.server(scheme: "http", host: "images.maas.io") == .init(host: "proxy.example", port: 3128))
        let secure = settings.server(scheme: "https", host: "images.maas.io")
        #expect(secure == .init(host: "secure.example", port: 80, credentials: .init(user: "user", password: "secret")))
        #expect(secure?.description == "secure.example:80")
        #expect(settings.server(scheme: "http", host: "localhost") == nil)
        #expect(settings.server(scheme: "http", host: "a.internal.example") == nil)
        #expect(settings.server(scheme: "http", host: "internal.example") == nil)
        #expect(settings.server(scheme: "http", host: "images.local") == nil)
        #expect(settings.server(scheme: "http", host: "notinternal.example") != nil)
        #expect(
            ProxySettings(environment: ["http_proxy": "http://p:1", "no_proxy": "*"]).server(scheme: "http", host: "x")
                == nil)
        #expect(ProxySettings.Server(url: "http://p:99999") == nil)
        #expect(ProxySettings.Server(url: "") == nil)
        #expect(ProxySettings.Server(url: "[::1]:8080") == .init(host: "::1", port: 8080))
    }

    @Test("HTTP sources refuse other schemes, queries and unsafe paths")
    func sourceValidation() async throws {
        try await HTTPTransport.withTransport(HTTPSettings.loopbackTests()) { transport in
            #expect(throws: ImageMirrorError.self) { try HTTPStreamSource("ftp://example.org/", transport: transport) }
            #expect(throws: ImageMirrorError.self) { try HTTPStreamSource("http:///x", transport: transport) }
            #expect(throws: ImageMirrorError.self) { try HTTPStreamSource("http://h/x?y=1", transport: transport) }
            let source = try HTTPStreamSource("http://127.0.0.1:1", transport: transport)
            #expect(source.root == "http://127.0.0.1:1/")
            await #expect(throws: SimpleStreamsError.self) {
                _ = try await source.read("../etc/passwd", maximumSize: 10)
            }
        }
    }

    @Test("Documents are capped at their size limit, and a missing one is not-found")
    func documentLimits() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        var settings = HTTPSettings.loopbackTests()
        settings.retry = RetryPolicy(maximumAttempts: 1)
        try await HTTPTransport.withTransport(settings) { transport in
            let source = try HTTPStreamSource(server.baseURL, transport: transport)
            let index = try await source.read("streams/v1/index.json", maximumSize: 1 << 20)
            let expected = try stream.scratch.read("source/streams/v1/index.json")
            #expect(index == expected)
            await #expect {
                _ = try await source.read("streams/v1/index.json", maximumSize: 10)
            } throws: { ($0 as? SimpleStreamsError)?.code == .limitExceeded }
            await #expect {
                _ = try await source.read("streams/v1/nothing.json", maximumSize: 100)
            } throws: { ($0 as? SimpleStreamsError)?.code == .notFound }
        }
        try await server.stop()
    }

    @Test("A stalled server times out instead of hanging")
    func readTimeout() async throws {
        let stream = try await GeneratedMirror(versions: ["20250101"])
        let server = try await LoopbackHTTPServer.start(root: stream.root)
        server.setFaults { $0.slowBodyPauseMilliseconds = 2_000 }
        var settings = HTTPSettings.loopbackTests()
        settings.readTimeout = .milliseconds(200)
        settings.retry = RetryPolicy(maximumAttempts: 1)
        try await HTTPTransport.withTransport(settings) { transport in
            let source = try HTTPStreamSource(server.baseURL, transport: transport)
            await #expect(throws: SimpleStreamsError.self) {
                _ = try await source.read("noble/amd64/20250101/squashfs", maximumSize: 1 << 20)
            }
        }
        try await server.stop()
    }

    @Test("Boot selections become anchored, escaped filters")
    func selectionFilters() throws {
        let selection = BootSelection(os: "ubuntu", release: "*", arches: ["amd64", "arm64"], labels: ["a.b"])
        let filters = try selection.filters().map(\.description)
        #expect(filters == ["os~^(ubuntu)$", "arch~^(amd64|arm64)$", "label~^(a\\.b)$"])
        #expect(try BootSelection().filters().isEmpty)
    }
}
