// list-latest-images: the latest version of every product in a signed simplestreams mirror, the way another Swift
// tool would use the SimpleStreams and SignedStreams libraries.
//
//     swift run list-latest-images Examples/sample-mirror Examples/sample-mirror/keyring.gpg [FILTER...]

import Foundation  // exit
import SignedStreams
import SimpleStreams
import Verification

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    print("usage: list-latest-images MIRROR KEYRING [FILTER...]  (filters such as arch=amd64 or release~^no)")
    exit(2)
}

do {
    // Every document is read through the keyring: nothing is parsed that gpg did not verify first.
    let reader = StreamReader(
        source: try LocalStreamSource(arguments[0]),
        policy: .verify(keyring: try Keyring(contentsOf: arguments[1])))
    // One version per product (the latest), of the items the filters keep, exactly as `sstream-query --max 1`.
    let result = try await reader.query(StreamQuery(filters: Array(arguments.dropFirst(2)), maximumVersions: 1))
    for document in result.products {
        print("\(document.path): signed by \(document.signature?.primaryKeyFingerprint ?? "nobody")")
    }
    var latest: [String: String] = [:]
    for item in result.items { latest[item.productName] = item.versionName }
    for (product, version) in latest.sorted(by: { $0.key < $1.key }) {
        let files = result.items.filter { $0.productName == product }.map(\.itemName).sorted()
        print("\(product)  \(version)  \(files.joined(separator: ", "))")
    }
} catch {
    print("error: \(error)")
    exit(1)
}
