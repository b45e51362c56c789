import ESXiNetwork
import Glibc
import TestSupport
import Testing

/// The pure-Swift address text (parsing and printing) against the C library's `inet_pton` and `inet_ntop`, which
/// the module used before: the same inputs are accepted, with the same bytes, and print the same text.
@Suite("IP address text matches inet_pton and inet_ntop")
struct IPAddressTextTests {
    static let seeds = [
        "1.2.3.4", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", ".1.2.3",
        "1.2.3.4.", "0.0.0.00", "::", "::1", "1::", "fe80::1", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", ":::", "1:::2", "1::2::3", "12345::",
        "1:2:3:4:5:6:7:8:9", "::ffff:0:1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4", "a:b::c:0:0:0", "0:0:1:0:0:1:0:0",
        "::0.0.0.1", "1:", ":1", "::1.2.3", "1.2.3.4::", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:7:1.2.3.4", "::1234.1.2.3",
        "::0255.1.1.1", "::a.1.2.3", "FE80::ABCD", "fe80::1%eth0", " 1.2.3.4", "",
    ]

    /// What the C library makes of `text`: the address's bytes and its printed form, or `nil`.
    static func reference(_ text: String) -> (bytes: [UInt8], text: String)? {
        let family = text.contains(":") ? AF_INET6 : AF_INET
        var bytes = [UInt8](repeating: 0, count: 16)
        guard bytes.withUnsafeMutableBytes({ inet_pton(family, text, $0.baseAddress) }) == 1 else { return nil }
        let count = family == AF_INET ? 4 : 16
        var output = [CChar](repeating: 0, count: 64)
        let written = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { inet_ntop(family, input.baseAddress, $0.baseAddress, 64) }
        }
        guard written != nil else { return nil }
        let printed = String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (Array(bytes.prefix(count)), printed)
    }

    @Test("seeded and random inputs parse and print as the C library does")
    func matchesTheCLibrary() {
        var generator = SeededGenerator(seed: 18)
        let alphabet = Array("0123456789abcdefABCDEF:.g ".utf8)
        var inputs = Self.seeds
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 40) + 1
            inputs.append(
                String(
                    decoding: (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] },
                    as: UTF8.self))
            var mutated = Array(Self.seeds[Int(generator.next() % UInt64(Self.seeds.count))].utf8)
            if !mutated.isEmpty {
                mutated[Int(generator.next() % UInt64(mutated.count))] =
                    alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            inputs.append(String(decoding: mutated, as: UTF8.self))
        }
        var mismatches: [String] = []
        for input in inputs {
            let ours = IPAddress(input)
            let theirs = Self.reference(input)
            if ours?.bytes != theirs?.bytes || ours?.description != theirs?.text { mismatches.append(input) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test("every IPv6 address with runs of zeros prints as inet_ntop prints it")
    func printsAsTheCLibrary() {
        var generator = SeededGenerator(seed: 5952)
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in 0..<16 {
                let roll = generator.next() % 10
                bytes[index] = roll < 6 ? 0 : roll < 8 ? UInt8(truncatingIfNeeded: generator.next()) : 0xFF
            }
            let words = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }
            let text = words.joined(separator: ":")
            guard let ours = IPAddress(text), let theirs = Self.reference(text) else {
                mismatches.append(text)
                continue
            }
            if ours.description != theirs.text { mismatches.append("\(text): \(ours) vs \(theirs.text)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
