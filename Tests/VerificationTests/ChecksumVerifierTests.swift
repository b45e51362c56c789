import Foundation
import Glibc
import Testing
import Verification

/// The size and strongest-digest rules of ``ContentVerifier``, its messages, and how early it stops.
@Suite("Checksum verifier")
struct ChecksumVerifierTests {
    static let bytes = ChecksumTools.pseudoRandom(count: 10_000, seed: 7)
    static let sha256 = ContentDigest.compute(.sha256, of: bytes)
    static let sha512 = ContentDigest.compute(.sha512, of: bytes)
    static let md5 = ContentDigest.compute(.md5, of: bytes)
    static let otherSHA256 = ContentDigest.compute(.sha256, of: [1])
    static let otherSHA512 = ContentDigest.compute(.sha512, of: [1])
    static let otherMD5 = ContentDigest.compute(.md5, of: [1])

    static func code(_ error: any Error) -> VerificationError.Code? { (error as? VerificationError)?.code }

    @Test("matching size and digests verify")
    func matches() throws {
        let expected = try ExpectedContent(
            size: 10_000, sha256: Self.sha256.hex, sha512: Self.sha512.hex, md5: Self.md5.hex)
        let verified = try ContentVerifier.verify(Self.bytes, expected: expected, name: "blob")
        #expect(verified == VerifiedContent(name: "blob", size: 10_000, digests: [Self.sha512]))
        let all = try ContentVerifier.verify(Self.bytes, expected: expected, name: "blob", policy: .allStated)
        #expect(all.digests == [Self.sha512, Self.sha256, Self.md5])
        #expect(expected.description.hasPrefix("size 10000, SHA-512 "))
    }

