import FoundationEssentials

/// The one JSON configuration of every `--json` output: `Codable` values, keys in snake_case (as simplestreams and
/// MAAS write them), sorted, indented, and a final newline.
enum JSONOutput {
    /// The encoder every command uses.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in
            guard let key = path.last else { return OutputKey("") }
            // Keys taken from the input (a document's attributes) are written exactly as they are.
            if key is DocumentKey { return key }
            return OutputKey(snakeCase(key.stringValue))
        }
        return encoder
    }()

    /// `value` as JSON text ending with a newline.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value)) + [0x0A]
    }

    /// Writes `value` to standard output as JSON.
    static func write(_ value: some Encodable) throws {
        try writeStandardOutput(try encode(value))
    }

    /// `name` in snake_case: `inodeTableStart` → `inode_table_start`, `requiredNICs` → `required_nics`,
    /// `vlanID` → `vlan_id`, `boot-protocol` → `boot_protocol`. A name without capitals or hyphens is unchanged.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        guard characters.contains(where: { $0.isUppercase || $0 == "-" }) else { return name }
        var result = ""
        for (index, character) in characters.enumerated() {
            if character == "-" {
                result.append("_")
                continue
            }
            guard character.isUppercase else {
                result.append(character)
                continue
            }
            if index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                // The plural of an acronym (`NICs`) stays one word.
                let afterNext = index + 2 < characters.count ? characters[index + 2] : nil
                let plural = next == "s" && !(afterNext?.isLowercase ?? false)
                let startsWord =
                    previous.isLowercase || previous.isNumber
                    || (previous.isUppercase && (next?.isLowercase ?? false) && !plural)
                if startsWord && !result.hasSuffix("_") { result.append("_") }
            }
            result += character.lowercased()
        }
        return result
    }
}

/// A key the encoder writes as it is (see ``DocumentKey``) or as converted.
private struct OutputKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A key that comes from the input (a simplestreams attribute), written exactly as it is.
struct DocumentKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
