// snippet.hide
import Verification

let directory = CommandLine.arguments.dropFirst().first ?? "/srv/maas-mirror"
// snippet.show
// Check downloaded files against the sizes and digests their signed metadata states, in parallel, on threads outside
// Swift's cooperative pool; the first mismatch cancels the rest and names the file.
let stated = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
let files = [
    FileToVerify(path: directory + "/empty", expected: try ExpectedContent(size: 0, sha256: stated))
]
do {
    for verified in try await ContentVerifier.verifyFiles(files) {
        print(verified.name, verified.size, verified.digests.map(\.description))
    }
} catch {
    print(error.code, error.message)  // size-mismatch, digest-mismatch, io, cancelled
}
// One digest, computed while the file is read in 256 KiB chunks.
print((try? ContentDigest.compute(.sha256, ofFileAtPath: directory + "/empty"))?.hex ?? "unreadable")
