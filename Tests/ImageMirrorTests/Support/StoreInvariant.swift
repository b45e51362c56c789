import Foundation
import ImageMirror
import SignedStreams
import SimpleStreams
import TestSupport
import Verification

/// The store's invariant, checked after every mirror run of the tests: every file the published metadata names
/// (that the mirror selected) exists in the destination as a regular file with its signed size and digest, the
/// digest computed by coreutils (`sha256sum`, `sha512sum`, `md5sum`), and paths compared as bytes.
enum StoreInvariant {
    /// The problems found under `destination`, whose published metadata must verify with `keyring`; `required` lists
    /// the paths a filtered mirror holds (every named path when `nil`). Files the metadata names but a filtered
    /// mirror did not select may be absent; if present they must be right. A mirror that published nothing has no
    /// problems.
    static func problems(destination: String, keyring: String, required: Set<[UInt8]>?) async throws -> [String] {
        let index = destination + "/streams/v1/index.sjson"
        guard FileManager.default.fileExists(atPath: index) else { return [] }
        let reader = StreamReader(
            source: try LocalStreamSource(destination), policy: .verify(keyring: try Keyring(contentsOf: keyring)))
        let result = try await reader.query(StreamQuery())
        var problems: [String] = []
        var toHash: [String: [(path: String, expected: String)]] = [:]
        for item in result.items {
            guard let path = item.path else { continue }
            let full = destination + "/" + path
            let isRequired = required.map { $0.contains(Array(path.utf8)) } ?? true
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full) else {
                if isRequired { problems.append("\(path): missing") }
                continue
            }
            guard attributes[.type] as? FileAttributeType == .typeRegular else {
                problems.append("\(path): not a regular file (\(attributes[.type] ?? "?"))")
                continue
            }
            if let size = item.size, (attributes[.size] as? NSNumber)?.int64Value != size {
                problems.append("\(path): \(attributes[.size] ?? "?") bytes, \(size) signed")
            }
            guard let algorithm = ["sha512", "sha256", "md5"].first(where: { item.pythonString($0) != nil }),
                let expected = item.pythonString(algorithm)
            else {
                problems.append("\(path): the published metadata states no digest")
                continue
            }
            toHash[algorithm, default: []].append((full, expected.lowercased()))
        }
        for (algorithm, files) in toHash {
            let output = try await Tool.run(algorithm + "sum", ["-z", "--"] + files.map(\.path), check: true)
            let lines = output.standardOutput.split(separator: 0)
            for (file, line) in zip(files, lines) {
                let actual = String(decoding: line.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if actual != file.expected {
                    problems.append("\(file.path): \(algorithm)sum gives \(actual), signed \(file.expected)")
                }
            }
            if lines.count != files.count {
                problems.append("\(algorithm)sum printed \(lines.count) of \(files.count) lines")
            }
        }
        return problems
    }
}
