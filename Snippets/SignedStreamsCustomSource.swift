// snippet.hide
import SignedStreams
import SimpleStreams

// snippet.show
// A source of your own (a cache, an object store): return the bytes at a mirror-relative path, or throw the codes
// readers rely on. Transport failures and cancellation pass through StreamReader unchanged.
struct InMemorySource: StreamSource {
    var files: [String: [UInt8]]
    var location: String { "memory:" }

    func read(_ path: String, maximumSize: Int) async throws(SimpleStreamsError) -> [UInt8] {
        if Task.isCancelled { throw SimpleStreamsError(.cancelled, "\(path): cancelled") }
        guard let bytes = files[path] else { throw SimpleStreamsError(.notFound, "\(path) is not in memory") }
        guard bytes.count <= maximumSize else {
            throw SimpleStreamsError(.limitExceeded, "\(path) is larger than \(maximumSize) bytes")
        }
        return bytes
    }
}

let products = #"{"format": "products:1.0", "content_id": "example", "products": {}}"#
let source = InMemorySource(files: ["streams/v1/example.json": Array(products.utf8)])
// Unsigned reading must be asked for explicitly.
let reader = StreamReader(source: source, policy: .allowUnsigned)
print(try await reader.readProducts(at: "streams/v1/example.json").document.contentID ?? "-")
