/// A JSON value, kept exactly as a document holds it: objects keep their key order, integers stay integers (of any
/// size), and nothing is dropped, so a document read and written back loses no field.
///
/// Simplestreams documents are open-ended: producers add fields, and nested values such as `release_notification`
/// appear on some items. The typed models of this module read the fields they know from a `JSONValue` tree and leave
/// everything else in place.
///
/// Strings and object keys compare by their UTF-8 bytes, as Python compares `str`: `.string("caf\u{e9}")` and
/// `.string("cafe\u{301}")` are different values (see ``BytewiseString``).
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case integer(Int64)
    /// An integer too large for 64 bits, kept as its decimal digits (with a leading `-` when negative).
    case largeInteger(String)
    /// A number with a fraction or an exponent.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, in document order.
    case object(JSONObject)

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an integer that fits in 64 bits.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .largeInteger(let digits): Double(digits)
        case .double(let value): value
        default: nil
        }
    }

    /// The Boolean, if this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Whether this is a string, a number or a Boolean: the values python-simplestreams inherits (its `stringitems`
    /// keeps `str`, `int` and `float`, and `bool` is an `int` in Python).
    public var isScalar: Bool {
        switch self {
        case .string, .integer, .largeInteger, .double, .bool: true
        case .null, .array, .object: false
        }
    }

    /// The value as Python's `str()` renders it, for scalars: strings as they are, integers in decimal, floats as
    /// Python's shortest round-trip `repr` (`1.0`, `1e+16`), Booleans as `True` and `False`. `nil` for `null`, arrays
    /// and objects, which python-simplestreams does not inherit.
    ///
    /// This is the text filters compare against, so `size=476` matches an item whose `size` is the number 476.
    public var pythonString: String? {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .largeInteger(let digits): digits
        case .double(let value): Self.pythonRepr(value)
        case .bool(let value): value ? "True" : "False"
        case .null, .array, .object: nil
        }
    }

    /// Python's `repr(float)`. Swift's `description` is the same shortest round-trip form with the same switch to
    /// exponent notation (below 1e-4 and from 1e16); only the non-finite spellings differ, and JSON has none.
    static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }
}

extension JSONValue: Hashable {
    /// Whether the values are the same: strings by their UTF-8 bytes, numbers of the same case by value, arrays
    /// element by element, objects member by member in any order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let left), .bool(let right)): left == right
        case (.integer(let left), .integer(let right)): left == right
        case (.largeInteger(let left), .largeInteger(let right)): BytewiseString.bytesEqual(left, right)
        case (.double(let left), .double(let right)): left == right
        case (.string(let left), .string(let right)): BytewiseString.bytesEqual(left, right)
        case (.array(let left), .array(let right)): left == right
        case (.object(let left), .object(let right)): left == right
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .integer(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .largeInteger(let digits):
            hasher.combine(3)
            BytewiseString.hashBytes(of: digits, into: &hasher)
        case .double(let value):
            hasher.combine(4)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(5)
            BytewiseString.hashBytes(of: value, into: &hasher)
        case .array(let elements):
            hasher.combine(6)
            hasher.combine(elements)
        case .object(let object):
            hasher.combine(7)
            hasher.combine(object)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
    public init(nilLiteral: ()) { self = .null }
}
