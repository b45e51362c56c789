import Foundation
import TestSupport
import Testing

/// Keys, keyrings and signed documents made once per suite with the real `gpg` in a scratch home, and a runner for
/// `gpgv`, the oracle every verdict is compared with.
final class OpenPGPFixture: Sendable {
    /// The fixture of the running suite.
    @TaskLocal static var current: OpenPGPFixture?

    /// The scratch directory; everything the fixture makes is in it.
    let directory: String
    /// Primary fingerprints: Alice (with a signing subkey), Bob, Old (expired), Ancient (for an expired signature),
    /// Revoked.
    let alice: String
    let aliceSubkey: String
    let bob: String
    let old: String
    let ancient: String
    let revoked: String

    /// The script that makes everything; `$1` is the scratch directory. Ed25519 keys keep it to about a second.
    static let script = #"""
        set -e
        cd "$1"
        H="$1/home"
        mkdir -m 700 "$H"
        g() { gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
        fpr() { g --with-colons --list-keys "$1" | awk -F: '/^fpr/ { print $10; exit }'; }
        g --quick-gen-key 'Alice <alice@example.org>' ed25519 sign 1y
        A=$(fpr alice@example.org)
        g --quick-add-key "$A" ed25519 sign 1y
        AS=$(g --with-colons --list-keys "$A" | awk -F: '/^fpr/ { n++; if (n == 2) { print $10; exit } }')
        g --quick-gen-key 'Bob <bob@example.org>' ed25519 sign 1y
        B=$(fpr bob@example.org)
        g --faked-system-time 20200101T000000! --quick-gen-key 'Old <old@example.org>' ed25519 sign 1y 2>/dev/null
        O=$(fpr old@example.org)
        g --faked-system-time 20200101T000000! --quick-gen-key 'Ancient <ancient@example.org>' ed25519 sign never \
            2>/dev/null
        N=$(fpr ancient@example.org)
        g --quick-gen-key 'Revoked <revoked@example.org>' ed25519 sign 1y
        R=$(fpr revoked@example.org)
        printf '{"format": "products:1.0",\n- a line that starts with a dash\n-----BEGIN PGP SIGNATURE----- in the body\ntrailing spaces   \n\tindented\n"end": true}\n' > payload.txt
        g -u "$A!" --clearsign -o good.sjson payload.txt
        g -u "$AS!" --clearsign -o subkey.sjson payload.txt
        g -u "$A!" -u "$B!" --clearsign -o two.sjson payload.txt
        g -u "$B!" --clearsign -o bob.sjson payload.txt
        g --faked-system-time 20200201T000000! -u "$O!" --clearsign -o expired-key.sjson payload.txt 2>/dev/null
        g --faked-system-time 20200201T000000! --default-sig-expire 1d -u "$N!" --clearsign -o expired-sig.sjson \
            payload.txt 2>/dev/null
        g -u "$R!" --clearsign -o revoked.sjson payload.txt
        head -c 3000017 /dev/urandom > data.bin
        g -u "$A!" --detach-sign -o data.bin.gpg data.bin
        g -u "$A!" --armor --detach-sign -o data.bin.asc data.bin
        g -u "$AS!" --detach-sign -o data.bin.subkey.gpg data.bin
        g -u "$B!" --detach-sign -o data.bin.bob.gpg data.bin
        g -u "$R!" --detach-sign -o data.bin.revoked.gpg data.bin
        sed 's/^:-----BEGIN/-----BEGIN/' "$H/openpgp-revocs.d/$R.rev" > revocation.asc
        g --import revocation.asc 2>/dev/null
        g --export "$A" > alice.gpg
        g --armor --export "$A" > alice.asc
        g --export "$A" "$B" > alice-bob.gpg
        g --armor --export "$A" "$B" > alice-bob.asc
        g --export "$B" > bob.gpg
        g --export "$O" > old.gpg
        g --export "$N" > ancient.gpg
        g --export "$R" > revoked.gpg
        : > empty.gpg
        echo "$A $AS $B $O $N $R" > fingerprints
        gpgconf --homedir "$H" --kill all
        rm -rf "$H"
        """#

    init() async throws {
        directory = try ScratchDirectory.makeTemporaryDirectory(prefix: "openpgp-tests")
        do {
            try await Tool.run("/bin/sh", ["-c", Self.script, "sh", directory], check: true)
            let names = try String(contentsOfFile: directory + "/fingerprints", encoding: .utf8)
                .split(whereSeparator: \.isWhitespace).map(String.init)
            guard names.count == 6 else { throw ToolFailure(description: "fixture fingerprints: \(names)") }
            (alice, aliceSubkey, bob, old, ancient, revoked) = (
                names[0], names[1], names[2], names[3], names[4], names[5]
            )
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// The fixture of the running suite; fails the test if the suite has no ``OpenPGPFixtureTrait``.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> OpenPGPFixture {
        try #require(current, "the suite needs the .openPGPFixture trait", sourceLocation: sourceLocation)
    }

    /// The path of a generated file.
    func path(_ name: String) -> String { directory + "/" + name }

    /// The bytes of a generated file.
    func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Writes a new file into the scratch directory (a unique name) and returns its path.
    func write(_ bytes: [UInt8], name: String) throws -> String {
        let file = path("\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// The path of a checked-in fixture file (Fixtures/).
    static func resource(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return url.path
    }
}

/// A suite trait that builds the ``OpenPGPFixture`` before the suite and removes it after.
struct OpenPGPFixtureTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try await OpenPGPFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        try await OpenPGPFixture.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == OpenPGPFixtureTrait {
    /// Gives the suite an ``OpenPGPFixture``.
    static var openPGPFixture: Self { OpenPGPFixtureTrait() }
}

/// What `gpgv --status-fd 1` said about a document: the oracle.
struct GpgvVerdict: Sendable, CustomStringConvertible {
    /// gpgv's exit status.
    var status: Int32
    /// The status keywords it printed (`GOODSIG`, `BADSIG`, `ERRSIG`, `EXPKEYSIG`, `REVKEYSIG`, `EXPSIG`, ...).
    var keywords: [String]
    /// The primary fingerprints of `VALIDSIG` lines that follow a `GOODSIG` (good signatures).
    var goodPrimaryFingerprints: [String]
    /// The key ids of `ERRSIG` lines with reason 9 (no public key).
    var missingKeyIDs: [String]
    /// The payload gpgv wrote with `--output` (clearsigned documents, when it wrote one).
    var payload: [UInt8]?

    var description: String { "gpgv exit \(status), \(keywords)" }

    /// Whether the policy of ``SignatureVerifier`` accepts what gpgv saw: a GOODSIG (gpgv's GOODSIG already means a
    /// key of the keyring, neither expired nor revoked; EXPKEYSIG alone exits 0 too, so the status is not enough), and
    /// either exit status 0 or exit status 2 caused only by other signatures whose keys are missing (gpgv exits 2
    /// when any signature cannot be checked; the policy needs one good signature by a key of the keyring).
    var policyAccepts: Bool {
        guard !goodPrimaryFingerprints.isEmpty else { return false }
        if status == 0 { return true }
        let problems: Set = ["BADSIG", "EXPKEYSIG", "REVKEYSIG", "EXPSIG", "ERROR", "NODATA", "FAILURE"]
        return status == 2 && keywords.contains("NO_PUBKEY") && problems.isDisjoint(with: keywords)
    }

    /// Runs `gpgv --status-fd 1 --keyring KEYRING [--output OUT] FILE [DATA]`; the keyring must be binary.
    static func check(keyring: String, file: String, data: String? = nil, scratch: String) async throws -> GpgvVerdict {
        let output = scratch + "/gpgv-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var arguments = ["--status-fd", "1", "--keyring", keyring]
        if data == nil { arguments += ["--output", output] }
        arguments.append(file)
        if let data { arguments.append(data) }
        let result = try await Tool.run("gpgv", arguments)
        var verdict = GpgvVerdict(
            status: result.status, keywords: [], goodPrimaryFingerprints: [], missingKeyIDs: [], payload: nil)
        var lastWasGood = false
        for line in result.outputText.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 2, fields[0] == "[GNUPG:]" else { continue }
            let keyword = fields[1]
            verdict.keywords.append(keyword)
            switch keyword {
            case "GOODSIG": lastWasGood = true
            case "VALIDSIG":
                if lastWasGood, let primary = fields.last { verdict.goodPrimaryFingerprints.append(primary) }
                lastWasGood = false
            case "ERRSIG":
                if fields.count >= 9, fields[8] == "9" { verdict.missingKeyIDs.append(fields[2]) }
            case "NEWSIG": lastWasGood = false
            default: break
            }
        }
        if let data = FileManager.default.contents(atPath: output), data.count > 0 { verdict.payload = Array(data) }
        return verdict
    }
}
