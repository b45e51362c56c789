// snippet.hide
import ImageContents
import SquashFS

let path = CommandLine.arguments.dropFirst().first ?? "squashfs"
// snippet.show
// The snaps a classic Ubuntu image seeds (var/lib/snapd/seed/seed.yaml), if any.
let image = try SquashFSImage(path: path)
if let seed = try SnapSeed(of: image) {
    for snap in seed.snaps {
        print(snap.name, snap.channel, snap.revision, snap.isClassic ? "classic" : "")
    }
} else {
    print("no seeded snaps")
}
