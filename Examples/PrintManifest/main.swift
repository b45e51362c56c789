// print-manifest: the Debian packages installed in a squashfs root image, read natively (no mount, no
// unsquashfs), the way another Swift tool would use the SquashFS and ImageContents libraries.
//
//     swift run print-manifest Examples/sample-mirror/noble/amd64/20251201/squashfs [PUBLISHED-MANIFEST]

import Foundation
import ImageContents
import SquashFS

let arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first else {
    print("usage: print-manifest SQUASHFS [PUBLISHED-MANIFEST]")
    exit(2)
}

do {
    let image = try SquashFSImage(path: path)
    print("\(path): squashfs \(image.superblock.compressor), \(image.superblock.inodeCount) inodes")
    let osRelease = String(decoding: try image.contentsOfFile(at: "/etc/os-release"), as: UTF8.self)
    if let pretty = osRelease.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
        print(pretty.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }
    // /var/lib/dpkg/status (and the snaps in /var/lib/snapd/seed), as `dpkg-query --show` would list them.
    let manifest = try PackageManifest(of: image)
    print(manifest.text, terminator: "")
    if arguments.count > 1 {
        let published = try PackageManifest(parsing: String(contentsOfFile: arguments[1], encoding: .utf8))
        let difference = manifest.difference(from: published)
        print(difference.isEmpty ? "matches \(arguments[1])" : "differs from \(arguments[1]):")
        for entry in difference.added { print("  + \(entry.line)") }
        for entry in difference.removed { print("  - \(entry.line)") }
        for change in difference.changed {
            print("  ~ \(change.name) \(change.newVersion) (published: \(change.oldVersion))")
        }
    }
} catch {
    print("error: \(error)")
    exit(1)
}
