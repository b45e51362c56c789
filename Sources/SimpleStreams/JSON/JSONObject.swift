/// A JSON object that keeps its members in document order.
///
/// Lookups by key are by a hash index once the object has more than a few members, so the `products` object of a
/// large stream is as quick to search as a dictionary. Setting a key that exists replaces its value in place, as a
/// Python `dict` does; a duplicate key in a parsed document behaves the same way (the last value wins, at the first
/// position).
///
/// Two objects are equal when they have the same members, in any order, like two Python dictionaries.
public struct JSONObject: Sendable {
    /// The keys, in document order.
    public private(set) var keys: [String] = []
    /// The values, in the order of ``keys``.
    public private(set) var values: [JSONValue] = []
    /// Key to position, built once the object outgrows a linear search.
    private var positions: [String: Int]? = nil

    private static let indexThreshold = 32

    /// Creates an empty object.
    public init() {}

    /// Creates an object with `members` in order; a repeated key keeps its first position and its last value.
    public init(_ members: some Sequence<(key: String, value: JSONValue)>) {
        for member in members { self[member.key] = member.value }
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The position of `key` in ``keys``.
    public func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return keys.firstIndex(of: key)
    }

    /// The value for `key`; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return values[position]
        }
        set {
            if let position = position(of: key) {
                if let newValue {
                    values[position] = newValue
                } else {
                    removeMember(at: position)
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Adds a member at the end, or replaces the value of an existing key in place.
    mutating func append(_ key: String, _ value: JSONValue) {
        if let position = position(of: key) {
            values[position] = value
            return
        }
        keys.append(key)
        values.append(value)
        if positions != nil {
            positions?[key] = keys.count - 1
        } else if keys.count > Self.indexThreshold {
            rebuildPositions()
        }
    }

    /// Removes the member for `key`, if any.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let value = values[position]
        removeMember(at: position)
        return value
    }

    private mutating func removeMember(at position: Int) {
        keys.remove(at: position)
        values.remove(at: position)
        if positions != nil { rebuildPositions() }
    }

    private mutating func rebuildPositions() {
        var table = [String: Int](minimumCapacity: keys.count)
        for (position, key) in keys.enumerated() { table[key] = position }
        positions = table
    }

    /// The object members of the object at `key` (a document's `products`, a product's `versions`, a version's
    /// `items`), made into values in order; members that are not objects are skipped.
    func children<Child>(of key: String, _ make: (String, JSONObject) -> Child) -> [Child] {
        guard let children = self[key]?.objectValue else { return [] }
        return children.compactMap { member in member.value.objectValue.map { make(member.key, $0) } }
    }

    /// The object member `name` of the object at `key`, made into a value.
    func child<Child>(of key: String, named name: String, _ make: (String, JSONObject) -> Child) -> Child? {
        self[key]?.objectValue?[name]?.objectValue.map { make(name, $0) }
    }

    /// Reserves room for `count` members.
    mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> (key: String, value: JSONValue) { (keys[position], values[position]) }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent, like equality: combine the members' hashes commutatively.
        var combined = 0
        for (key, value) in self {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }
}
