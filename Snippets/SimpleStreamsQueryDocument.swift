// snippet.hide
import Foundation
import SimpleStreams

let path = CommandLine.arguments.dropFirst().first ?? "com.ubuntu.maas:stable:v3:download.json"
// snippet.show
// Parse a products document and select items as `sstream-query --max 1 arch=amd64 ftype=squashfs` does: every item
// carries what it inherits from its version, its product and the document.
let document = try ProductsDocument(parsing: try Data(contentsOf: URL(fileURLWithPath: path)))
let query = try StreamQuery(filters: ["arch=amd64", "ftype=squashfs"], maximumVersions: 1)
for item in try query.run(on: document) {
    print(item.productName, item.versionName, item.path ?? "", item.sha256 ?? "")
}
