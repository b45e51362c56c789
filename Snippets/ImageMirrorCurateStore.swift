// snippet.hide
import ImageMirror
import SignedStreams
import Verification

let siteKeyring = try Keyring(contentsOf: "/etc/maas-mirror/site-mirror.gpg")
// snippet.show
// Take a bad version out of a site-signed mirror (`streams remove`): the metadata is re-signed with the site's key,
// later mirror runs do not bring the version back, and its files are kept as orphans for the grace period.
let signer = try DocumentSigner(
    homeDirectory: "/etc/maas-mirror/gnupg", fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567")
let curation = MirrorCuration(mirror: "/srv/maas-mirror", signer: signer, policy: .verify(keyring: siteKeyring))
let bad = try ProductVersionID(parsing: "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04@20250401")
let summary = try await curation.remove([bad])
print("removed \(summary.removed.map(\.description)); \(summary.orphans.count) files kept as orphans")
