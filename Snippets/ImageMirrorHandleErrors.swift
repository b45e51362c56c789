// snippet.hide
import ImageMirror
import SignedStreams
import Verification

let keyring = try Keyring(contentsOf: Keyring.maasDefaultPath)
// snippet.show
// Preview a run (--dry-run), telling an unreachable server from metadata that does not verify.
try await HTTPTransport.withTransport(HTTPSettings()) { transport in
    let source = try HTTPStreamSource("https://images.maas.io/ephemeral-v3/stable/", transport: transport)
    let mirror = StreamMirror(source: source, destination: "/srv/maas-mirror", policy: .verify(keyring: keyring))
    do {
        let plan = try await mirror.plan()
        print("\(plan.downloads.count) files to download (\(plan.bytesToDownload) bytes)")
        print("\(plan.removals.count) files to remove")
    } catch let error as ImageMirrorError where error.code == .transport {
        print("the server failed (HTTP \(error.httpStatus.map(String.init) ?? "-")): \(error.message)")
    } catch let error as ImageMirrorError where error.code == .metadata {
        print("the metadata did not verify; nothing would be downloaded: \(error.message)")
    }
}
