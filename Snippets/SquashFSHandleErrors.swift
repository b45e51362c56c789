// snippet.hide
import SquashFS

let image = try SquashFSImage(path: CommandLine.arguments.dropFirst().first ?? "squashfs")
// snippet.show
// Every failure is a SquashFSError: switch on its code; its message names the path or offset.
do {
    let hostname = try image.contentsOfFile(at: "/etc/hostname", maximumSize: 4096)
    print(String(decoding: hostname, as: UTF8.self))
} catch let error as SquashFSError where error.code == .notFound {
    print("no /etc/hostname in this image")
} catch let error as SquashFSError {
    print("\(error.code): \(error.message)")
}
