import Foundation
import SimpleStreams
import Testing

/// The checked-in fixtures of SimpleStreamsTests (`Tests/SimpleStreamsTests/Fixtures`), found next to these sources.
enum Fixture {
    /// The fixtures directory.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SimpleStreamsTests/Fixtures")

    /// The path of a fixture file.
    static func path(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try #require(FileManager.default.fileExists(atPath: path), "no fixture \(name)")
        return path
    }

    /// The bytes of a fixture file.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }
}
