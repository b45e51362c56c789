import SignedStreams
import SimpleStreams
import SimpleStreamsTestSupport
import TestSupport
import Testing

/// The default document cap is what real products documents need, not 256 MiB (issue 16, defect 7): a hostile
/// document at the cap costs the parser a bounded amount of memory, and a reader can raise it.
@Suite("Documents: the size cap")
struct DocumentLimitTests {
    @Test("A document past 64 MiB is refused by default and read once the cap is raised")
    func defaultCap() async throws {
        #expect(StreamReader.defaultMaximumDocumentSize == 64 << 20)
        let scratch = try ScratchDirectory(prefix: "simplestreams-cap")
        defer { scratch.remove() }
        let head = Array(#"{"format": "products:1.0", "products": {}}"#.utf8)
        let padding = [UInt8](
            repeating: UInt8(ascii: " "), count: StreamReader.defaultMaximumDocumentSize + 1 - head.count)
        _ = try scratch.write(head + padding, to: "streams/v1/large.json")
        var reader = StreamReader(source: try LocalStreamSource(scratch.path), policy: .allowUnsigned)
        #expect(reader.maximumDocumentSize == StreamReader.defaultMaximumDocumentSize)
        let error = await simpleStreamsError { try await reader.readProducts(at: "streams/v1/large.json") }
        #expect(error?.code == .limitExceeded, "\(String(describing: error))")
        reader.maximumDocumentSize = StreamReader.defaultMaximumDocumentSize + 1
        let document = try await reader.readProducts(at: "streams/v1/large.json")
        #expect(document.document.products.isEmpty)
    }
}
