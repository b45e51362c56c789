import Foundation
import Glibc
import Testing

/// `maas-images verify signature`, on a key and documents made with the real gpg for the suite and checked with gpgv.
@Suite("verify signature")
struct VerifySignatureCommandTests {
    /// A key (binary and armored keyrings), a clearsigned document, a detached signature, made for each test (an
    /// ed25519 key takes a few milliseconds).
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let fingerprint: String
        let maasImages: String

        static let script = #"""
            set -e
            cd "$1"
            H="$1/home"
            mkdir -m 700 "$H"
            g() { gpg --homedir "$H" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
            g --quick-gen-key 'Carol <carol@example.org>' ed25519 sign 1y
            F=$(g --with-colons --list-keys carol@example.org | awk -F: '/^fpr/ { print $10; exit }')
            printf '{"index": {}}\n- dashed\n' > payload.json
            g -u "$F!" --clearsign -o index.sjson payload.json
            g -u "$F!" --detach-sign -o payload.json.gpg payload.json
            sed 's/index/iNdex/' index.sjson > tampered.sjson
            g --export "$F" > keyring.gpg
            g --armor --export "$F" > keyring.asc
            echo "$F" > fingerprint
            gpgconf --homedir "$H" --kill all
            rm -rf "$H"
            """#

        init() async throws {
            directory = try TemporaryDirectory(prefix: "maas-images-verify")
            do {
                maasImages = try CommandRunner.maasImages()
                try await CommandRunner.run("/bin/sh", ["-c", Self.script, "sh", directory.path], check: true)
                fingerprint = try String(contentsOfFile: directory.appending("fingerprint"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                directory.remove()
                throw error
            }
        }

        func run(_ arguments: [String]) async throws -> CommandResult {
            try await CommandRunner.run(maasImages, ["verify", "signature"] + arguments)
        }

        deinit { directory.remove() }
    }

    let fixture: Fixture

    init() async throws {
        fixture = try await Fixture()
    }

    @Test("a good clearsigned document: exit 0, the fingerprint, and --output holds gpgv's payload")
    func goodClearsigned() async throws {
        let directory = fixture.directory
        for keyring in ["keyring.gpg", "keyring.asc"] {
            let output = directory.appending("out-\(keyring).json")
            let result = try await fixture.run([
                directory.appending("index.sjson"), "--keyring", directory.appending(keyring), "--output", output,
            ])
            #expect(result.status == 0, "\(result.errorText)")
            #expect(result.outputText.contains(fixture.fingerprint), "\(result.outputText)")
            #expect(result.errorText.isEmpty)
            let expected = directory.appending("gpgv-\(keyring).json")
            try await CommandRunner.run(
                "gpgv",
                [
                    "--keyring", directory.appending("keyring.gpg"), "--output", expected,
                    directory.appending("index.sjson"),
                ],
                check: true)
            let written = try #require(FileManager.default.contents(atPath: output))
            #expect(written == FileManager.default.contents(atPath: expected))
            #expect(String(decoding: written, as: UTF8.self).contains("\n- dashed\n"))
        }
    }

    @Test("a good detached signature: exit 0 and the fingerprint")
    func goodDetached() async throws {
        let directory = fixture.directory
        let result = try await fixture.run([
            directory.appending("payload.json"), "--keyring", directory.appending("keyring.asc"), "--signature",
            directory.appending("payload.json.gpg"),
        ])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.outputText.contains(fixture.fingerprint))
    }

    @Test("a tampered document: error on stderr, exit 1, nothing written")
    func tampered() async throws {
        let directory = fixture.directory
        let output = directory.appending("tampered-out.json")
        let result = try await fixture.run([
            directory.appending("tampered.sjson"), "--keyring", directory.appending("keyring.gpg"), "--output", output,
        ])
        #expect(!result.crashed)
        #expect(result.status == 1)
        #expect(result.errorText.hasPrefix("error: "), "\(result.errorText)")
        #expect(result.errorText.contains("BAD signature"), "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: output))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".tampered-out")
        }
        #expect(leftovers.isEmpty)
    }

    @Test("failures name their cause", arguments: ["missing-keyring", "unsigned", "output-with-signature"])
    func failures(_ name: String) async throws {
        let directory = fixture.directory
        let arguments: [String]
        let mentions: String
        switch name {
        case "missing-keyring":
            arguments = [directory.appending("index.sjson"), "--keyring", directory.appending("nope.gpg")]
            mentions = "nope.gpg"
        case "unsigned":
            arguments = [directory.appending("payload.json"), "--keyring", directory.appending("keyring.gpg")]
            mentions = "not clearsigned"
        default:
            arguments = [
                directory.appending("payload.json"), "--keyring", directory.appending("keyring.gpg"), "--signature",
                directory.appending("payload.json.gpg"), "--output", directory.appending("x"),
            ]
            mentions = "--output"
        }
        let result = try await fixture.run(arguments)
        #expect(!result.crashed)
        #expect(result.status != 0)
        #expect(result.errorText.contains("rror: "), "\(result.errorText)")
        #expect(result.errorText.contains(mentions), "\(result.errorText)")
        #expect(result.standardOutput.isEmpty)
    }

    /// Issue 16, defect 7: `verify signature /dev/zero`, `--keyring /dev/zero` and `--signature /dev/zero` read
    /// without end, and a FIFO blocked in `open()`. Each is now refused at once (the FIFO has no writer: opened for
    /// reading, it would block the command for ever), with an error naming the path and what it is.
    @Test("a device or a FIFO as the document, the keyring, the signature or the signed file is refused at once")
    func notRegularFiles() async throws {
        let directory = fixture.directory
        let fifo = directory.appending("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let keyring = directory.appending("keyring.gpg")
        let signature = directory.appending("payload.json.gpg")
        let payload = directory.appending("payload.json")
        for (path, kind) in [("/dev/zero", "a device"), (fifo, "a FIFO")] {
            let cases: [([String], String)] = [
                ([path, "--keyring", keyring], "read document \(path)"),
                ([directory.appending("index.sjson"), "--keyring", path], "read keyring \(path)"),
                ([payload, "--keyring", keyring, "--signature", path], "read signature \(path)"),
                ([path, "--keyring", keyring, "--signature", signature], "read \(path)"),
            ]
            for (arguments, subject) in cases {
                let result = try await fixture.run(arguments)
                #expect(result.status == 1 && !result.crashed, "\(arguments)")
                #expect(result.standardOutput.isEmpty)
                #expect(result.errorText.hasPrefix("error: cannot \(subject) ("), "\(arguments): \(result.errorText)")
                #expect(result.errorText.contains("it is \(kind)"), "\(arguments): \(result.errorText)")
            }
        }
    }
}
