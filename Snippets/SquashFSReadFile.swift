// snippet.hide
import SquashFS

let imagePath = CommandLine.arguments.dropFirst().first ?? "squashfs"
// snippet.show
// Open an image (a file, a block device, or an image at `options.offset` inside a larger file) and read a file:
// symbolic links are resolved inside the image, so `/etc/os-release -> ../usr/lib/os-release` reads correctly.
let image = try SquashFSImage(path: imagePath)
let osRelease = try image.contentsOfFile(at: "/etc/os-release")
print(String(decoding: osRelease, as: UTF8.self))
