// snippet.hide
import ImageContents
import SquashFS

let arguments = Array(CommandLine.arguments.dropFirst())
let path = arguments.first ?? "squashfs"
let publishedText = arguments.count > 1 ? arguments[1] : "bash\t5.2.21-2ubuntu4\n"
// snippet.show
// Compare what the image holds with the published squashfs.manifest, within tighter limits than the defaults.
var options = PackageManifest.Options()
options.maximumFileSize = 16 << 20
let manifest = try PackageManifest(of: try SquashFSImage(path: path), options: options)
let published = try PackageManifest(parsing: publishedText)
let difference = manifest.difference(from: published)
for entry in difference.added { print("+ \(entry.line)") }
for entry in difference.removed { print("- \(entry.line)") }
for change in difference.changed { print("~ \(change.name) \(change.oldVersion) -> \(change.newVersion)") }
