// snippet.hide
import SignedStreams
import SimpleStreams
import Verification

let root = CommandLine.arguments.dropFirst().first ?? "/srv/maas-mirror"
// snippet.show
// Read a mirror's index and every products document it lists, verifying each against the MAAS keyring (nothing is
// parsed that gpg did not verify first), and keep the latest noble squashfs of each product.
let reader = StreamReader(
    source: try LocalStreamSource(root),
    policy: .verify(keyring: try Keyring(contentsOf: Keyring.maasDefaultPath)))
let query = try StreamQuery(filters: ["release=noble", "ftype=squashfs"], maximumVersions: 1)
let result = try await reader.query(query)
for document in result.products {
    print(document.path, "signed by", document.signature?.primaryKeyFingerprint ?? "-")
}
for item in result.items { print(item.productName, item.versionName, item.path ?? "") }
