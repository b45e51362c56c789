// snippet.hide
import ImageMirror
import SignedStreams
import Verification

let destination = CommandLine.arguments.dropFirst().first ?? "/srv/maas-mirror"
// snippet.show
// Mirror the newest Ubuntu noble amd64 images of images.maas.io, verified against the MAAS keyring.
let summary = try await HTTPTransport.withTransport(HTTPSettings()) { transport in
    let source = try HTTPStreamSource("https://images.maas.io/ephemeral-v3/stable/", transport: transport)
    let mirror = StreamMirror(
        source: source, destination: destination,
        policy: .verify(keyring: try Keyring(contentsOf: Keyring.maasDefaultPath)),
        options: MirrorOptions(
            selections: [BootSelection(os: "ubuntu", release: "noble", arches: ["amd64"])], maximumVersions: 1))
    return try await mirror.run()
}
print("\(summary.downloaded.count) downloaded, \(summary.linked.count) linked, \(summary.pruned.count) removed")
for failure in summary.failures {
    print("failed:", failure)  // the URL, the reason, the expected and actual digests
}
