package import SimpleStreams

extension JSONValue {
    /// Equality that also requires every object to hold its keys in the same order.
    package func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let lhs), .object(let rhs)):
            guard lhs.keys.map(BytewiseString.init) == rhs.keys.map(BytewiseString.init) else { return false }
            return zip(lhs.values, rhs.values).allSatisfy { $0.isIdentical(to: $1) }
        case (.array(let lhs), .array(let rhs)):
            guard lhs.count == rhs.count else { return false }
            return zip(lhs, rhs).allSatisfy { $0.isIdentical(to: $1) }
        default:
            return self == other
        }
    }

    /// The value as UTF-8 JSON text, compact.
    package var text: String { String(decoding: serialized(.compact), as: UTF8.self) }
}

extension String {
    /// The string as UTF-8 bytes.
    package var bytes: [UInt8] { Array(utf8) }
}
