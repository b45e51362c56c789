import Foundation
import Glibc
import Testing
import Verification

/// Issue 16, defect 7: a keyring, a signature or a document given as `/dev/zero` was read without end, and a FIFO
/// blocked in `open()`. Every file named is now opened without blocking, anything but a regular file is refused at
/// once with an `io` error naming the path and what it is, and keyrings, signatures and documents are capped.
@Suite("Files named by the caller: regular files only, capped", .openPGPFixture)
struct UnboundedReadTests {
    /// A scratch directory with a FIFO that no one writes to, and `/dev/zero`, with what each of them is.
    struct NotRegular {
        let scratch: ChecksumScratch
        let cases: [(path: String, kind: String)]

        init() throws {
            scratch = try ChecksumScratch()
            let fifo = scratch.path + "/fifo"
            guard mkfifo(fifo, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
            cases = [("/dev/zero", "a device"), (fifo, "a FIFO"), (scratch.path, "a directory")]
        }

        /// A sparse regular file of `size` bytes (no disk space used).
        func sparseFile(_ name: String, size: Int) throws -> String {
            let path = scratch.path + "/" + name
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard descriptor >= 0, ftruncate(descriptor, off_t(size)) == 0 else { throw CocoaError(.fileWriteUnknown) }
            close(descriptor)
            return path
        }
    }

    /// Checks that `error` is an `io` error whose message names `path` and whose description says it is `kind`.
    static func isRefusal(_ outcome: Result<some Any, VerificationError>, _ path: String, _ kind: String) -> Bool {
        guard case .failure(let error) = outcome else { return false }
        return error.code == .io && error.message.hasSuffix(" \(path)") && "\(error)".contains("it is \(kind)")
    }

    @Test("a keyring that is a device, a FIFO or a directory is refused at once")
    func keyrings() throws {
        let files = try NotRegular()
        defer { files.scratch.remove() }
        for (path, kind) in files.cases {
            let outcome = OpenPGPTests.outcome { () throws(VerificationError) in try Keyring(contentsOf: path) }
            #expect(Self.isRefusal(outcome, path, kind), "\(path): \(outcome)")
        }
    }

    @Test("a keyring larger than 16 MiB is refused before it is read")
    func keyringCap() throws {
        let files = try NotRegular()
        defer { files.scratch.remove() }
        #expect(Keyring.maximumFileSize == 16 << 20)
        let large = try files.sparseFile("large.gpg", size: Keyring.maximumFileSize + 1)
        let outcome = OpenPGPTests.outcome { () throws(VerificationError) in try Keyring(contentsOf: large) }
        #expect(Self.isRefusal(outcome, large, "larger than the limit of \(16 << 20) bytes"), "\(outcome)")
    }

    @Test("a clearsigned document, a detached signature or signed data that is not a regular file is refused")
    func documentsAndSignatures() throws {
        let verifier = try OpenPGPTests.verifier("alice.gpg")
        let files = try NotRegular()
        defer { files.scratch.remove() }
        let data = try files.scratch.write("data", Array("signed data\n".utf8))
        let signature = try files.scratch.write("data.gpg", Array("not really a signature".utf8))
        for (path, kind) in files.cases {
            let document = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyClearsigned(contentsOf: path)
            }
            #expect(Self.isRefusal(document, path, kind), "\(path): \(document)")
            let detachedSignature = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyDetached(signatureFile: path, contentsOf: data)
            }
            #expect(Self.isRefusal(detachedSignature, path, kind), "\(path): \(detachedSignature)")
            let signedData = OpenPGPTests.outcome { () throws(VerificationError) in
                try verifier.verifyDetached(signatureFile: signature, contentsOf: path)
            }
            #expect(Self.isRefusal(signedData, path, kind), "\(path): \(signedData)")
        }
    }

    @Test("a signature over 1 MiB and a document over 64 MiB are refused before they are read")
    func documentAndSignatureCaps() throws {
        let verifier = try OpenPGPTests.verifier("alice.gpg")
        let files = try NotRegular()
        defer { files.scratch.remove() }
        #expect(SignatureVerifier.maximumSignatureFileSize == 1 << 20)
        #expect(SignatureVerifier.maximumDocumentFileSize == 64 << 20)
        let data = try files.scratch.write("data", Array("signed data\n".utf8))
        let signature = try files.sparseFile("large.gpg", size: SignatureVerifier.maximumSignatureFileSize + 1)
        let detached = OpenPGPTests.outcome { () throws(VerificationError) in
            try verifier.verifyDetached(signatureFile: signature, contentsOf: data)
        }
        #expect(Self.isRefusal(detached, signature, "larger than the limit of \(1 << 20) bytes"), "\(detached)")
        let document = try files.sparseFile("large.sjson", size: SignatureVerifier.maximumDocumentFileSize + 1)
        let clearsigned = OpenPGPTests.outcome { () throws(VerificationError) in
            try verifier.verifyClearsigned(contentsOf: document)
        }
        #expect(Self.isRefusal(clearsigned, document, "larger than the limit of \(64 << 20) bytes"), "\(clearsigned)")
    }
}
