// snippet.hide
import SquashFS

// snippet.show
// Every failure is a SquashFSError (typed throws): switch on its code; its message names the path or offset.
func printHostname(of image: SquashFSImage) {
    do {
        let hostname = try image.contentsOfFile(at: "/etc/hostname", maximumSize: 4096)
        print(String(decoding: hostname, as: UTF8.self))
    } catch {
        switch error.code {
        case .notFound: print("no /etc/hostname in this image")
        default: print("\(error.code): \(error.message)")
        }
    }
}
// snippet.hide

let image = try SquashFSImage(path: CommandLine.arguments.dropFirst().first ?? "squashfs")
printHostname(of: image)
