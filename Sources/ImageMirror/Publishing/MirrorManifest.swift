internal import SimpleStreams
internal import Verification

/// The mirror's record of the payloads it owns (`.mirror/manifest.json`): what pruning may remove.
///
/// Before downloading, the record lists the old files and every file about to be fetched, so a run killed at any
/// point leaves no file the next run does not know about. After publication it lists exactly the files kept. Paths
/// read back are checked with `StreamPath`, so a damaged record cannot make pruning remove anything outside the
/// mirror.
struct MirrorManifest: Sendable, Equatable {
    /// The payload paths the mirror owns, with their signed size and SHA-256.
    var files: [String: (size: Int64, sha256: String)] = [:]

    static let relativePath = ".mirror/manifest.json"

    static func == (lhs: MirrorManifest, rhs: MirrorManifest) -> Bool {
        lhs.files.count == rhs.files.count
            && lhs.files.allSatisfy { path, entry in
                guard let other = rhs.files[path] else { return false }
                return other.size == entry.size && other.sha256 == entry.sha256
            }
    }

    /// Reads the record under `root`; a missing or unreadable one is empty.
    static func read(root: String) -> MirrorManifest {
        guard let bytes = FileSystem.readFile(root + "/" + relativePath, maximumSize: 256 << 20),
            case .object(let object)? = try? JSONValue(parsing: bytes),
            let files = object["files"]?.objectValue
        else { return MirrorManifest() }
        var manifest = MirrorManifest()
        for (path, value) in files {
            guard StreamPath.isSafe(path), let entry = value.objectValue, let size = entry["size"]?.integerValue,
                size >= 0, let sha256 = entry["sha256"]?.stringValue
            else { continue }
            manifest.files[path] = (size, sha256)
        }
        return manifest
    }

    /// Writes the record under `root` atomically.
    func write(root: String) throws(ImageMirrorError) {
        var files = JSONObject()
        for path in self.files.keys.sorted() {
            guard let entry = self.files[path] else { continue }
            files[path] = .object(["size": .integer(entry.size), "sha256": .string(entry.sha256)])
        }
        let object: JSONObject = ["format": "maas-images-mirror:1", "files": .object(files)]
        try FileSystem.writeAtomically(
            JSONValue.object(object).serialized(JSONWritingStyle(indent: 1, spacedSeparators: true)),
            to: root + "/" + Self.relativePath)
    }
}
