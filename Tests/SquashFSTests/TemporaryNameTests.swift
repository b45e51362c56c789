import Foundation
import Glibc
import SquashFS
import Testing

/// Issue 17, defect 8: the extractor's temporary names must not be predictable from the image. An image that holds
/// files named as the temporaries of the extracting process used to be (`.maas-images-PID-ENTRY`) still extracts
/// byte for byte.
@Suite("Extraction temporary names")
struct TemporaryNameTests {
    @Test("Files named like the old pid-based temporaries extract with their own content")
    func predictableNamesInTheImage() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory.appending("source")
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            var expected: [String: Data] = [:]
            for entry in 0..<24 {
                let name = ".maas-images-\(getpid())-\(entry)"
                let content = Data("file \(entry) of the image, named like a temporary\n".utf8)
                try content.write(to: URL(fileURLWithPath: source + "/" + name))
                expected[name] = content
            }
            for index in 0..<8 {
                let name = "plain-\(index)"
                let content = Data(repeating: UInt8(index), count: 5000 + index)
                try content.write(to: URL(fileURLWithPath: source + "/" + name))
                expected[name] = content
            }
            let path = directory.appending("image.sqfs")
            try await ImageBuilder.mksquashfs(source, path, ["-b", "4K"])
            let output = directory.appending("out")
            _ = try await SquashFSImage(path: path).extract(to: output)
            let names = try FileManager.default.contentsOfDirectory(atPath: output)
            #expect(Set(names) == Set(expected.keys))
            for (name, content) in expected {
                #expect(FileManager.default.contents(atPath: output + "/" + name) == content, "\(name)")
            }
        }
    }
}
