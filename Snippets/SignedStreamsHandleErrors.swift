// snippet.hide
import SignedStreams
import SimpleStreams
import Verification

let root = CommandLine.arguments.dropFirst().first ?? "/srv/maas-mirror"
// snippet.show
// A document that does not verify is `.signature` (the VerificationError underneath says why), an unsigned one
// `.unsigned`, a replayed older one `.rollback`; a source that cannot be reached is `.transport`, never a signature
// failure.
let keyring = try Keyring.maasDefault()  // a VerificationError if the keyring cannot be read
do throws(SimpleStreamsError) {
    let reader = StreamReader(source: try LocalStreamSource(root), policy: .verify(keyring: keyring))
    _ = try await reader.readIndex()
} catch {
    switch error.code {
    case .signature: print("did not verify:", (error.underlyingError as? VerificationError)?.message ?? error.message)
    case .unsigned: print("not signed:", error.message)
    case .rollback: print("older than the last accepted:", error.message)
    case .transport, .cancelled, .notFound: print("could not read:", error)
    default: print(error.code, error)
    }
}
