import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Faults the server injects, switchable while it runs. Paths are mirror-relative (`streams/v1/index.sjson`).
public struct ServerFaults: Sendable {
    /// Close the connection after this many body bytes of the path (once per entry: the entry is then removed).
    public var dropAfterBytes: [String: Int] = [:]
    /// Answer every request with the whole file (200), whatever its `Range`.
    public var ignoreRange = false
    /// Send these paths with one byte changed.
    public var wrongBytes: Set<String> = []
    /// Send these paths with extra bytes after the file, without a `Content-Length` (chunked).
    public var extraBytes: Set<String> = []
    /// Answer 500 this many times for the path before serving it.
    public var failuresBeforeSuccess: [String: Int] = [:]
    /// Answer 404 for these paths.
    public var notFound: Set<String> = []
    /// Answer every request for these paths with this status (`503`), and no body.
    public var status: [String: Int] = [:]
    /// Answer `302 Found` for these paths, pointing at the path given (on this server).
    public var redirects: [String: String] = [:]
    /// Send bodies in 4 KiB pieces with this pause (in milliseconds) between them.
    public var slowBodyPauseMilliseconds: Int?
    /// Send the body of these paths one byte at a time, with this pause (in milliseconds) after each byte.
    public var dripMilliseconds: [String: Int] = [:]
    /// Send the head of these paths and this many body bytes, then nothing more (the connection stays open).
    public var stallAfterBytes: [String: Int] = [:]
    /// Never answer requests for these paths (the connection stays open).
    public var noAnswer: Set<String> = []

    /// No faults.
    public init() {}
}

/// One request the server received.
public struct ReceivedRequest: Sendable, Hashable {
    /// The mirror-relative path.
    public var path: String
    /// The `Range` header, if any.
    public var range: String?
    /// The `User-Agent` header, if any.
    public var userAgent: String?
    /// Whether the request was conditional (`If-None-Match` or `If-Modified-Since`).
    public var conditional: Bool
}

/// A real HTTP/1.1 file server on 127.0.0.1 (SwiftNIO), serving a directory with `Range`, `ETag` and
/// `Last-Modified` support and switchable ``ServerFaults``.
public final class LoopbackHTTPServer: Sendable {
    /// The directory served.
    public let root: String
    /// The port bound on 127.0.0.1.
    public let port: Int
    private let channel: any Channel
    private let state: Mutex<(faults: ServerFaults, requests: [ReceivedRequest])>
    /// Tasks waiting in ``waitForRequest(to:)``.
    private let waiters = Mutex<[(path: String, continuation: CheckedContinuation<Void, Never>)]>([])

    /// `http://127.0.0.1:PORT/`.
    public var baseURL: String { "http://127.0.0.1:\(port)/" }

    /// Starts serving `root` on an ephemeral port (or `port`).
    public static func start(root: String, port: Int = 0) async throws -> LoopbackHTTPServer {
        let box = StateBox()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FileHandler(root: root, box: box))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        let server = LoopbackHTTPServer(root: root, port: channel.localAddress?.port ?? 0, channel: channel)
        box.server.withLock { $0 = server }
        return server
    }

    private init(root: String, port: Int, channel: any Channel) {
        self.root = root
        self.port = port
        self.channel = channel
        state = Mutex((ServerFaults(), []))
    }

    /// Changes the faults.
    public func setFaults(_ change: (inout ServerFaults) -> Void) {
        state.withLock { change(&$0.faults) }
    }

    /// The requests received so far.
    public var requests: [ReceivedRequest] { state.withLock { $0.requests } }

    /// Returns once a request for `path` has been received (at once if one already was); no clock involved.
    public func waitForRequest(to path: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Checked and registered under `waiters`' lock; `admit` records before it takes that lock, so no request
            // is missed between the two.
            let received = waiters.withLock { waiters in
                if requests.contains(where: { $0.path == path }) { return true }
                waiters.append((path, continuation))
                return false
            }
            if received { continuation.resume() }
        }
    }

    /// Forgets the requests received so far.
    public func clearRequests() { state.withLock { $0.requests.removeAll() } }

    /// Stops listening.
    public func stop() async throws {
        try await channel.close()
    }

    /// Records `request` and returns the faults that apply to it, consuming one-shot faults.
    fileprivate func admit(_ request: ReceivedRequest) -> (ServerFaults, dropAfter: Int?, fail: Bool) {
        defer {
            let woken = waiters.withLock { waiters in
                let woken = waiters.filter { $0.path == request.path }
                waiters.removeAll { $0.path == request.path }
                return woken
            }
            for waiter in woken { waiter.continuation.resume() }
        }
        return state.withLock { state in
            state.requests.append(request)
            let drop = state.faults.dropAfterBytes.removeValue(forKey: request.path)
            var fail = false
            if let count = state.faults.failuresBeforeSuccess[request.path], count > 0 {
                state.faults.failuresBeforeSuccess[request.path] = count - 1
                fail = true
            }
            return (state.faults, drop, fail)
        }
    }
}

