// snippet.hide
import ImageMirror
import SignedStreams
import Verification

let siteKeyring = try Keyring(contentsOf: "/etc/maas-mirror/site-mirror.gpg")
// snippet.show
// Audit a mirror offline (`streams verify`): its metadata's signatures, then every file it holds, changing nothing.
let audit = MirrorAudit(mirror: "/srv/maas-mirror", policy: .verify(keyring: siteKeyring), jobs: 2)
let report = try await audit.run()
for problem in report.problems {
    // "corrupt noble/amd64/20250301/squashfs: ...", "orphaned ...: kept until ..." (orphans do not fail the audit)
    print(problem)
}
print(report.ok ? "intact:" : "damaged:", report.filesChecked, "files,", report.bytesChecked, "bytes checked")
