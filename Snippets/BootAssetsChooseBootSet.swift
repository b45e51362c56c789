// snippet.hide
import BootAssets
import Foundation
import SimpleStreams

let path = CommandLine.arguments.dropFirst().first ?? "com.ubuntu.maas:stable:v3:download.json"
// snippet.show
// Build the catalogue from products documents (here one read from a file), choose what a UEFI amd64 machine boots,
// and print each file with the path MAAS 3.6 serves it under.
let document = try ProductsDocument(parsing: try Data(contentsOf: URL(fileURLWithPath: path)))
let catalogue = BootResourceCatalogue([document])
do {
    let set = try catalogue.bootSet(for: BootSetRequest(release: "noble", arch: "amd64", firmware: .uefi))
    let paths = ServingPaths(catalogue.resources)
    for image in set.servedImages(paths, layout: try ServingLayout(maasVersion: "3.6")) {
        print(image.file.fileType, image.path)
    }
    for file in set.bootloader?.files ?? [] { print(file.servingPath, "from", file.archive.itemName) }
} catch {
    print(error.code, error.message)  // no-such-image names the missing resource, version or file type
}