    @Test("only the strongest stated digest is checked by default")
    func strongestRule() throws {
        // A right SHA-512 wins over a wrong SHA-256 and MD5 ...
        let strongRight = try ExpectedContent(
            sha256: Self.otherSHA256.hex, sha512: Self.sha512.hex, md5: Self.otherMD5.hex)
        let verified = try ContentVerifier.verify(Self.bytes, expected: strongRight)
        #expect(verified.digests == [Self.sha512])
        // ... unless every stated digest is asked for, and then the wrong one is named.
        #expect {
            _ = try ContentVerifier.verify(Self.bytes, expected: strongRight, name: "blob", policy: .allStated)
        } throws: { error in
            Self.code(error) == .digestMismatch
                && (error as? VerificationError)?.message
                    == "blob: SHA-256 mismatch: expected \(Self.otherSHA256.hex), actual \(Self.sha256.hex)"
        }
        // A wrong SHA-512 fails even with a right SHA-256.
        let strongWrong = try ExpectedContent(sha256: Self.sha256.hex, sha512: Self.otherSHA512.hex)
        #expect {
            _ = try ContentVerifier.verify(Self.bytes, expected: strongWrong, name: "blob")
        } throws: { error in
            (error as? VerificationError)?.message
                == "blob: SHA-512 mismatch: expected \(Self.otherSHA512.hex), actual \(Self.sha512.hex)"
        }
        // SHA-256 over MD5; MD5 only when nothing better is stated.
        let verifier = try ContentVerifier(
            expected: ExpectedContent(sha256: Self.sha256.hex, md5: Self.otherMD5.hex), name: "x")
        #expect(verifier.algorithms == [.sha256])
        #expect(throws: VerificationError.self) {
            _ = try ContentVerifier.verify(Self.bytes, expected: ExpectedContent(md5: Self.otherMD5.hex))
        }
        #expect(
            try ContentVerifier.verify(Self.bytes, expected: ExpectedContent(md5: Self.md5.hex)).digests == [Self.md5])
        #expect(try ExpectedContent(sha256: Self.sha256.hex, md5: Self.md5.hex).strongestDigest == Self.sha256)
    }

    @Test("a wrong digest names the data, the digest, expected and actual")
    func wrongDigestMessage() throws {
        let expected = try ExpectedContent(size: 10_000, sha256: Self.otherSHA256.hex.uppercased())
        #expect {
            _ = try ContentVerifier.verify(Self.bytes, expected: expected, name: "images/squashfs")
        } throws: { error in
            let message = "\(error)"
            return Self.code(error) == .digestMismatch && message.contains("images/squashfs")
                && message.contains("SHA-256") && message.contains("expected \(Self.otherSHA256.hex)")
                && message.contains("actual \(Self.sha256.hex)")
        }
    }

    @Test("too few bytes: size mismatch at finish, with expected and actual")
    func underRun() throws {
        let expected = try ExpectedContent(size: 10_001, sha256: Self.sha256.hex)
        #expect {
            _ = try ContentVerifier.verify(Self.bytes, expected: expected, name: "blob")
        } throws: { error in
            Self.code(error) == .sizeMismatch
                && (error as? VerificationError)?.message == "blob: size mismatch: expected 10001 bytes, actual 10000"
        }
    }

    @Test("too many bytes: the update that crosses the size throws, and the verifier stays failed")
    func overRun() throws {
        var verifier = try ContentVerifier(expected: ExpectedContent(size: 100, sha256: Self.sha256.hex), name: "blob")
        try verifier.update(Self.bytes[0..<60])
        try verifier.update(Self.bytes[60..<100])
        #expect(verifier.remainingBytes == 0)
        #expect {
            try verifier.update([0])
        } throws: { error in
            Self.code(error) == .sizeMismatch
                && (error as? VerificationError)?.message
                    == "blob: size mismatch: expected 100 bytes, received more (at least 101)"
        }
        #expect(verifier.byteCount == 100)
        #expect(throws: VerificationError.self) { _ = try verifier.finish() }
        #expect(throws: VerificationError.self) { try verifier.update([]) }
    }

    /// Issue 16, defect 12: a size alone was "verified" (with no digest checked); now nothing is verified without a
    /// digest, in memory, from a file and from an asynchronous source.
    @Test("a size alone verifies nothing: refused with noDigest, as is no expectation at all")
    func sizeOnly() async throws {
        let sizeOnly = try ExpectedContent(size: 10_000)
        for expected in [sizeOnly, try ExpectedContent()] {
            #expect {
                _ = try ContentVerifier.verify(Self.bytes, expected: expected, name: "blob")
            } throws: { error in
                Self.code(error) == .noDigest
                    && (error as? VerificationError)?.message.hasPrefix("blob: nothing verified") == true
            }
            #expect { _ = try ContentVerifier(expected: expected, name: "blob") } throws: { error in
                Self.code(error) == .noDigest
            }
        }
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let path = try scratch.write("blob", Self.bytes)
        #expect { _ = try ContentVerifier.verify(fileAtPath: path, expected: sizeOnly) } throws: { error in
            Self.code(error) == .noDigest
        }
        let each = try await ContentVerifier.verifyEachFile([FileToVerify(path: path, expected: sizeOnly)])
        #expect(each.count == 1)
        if case .failure(let error) = each.first { #expect(error.code == .noDigest) } else { Issue.record("verified") }
        let counter = ProducedCounter()
        await #expect {
            _ = try await ContentVerifier.verify(
                CountingChunks(chunkSize: 10, chunkCount: 1000, produced: counter), expected: sizeOnly, name: "x")
        } throws: { error in
            Self.code(error) == .noDigest
        }
        #expect(counter.value == 0)
    }

    @Test("an asynchronous source that sends more than the size is not read further")
    func asyncOverRunStopsEarly() async throws {
        let counter = ProducedCounter()
        // A source that would send 1000 chunks of 64 KiB; the size allows two and a half.
        let chunks = CountingChunks(chunkSize: 1 << 16, chunkCount: 1000, produced: counter)
        let expected = try ExpectedContent(size: 5 << 15, sha256: Self.sha256.hex)
        await #expect {
            _ = try await ContentVerifier.verify(chunks, expected: expected, name: "https://example/squashfs")
        } throws: { error in
            Self.code(error) == .sizeMismatch && "\(error)".contains("https://example/squashfs")
        }
        #expect(counter.value == 3)
    }

    @Test("an asynchronous source that sends exactly the size verifies")
    func asyncExact() async throws {
        let counter = ProducedCounter()
        let chunks = CountingChunks(chunkSize: 1000, chunkCount: 7, produced: counter)
        var all: [UInt8] = []
        for try await chunk in CountingChunks(chunkSize: 1000, chunkCount: 7, produced: ProducedCounter()) {
            all += chunk
        }
        let expected = try ExpectedContent(size: 7000, sha512: ContentDigest.compute(.sha512, of: all).hex)
        let verified = try await ContentVerifier.verify(chunks, expected: expected, name: "stream")
        #expect(verified.size == 7000 && counter.value == 7)
    }

    @Test("a file longer than stated is refused before it is read; one read past the size at most")
    func fileOverRun() throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let path = try scratch.write("long", Self.bytes)
        let expected = try ExpectedContent(size: 9_999, sha256: Self.sha256.hex)
        #expect {
            _ = try ContentVerifier.verify(fileAtPath: path, expected: expected)
        } throws: { error in
            (error as? VerificationError)?.message == "\(path): size mismatch: expected 9999 bytes, actual 10000"
        }
        let short = try ExpectedContent(size: 10_001, sha256: Self.sha256.hex)
        #expect(throws: VerificationError.self) { _ = try ContentVerifier.verify(fileAtPath: path, expected: short) }
        let verified = try ContentVerifier.verify(
            fileAtPath: path, expected: ExpectedContent(size: 10_000, sha256: Self.sha256.hex))
        #expect(verified.size == 10_000)
    }

    /// Issue 16, defect 7: `/dev/zero` was read without end when no size was stated, and a FIFO blocked in `open()`.
    /// Anything but a regular file is now refused before a byte is read, with an error naming the path and its kind.
    @Test("a device, a FIFO without a writer and a directory are refused at once, naming what they are")
    func notRegularFiles() throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let sha256 = Self.sha256.hex
        let cases: [(path: String, kind: String)] = [
            ("/dev/zero", "a device"), (fifo, "a FIFO"), (scratch.path, "a directory"),
        ]
        for (path, kind) in cases {
            for expected in [try ExpectedContent(sha256: sha256), try ExpectedContent(size: 3 << 20, sha256: sha256)] {
                #expect {
                    _ = try ContentVerifier.verify(fileAtPath: path, expected: expected)
                } throws: { error in
                    guard let error = error as? VerificationError else { return false }
                    return error.code == .io && error.message == "cannot read \(path)"
                        && "\(error)".contains("it is \(kind)")
                }
            }
            #expect(throws: VerificationError.self) { _ = try ContentDigest.compute(.sha256, ofFileAtPath: path) }
        }
    }
}
