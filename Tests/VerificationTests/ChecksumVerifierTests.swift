import Foundation
import Glibc
import Testing
import Verification

/// The size and strongest-digest rules of ``ContentVerifier``, its messages, and how early it stops.
@Suite("Checksum verifier")
struct ChecksumVerifierTests {
    static let bytes = ChecksumTools.pseudoRandom(count: 10_000, seed: 7)
    static let sha256 = Digest.compute(.sha256, of: bytes)
    static let sha512 = Digest.compute(.sha512, of: bytes)
    static let md5 = Digest.compute(.md5, of: bytes)
    static let otherSHA256 = Digest.compute(.sha256, of: [1])
    static let otherSHA512 = Digest.compute(.sha512, of: [1])
    static let otherMD5 = Digest.compute(.md5, of: [1])

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

    @Test("a size alone checks the size; nothing at all is refused")
    func sizeOnly() throws {
        let verified = try ContentVerifier.verify(Self.bytes, expected: ExpectedContent(size: 10_000))
        #expect(verified.size == 10_000 && verified.digests.isEmpty)
        #expect {
            _ = try ContentVerifier(expected: ExpectedContent(), name: "blob")
        } throws: { error in
            Self.code(error) == .noDigest
        }
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
        let expected = try ExpectedContent(size: 7000, sha512: Digest.compute(.sha512, of: all).hex)
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
        // Not a regular file, so there is no size to check first: a pipe that never ends is read only up to one byte
        // past the size.
        let verified = try ContentVerifier.verify(
            fileAtPath: path, expected: ExpectedContent(size: 10_000, sha256: Self.sha256.hex))
        #expect(verified.size == 10_000)
        #expect {
            _ = try ContentVerifier.verify(fileAtPath: "/dev/zero", expected: ExpectedContent(size: 3 << 20))
        } throws: { error in
            (error as? VerificationError)?.message
                == "/dev/zero: size mismatch: expected 3145728 bytes, received more (at least 3145729)"
        }
        // A pipe that ends exactly at the size verifies.
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "head -c 12345 /dev/zero > \"$0\"", fifo]
        try writer.run()
        defer { writer.waitUntilExit() }
        let zeros = [UInt8](repeating: 0, count: 12_345)
        let expectedZeros = try ExpectedContent(size: 12_345, sha256: Digest.compute(.sha256, of: zeros).hex)
        #expect(try ContentVerifier.verify(fileAtPath: fifo, expected: expectedZeros).size == 12_345)
    }
}
