// snippet.hide
import ImageContents
import SquashFS

let path = CommandLine.arguments.dropFirst().first ?? "squashfs"
// snippet.show
// The packages of an Ubuntu root image, as `dpkg-query --show` lists them, then its seeded snaps.
let image = try SquashFSImage(path: path)
do {
    let manifest = try PackageManifest(of: image)
    for entry in manifest.entries {
        print(entry.name, entry.version)
    }
} catch {
    guard error.code == .notFound else { throw error }
    print("\(path) has no dpkg database: not a Debian or Ubuntu root image")
}
