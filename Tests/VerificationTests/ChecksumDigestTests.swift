import Foundation
import Testing
import Verification

/// Digests of generated files, computed over bytes, chunks and the file, against coreutils.
@Suite("Checksum digests")
struct ChecksumDigestTests {
    static let sizes = [
        0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 4095, 1 << 20, (1 << 20) + 1, 5 * (1 << 20) + 7,
    ]

    static let tools: [(DigestAlgorithm, String)] = [(.sha256, "sha256sum"), (.sha512, "sha512sum"), (.md5, "md5sum")]

    @Test("digests equal sha256sum, sha512sum and md5sum", arguments: sizes)
    func againstCoreutils(size: Int) async throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let bytes = ChecksumTools.pseudoRandom(count: size, seed: UInt64(size) + 1)
        let path = try scratch.write("file-\(size)", bytes)
        for (algorithm, tool) in Self.tools {
            let reference = try ChecksumTools.coreutilsDigest(tool, path)
            #expect(try ContentDigest.compute(algorithm, ofFileAtPath: path).hex == reference, "\(tool) \(size)")
            #expect(ContentDigest.compute(algorithm, of: bytes).hex == reference)
            // Uneven chunks, through the incremental hasher and the asynchronous form.
            var hasher = DigestHasher(algorithm)
            var chunks: [[UInt8]] = []
            var start = 0
            var step = 1
            while start < bytes.count {
                let end = min(start + step, bytes.count)
                hasher.update(bytes[start..<end])
                chunks.append(Array(bytes[start..<end]))
                start = end
                step = step * 3 + 1
            }
            #expect(hasher.finalize().hex == reference)
            let stream = AsyncStream<[UInt8]> { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }
            #expect(try await ContentDigest.compute(algorithm, of: stream).hex == reference)
            // The verifier accepts the coreutils digest over the file in small and odd chunk sizes.
            let expected = try ExpectedContent(digests: [ContentDigest(algorithm, hex: reference.uppercased())])
            for chunkSize in [1, 4096, 1 << 20, 3 * (1 << 20) + 5] where chunkSize > 1 || size < 5000 {
                let verified = try ContentVerifier.verify(fileAtPath: path, expected: expected, chunkSize: chunkSize)
                #expect(verified.size == size && verified.digests.map(\.hex) == [reference])
            }
        }
    }

    @Test("a non-contiguous sequence is hashed like the same bytes in an array")
    func nonContiguous() {
        let bytes = ChecksumTools.pseudoRandom(count: 1000, seed: 3)
        let lazy = bytes.lazy.map { $0 }
        #expect(ContentDigest.compute(.sha256, of: lazy) == ContentDigest.compute(.sha256, of: bytes))
    }

    @Test("well-known digests of the empty input")
    func empty() {
        #expect(
            ContentDigest.compute(.sha256, of: []).hex
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentDigest.compute(.md5, of: []).hex == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(ContentDigest.compute(.sha512, of: []).hex.hasPrefix("cf83e1357eefb8bdf1542850d66d8007"))
    }

    @Test("algorithms are ordered by strength")
    func strength() {
        #expect(DigestAlgorithm.md5 < .sha256 && DigestAlgorithm.sha256 < .sha512)
        #expect(DigestAlgorithm.allCases.max() == .sha512)
        #expect(DigestAlgorithm.allCases.map(\.hexLength) == [32, 64, 128])
    }

    @Test("hexadecimal parsing: either case, exact length, digits only")
    func hexParsing() throws {
        let lower = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        #expect(try ContentDigest(.sha256, hex: lower.uppercased()) == ContentDigest(.sha256, hex: lower))
        #expect(try ContentDigest(.sha256, hex: lower.uppercased()).hex == lower)
        let short = String(lower.dropLast())
        let malformed: [String] = [
            "", short, lower + "0", " " + short, "0x" + String(lower.dropFirst(2)), short + "g", short + "\n",
            String(lower.dropLast(2)) + "é", short + "-",
        ]
        for text in malformed {
            #expect {
                _ = try ContentDigest(.sha256, hex: text)
            } throws: { error in
                (error as? VerificationError)?.code == .invalidArgument
            }
        }
        // A SHA-256 digest is not a SHA-512 or an MD5 digest.
        #expect(throws: VerificationError.self) { _ = try ExpectedContent(sha512: lower) }
        #expect(throws: VerificationError.self) { _ = try ExpectedContent(md5: lower) }
        #expect(throws: VerificationError.self) { _ = try ExpectedContent(size: -1) }
        #expect(throws: VerificationError.self) { _ = try ContentDigest(.md5, bytes: [1, 2, 3]) }
        let digest = try ContentDigest(.sha256, hex: lower)
        #expect(throws: VerificationError.self) { _ = try ExpectedContent(digests: [digest, digest]) }
    }

    @Test("a file that cannot be read is an io error naming it")
    func unreadable() throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let missing = scratch.path + "/missing"
        #expect {
            _ = try ContentDigest.compute(.sha256, ofFileAtPath: missing)
        } throws: { error in
            let error = error as? VerificationError
            return error?.code == .io && error?.message.contains(missing) == true
                && "\(error.map { "\($0)" } ?? "")".contains("No such file")
        }
        #expect {
            _ = try ContentVerifier.verify(
                fileAtPath: scratch.path, expected: ExpectedContent(size: 0, sha256: String(repeating: "0", count: 64)))
        } throws: { error in
            (error as? VerificationError)?.code == .io
        }
    }
}
