// snippet.hide
import Foundation
import SimpleStreams

let path = CommandLine.arguments.dropFirst().first ?? "com.ubuntu.maas:stable:v3:download.json"
// snippet.show
// See the products as MAAS does: parsed ids, split lists, dates; products whose ids MAAS would not accept are
// reported, not dropped.
let document = try ProductsDocument(parsing: try Data(contentsOf: URL(fileURLWithPath: path)))
let maas = try document.maasProducts()
for product in maas.products {
    let latest = product.versionsNewestFirst.first?.name ?? "-"
    print(product.id, product.subarchList, product.supportEOLDate.map { "\($0)" } ?? "no EOL", latest)
}
for refused in maas.refused { print("refused", refused.name, refused.reason) }
