import Glibc

/// Describes how two byte arrays differ, or returns `nil` if they are equal (memcmp-fast, since debug-built `==` on
/// multi-megabyte arrays is slow).
func byteDifference(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
    if actual.count != expected.count { return "\(actual.count) bytes, expected \(expected.count)" }
    let equal = actual.withUnsafeBytes { a in
        expected.withUnsafeBytes { b in
            guard let left = a.baseAddress, let right = b.baseAddress else { return true }
            return memcmp(left, right, a.count) == 0
        }
    }
    if equal { return nil }
    let index = actual.indices.first { actual[$0] != expected[$0] } ?? 0
    return "first difference at byte \(index) of \(actual.count)"
}
