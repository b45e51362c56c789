import Foundation
import Testing

/// The JSON parser's memory stays a small multiple of the document (issue 16, defect 7): the peak resident set of
/// `maas-images streams query` over a generated document of many tiny values, measured by `/usr/bin/time` (a count
/// of pages, not of time, so the machine's load does not change it), minus the peak over a tiny document.
@Suite("streams query: parser memory")
struct DocumentMemoryTests {
    static let documentSize = 16 << 20

    /// A products document padded to about ``documentSize`` bytes with `element` repeated in an array.
    static func document(repeating element: String) -> [UInt8] {
        let head = #"{"format": "products:1.0", "products": {}, "padding": ["#
        let count = (documentSize - head.utf8.count) / (element.utf8.count + 1)
        var bytes = Array(head.utf8)
        bytes.reserveCapacity(documentSize + 16)
        for index in 0..<count {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: element.utf8)
        }
        bytes.append(contentsOf: "]}".utf8)
        return bytes
    }

    /// The peak resident set of querying the document `bytes`, in bytes.
    static func peakMemory(querying bytes: [UInt8], in directory: TemporaryDirectory) async throws -> Int {
        let name = "streams/v1/document-\(bytes.count).json"
        try FileManager.default.createDirectory(
            atPath: directory.appending("streams/v1"), withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: directory.appending(name)))
        let report = directory.appending("time-\(bytes.count)")
        let result = try await CommandRunner.run(
            "/usr/bin/time",
            [
                "-o", report, "-f", "%M", try CommandRunner.maasImages(), "streams", "query", "--no-verify", "-q",
                directory.appending(name),
            ])
        #expect(result.status == 0, "\(result.errorText)")
        let text = try String(contentsOfFile: report, encoding: .utf8)
        let kibibytes = try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(text)")
        return kibibytes * 1024
    }

    @Test(
        "A document of many empty objects, small objects or zeros peaks at a bounded multiple of its size",
        arguments: [("{}", 12.0), ("{\"a\":{}}", 15.0), ("0", 15.0)])
    func boundedPeak(element: String, factor: Double) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"))
        let directory = try TemporaryDirectory(prefix: "maas-images-memory")
        defer { directory.remove() }
        let baseline = try await Self.peakMemory(
            querying: Array(#"{"format": "products:1.0", "products": {}}"#.utf8), in: directory)
        let document = Self.document(repeating: element)
        let peak = try await Self.peakMemory(querying: document, in: directory)
        let measured = Double(peak - baseline) / Double(document.count)
        // Before: 17.5 times for {} and 0, 20.5 for {"a":{}}; now about 9.3, 13 and 12.7 (the document's bytes included).
        #expect(measured <= factor, "peak \(peak) bytes, baseline \(baseline), \(measured) times the document")
    }
}
