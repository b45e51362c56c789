internal import SimpleStreams
internal import Verification

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// The mirror's record of the payloads it owns (`.mirror/manifest.json`): what pruning may remove, and the digest
/// each file was verified against when the mirror wrote it.
///
/// Before downloading, the record lists the old files and every file about to be fetched (not yet ``Entry/verified``),
/// so a run killed at any point leaves no file the next run does not know about. A file counts as in place only when
/// its entry is verified with the digest the new metadata signs; anything else is hashed again (or fetched). Paths
/// read back are checked with `StreamPath` and the mirror's reserved names, so a damaged record cannot make pruning
/// remove anything outside the payloads. Format 1 (version 0.1.0) records are read as unverified; format 2 (0.2.0)
/// records have no orphans.
struct MirrorManifest: Sendable, Equatable {
    /// What the mirror knows of one payload.
    struct Entry: Sendable, Equatable {
        /// The signed size.
        var size: Int64
        /// The signed digest (the strongest the item had).
        var digest: ContentDigest
        /// Whether the file on disk was verified against ``digest`` by the mirror (downloaded, linked from a verified
        /// file, or hashed); `false` for a file recorded before it was fetched.
        var verified: Bool
        /// Since when the published metadata no longer names the file (kept for the grace period of the
        /// ``PruningPolicy``); `nil` while it is named.
        var orphanedSince: Date? = nil
    }

    /// The payloads the mirror owns, by path (compared as bytes).
    var files: [BytewiseString: Entry] = [:]

    static let relativePath = ".mirror/manifest.json"
    static let format = "maas-images-mirror:3"
    /// The formats whose `verified` flags are trusted.
    static let verifiedFormats: Set<String> = ["maas-images-mirror:2", format]
    /// The largest record read back (about 400,000 payloads).
    static let maximumSize = 64 << 20

    /// Reads the record of `directory`; a missing or unreadable one is empty.
    static func read(_ directory: MirrorDirectory?) -> MirrorManifest {
        guard let bytes = directory?.readFile(relativePath, maximumSize: maximumSize),
            case .object(let object)? = try? JSONValue(parsing: bytes),
            let files = object["files"]?.objectValue
        else { return MirrorManifest() }
        let verifiedFormat = object["format"]?.stringValue.map(verifiedFormats.contains) ?? false
        var manifest = MirrorManifest()
        for (path, value) in files {
            guard StreamPath.isSafe(path), StreamMirror.reservedPathProblem(path) == nil,
                let entry = value.objectValue, let size = entry["size"]?.integerValue, size >= 0,
                let digest = DigestAlgorithm.allCases.lazy.compactMap({ algorithm in
                    entry[algorithm.rawValue]?.stringValue.flatMap { try? ContentDigest(algorithm, hex: $0) }
                }).first
            else { continue }
            let verified = verifiedFormat && entry["verified"] == .bool(true)
            let orphanedSince = entry["orphaned_since"]?.stringValue.flatMap(StreamDates.parseRFC3339)
            manifest.files[BytewiseString(path)] = Entry(
                size: size, digest: digest, verified: verified, orphanedSince: orphanedSince)
        }
        return manifest
    }

    /// Writes the record into `directory` atomically.
    func write(_ directory: MirrorDirectory) throws(ImageMirrorError) {
        var object = JSONObject()
        for key in files.keys.sorted() {
            guard let entry = files[key] else { continue }
            var fields: JSONObject = [
                "size": .integer(entry.size), entry.digest.algorithm.rawValue: .string(entry.digest.hex),
                "verified": .bool(entry.verified),
            ]
            if let since = entry.orphanedSince { fields["orphaned_since"] = .string(StreamDates.formatRFC3339(since)) }
            object[key.string] = .object(fields)
        }
        let document: JSONObject = ["format": .string(Self.format), "files": .object(object)]
        try directory.writeAtomically(
            JSONValue.object(document).serialized(JSONWritingStyle(indent: 1, spacedSeparators: true)),
            to: Self.relativePath)
    }
}