private final class StateBox: Sendable {
    let server = Mutex<LoopbackHTTPServer?>(nil)
}

private final class FileHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let root: String
    let box: StateBox
    private var head: HTTPRequestHead?

    init(root: String, box: StateBox) {
        self.root = root
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head, let server = box.server.withLock({ $0 }) else { return }
            self.head = nil
            respond(to: head, server: server, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, server: LoopbackHTTPServer, context: ChannelHandlerContext) {
        var path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        while path.hasPrefix("/") { path.removeFirst() }
        path = path.removingPercentEncoding ?? path
        let request = ReceivedRequest(
            path: path, range: head.headers.first(name: "Range"), userAgent: head.headers.first(name: "User-Agent"),
            conditional: head.headers.contains(name: "If-None-Match")
                || head.headers.contains(name: "If-Modified-Since"))
        let (faults, dropAfter, fail) = server.admit(request)
        let keepAlive = head.isKeepAlive
        if faults.noAnswer.contains(path) { return }
        if fail { return send(status: .internalServerError, context: context, keepAlive: keepAlive) }
        if let code = faults.status[path] {
            return send(status: HTTPResponseStatus(statusCode: code), context: context, keepAlive: keepAlive)
        }
        if let target = faults.redirects[path] {
            return send(
                status: .found, context: context, keepAlive: keepAlive, location: server.baseURL + target)
        }
        guard !path.split(separator: "/").contains(".."), !faults.notFound.contains(path),
            let data = FileManager.default.contents(atPath: root + "/" + path)
        else { return send(status: .notFound, context: context, keepAlive: keepAlive) }
        var bytes = [UInt8](data)
        let etag = "\"\(bytes.count)-\(bytes.reduce(0) { ($0 &* 31) &+ Int($1) })\""
        if head.headers.first(name: "If-None-Match") == etag {
            return send(status: .notModified, context: context, keepAlive: keepAlive)
        }
        if faults.wrongBytes.contains(path), !bytes.isEmpty { bytes[bytes.count / 2] ^= 0xFF }
        var status = HTTPResponseStatus.ok
        var headers = HTTPHeaders()
        headers.add(name: "ETag", value: etag)
        headers.add(name: "Accept-Ranges", value: "bytes")
        var start = 0
        if !faults.ignoreRange, let range = request.range, range.hasPrefix("bytes="), range.hasSuffix("-"),
            let first = Int(range.dropFirst("bytes=".count).dropLast()), first < bytes.count
        {
            start = first
            status = .partialContent
            headers.add(name: "Content-Range", value: "bytes \(first)-\(bytes.count - 1)/\(bytes.count)")
        }
        var body = Array(bytes[start...])
        if faults.extraBytes.contains(path) {
            body += [UInt8](repeating: 0x41, count: 4096)
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else {
            headers.add(name: "Content-Length", value: String(body.count))
        }
        headers.add(name: "Connection", value: keepAlive && dropAfter == nil ? "keep-alive" : "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if let stall = faults.stallAfterBytes[path] {
            let buffer = context.channel.allocator.buffer(bytes: body.prefix(stall))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            return
        }
        if let pause = faults.dripMilliseconds[path].map({ TimeAmount.milliseconds(Int64($0)) }) {
            sendSlowly(body[...], pieceSize: 1, pause: pause, context: context, keepAlive: keepAlive)
            return
        }
        if let dropAfter {
            let buffer = context.channel.allocator.buffer(bytes: body.prefix(dropAfter))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            context.close(promise: nil)
            return
        }
        if let pause = faults.slowBodyPauseMilliseconds.map({ TimeAmount.milliseconds(Int64($0)) }) {
            sendSlowly(body[...], pieceSize: 4096, pause: pause, context: context, keepAlive: keepAlive)
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        finish(context: context, keepAlive: keepAlive)
    }

    private func sendSlowly(
        _ rest: ArraySlice<UInt8>, pieceSize: Int, pause: TimeAmount, context: ChannelHandlerContext, keepAlive: Bool
    ) {
        guard context.channel.isActive else { return }
        guard !rest.isEmpty else { return finish(context: context, keepAlive: keepAlive) }
        let piece = rest.prefix(pieceSize)
        let buffer = context.channel.allocator.buffer(bytes: piece)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let remaining = rest.dropFirst(piece.count)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: pause) {
            let (handler, context) = loopBound.value
            handler.sendSlowly(remaining, pieceSize: pieceSize, pause: pause, context: context, keepAlive: keepAlive)
        }
    }

    private func send(
        status: HTTPResponseStatus, context: ChannelHandlerContext, keepAlive: Bool, location: String? = nil
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        if let location { headers.add(name: "Location", value: location) }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        finish(context: context, keepAlive: keepAlive)
    }

    private func finish(context: ChannelHandlerContext, keepAlive: Bool) {
        let closes = !keepAlive
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if closes { loopBound.value.close(promise: nil) }
        }
    }
}
