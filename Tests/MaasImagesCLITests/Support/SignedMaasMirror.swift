import Foundation
import Testing

/// A mirror made from the real MAAS stream documents (July 2025) and their real index, signed (clearsigned `.sjson`
/// and detached `.json.gpg`) with a key made for the suite by the real gpg. `other.sjson` is a document signed by
/// another key, whose public key is `other.asc`.
final class SignedMaasMirror: Sendable {
    let directory: TemporaryDirectory
    let maasImages: String
    let fingerprint: String
    /// The mirror root.
    var root: String { directory.appending("mirror") }
    /// The keyring holding the signer's public key.
    var keyring: String { directory.appending("keyring.gpg") }

    /// `$1` is the scratch directory, `$2` the directory of the MAAS fixtures.
    static let script = #"""
        set -e
        cd "$1"
        H="$1/home"
        mkdir -m 700 "$H"
        g() { gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
        g --quick-gen-key 'Stream Signer <streams@example.org>' ed25519 sign 1y
        g --quick-gen-key 'Someone Else <else@example.org>' ed25519 sign 1y
        F=$(g --with-colons --list-keys streams@example.org | awk -F: '/^fpr/ { print $10; exit }')
        E=$(g --with-colons --list-keys else@example.org | awk -F: '/^fpr/ { print $10; exit }')
        V=mirror/streams/v1
        mkdir -p "$V"
        cp "$2/simplestreams_index.json" "$V/index.json"
        cp "$2/simplestreams_ubuntu.json" "$V/com.ubuntu.maas:stable:v3:download.json"
        cp "$2/simplestreams_centos.json" "$V/com.ubuntu.maas:stable:centos-bases-download.json"
        cp "$2/simplestreams_bootloaders.json" "$V/com.ubuntu.maas:stable:1:bootloader-download.json"
        python3 - "$V" <<'PY'
        import json, sys
        v = sys.argv[1]
        index = json.load(open(v + "/index.json"))
        for entry in index["index"].values():
            entry["path"] = entry["path"][:-len(".json")] + ".sjson"
        open(v + "/index-signed.json", "w").write(json.dumps(index, indent=1))
        PY
        for f in "$V"/com.*.json; do
            g -u "$F!" --clearsign -o "${f%.json}.sjson" "$f"
            g -u "$F!" --armor --detach-sign -o "$f.gpg" "$f"
        done
        g -u "$F!" --clearsign -o "$V/index.sjson" "$V/index-signed.json"
        rm "$V/index-signed.json"
        g -u "$E!" --clearsign -o other.sjson "$V/com.ubuntu.maas:stable:centos-bases-download.json"
        g --export "$F" > keyring.gpg
        g --armor --export "$E" > other.asc
        echo "$F" > fingerprint
        gpgconf --homedir "$H" --kill all
        rm -rf "$H"
        """#

    init() async throws {
        directory = try TemporaryDirectory(prefix: "maas-images-mirror")
        do {
            maasImages = try CommandRunner.maasImages()
            try await CommandRunner.run(
                "/bin/sh", ["-c", Self.script, "sh", directory.path, Self.maasFixtures], check: true)
            fingerprint = try String(contentsOfFile: directory.appending("fingerprint"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            directory.remove()
            throw error
        }
    }

    static var maasFixtures: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("SimpleStreamsTests/Fixtures/maas").path
    }

    /// Copies the mirror to a new directory, for tests that alter it.
    func copy(_ name: String) async throws -> String {
        let copy = directory.appending(name)
        try await CommandRunner.run("/bin/cp", ["-a", root, copy], check: true)
        return copy
    }

    deinit { directory.remove() }
}
