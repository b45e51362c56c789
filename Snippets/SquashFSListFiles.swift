// snippet.hide
import SquashFS

let image = try SquashFSImage(path: CommandLine.arguments.dropFirst().first ?? "squashfs")
// snippet.show
// List one directory, then walk the whole tree depth first, in the order `unsquashfs -lls` prints.
for entry in try image.contentsOfDirectory(at: "/etc") {
    print(entry.kind, entry.nameString ?? "(not UTF-8)")
}
var walker = try image.walk()
while let entry = try walker.next() {
    print(entry.inode.modeString, entry.inode.uid, entry.inode.gid, entry.inode.size, entry.path)
}
