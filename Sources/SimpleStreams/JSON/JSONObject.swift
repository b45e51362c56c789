/// A JSON object that keeps its members in document order.
///
/// Keys are byte strings, as Python's `json` and `dict` treat them: two keys are the same key only when their UTF-8
/// bytes are the same. `"caf\u{e9}"` and `"cafe\u{301}"` (NFC and NFD), or `"K"` and `"\u{212A}"` (KELVIN SIGN),
/// are two members, although `String ==` calls them equal; a lookup finds the member with exactly the bytes asked
/// for (see ``BytewiseString``).
///
/// Lookups by key are by a hash index once the object has more than a few members, so the `products` object of a
/// large stream is as quick to search as a dictionary. Setting a key that exists replaces its value in place, as a
/// Python `dict` does; a duplicate key in a parsed document behaves the same way (the last value wins, at the first
/// position), and only a byte-identical key is a duplicate.
///
/// An empty object allocates nothing, and a non-empty one holds its members in one array plus, past a few members,
/// an index of 4-byte slots: a document of many small objects costs a small multiple of its size.
///
/// Two objects are equal when they have the same members, in any order, like two Python dictionaries.
public struct JSONObject: Sendable {
    /// One key and its value.
    struct Member: Sendable {
        var key: String
        var value: JSONValue
    }

    /// The members, in document order. An empty array allocates nothing.
    private var members: [Member] = []
    /// An open-addressing index from the keys' byte hashes to positions: `position + 1` in each used slot, 0 in a
    /// free one; a power of two at least twice the number of members. Empty while the object has no more than
    /// ``indexThreshold`` members, which are searched in order.
    private var index: [UInt32] = []

    private static let indexThreshold = 32

    /// Creates an empty object.
    public init() {}

    /// Creates an object with `members` in order; a repeated key keeps its first position and its last value.
    public init(_ members: some Sequence<(key: String, value: JSONValue)>) {
        for member in members { append(member.key, member.value) }
    }

    /// The keys, in document order (a new array: iterate the object itself to avoid the copy).
    public var keys: [String] { members.map(\.key) }

    /// The values, in the order of ``keys`` (a new array: iterate the object itself to avoid the copy).
    public var values: [JSONValue] { members.map(\.value) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The position of the key with exactly the UTF-8 bytes of `key`.
    public func position(of key: String) -> Int? {
        if index.isEmpty {
            return members.firstIndex { BytewiseString.bytesEqual($0.key, key) }
        }
        let mask = index.count - 1
        var slot = BytewiseString.hashValue(of: key) & mask
        while true {
            let entry = index[slot]
            if entry == 0 { return nil }
            let position = Int(entry) - 1
            if BytewiseString.bytesEqual(members[position].key, key) { return position }
            slot = (slot + 1) & mask
        }
    }

    /// The value for the key with exactly the UTF-8 bytes of `key`; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return members[position].value
        }
        set {
            if let newValue {
                append(key, newValue)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// The value at `position`, replaced in place.
    mutating func setValue(_ value: JSONValue, at position: Int) {
        members[position].value = value
    }

    /// Adds a member at the end, or replaces the value of an existing (byte-identical) key in place.
    mutating func append(_ key: String, _ value: JSONValue) {
        if let position = position(of: key) {
            members[position].value = value
            return
        }
        members.append(Member(key: key, value: value))
        if !index.isEmpty && members.count * 2 <= index.count {
            insertIntoIndex(position: members.count - 1)
        } else if members.count > Self.indexThreshold {
            rebuildIndex(capacity: members.count)
        }
    }

    /// Removes the member for `key`, if any.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let value = members.remove(at: position).value
        if members.isEmpty {
            members = []
            index = []
        } else if !index.isEmpty {
            rebuildIndex(capacity: members.count)
        }
        return value
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

    /// Reserves room for `count` members, and sizes the index for them, so that adding them allocates nothing more.
    mutating func reserveCapacity(_ count: Int) {
        guard count > members.count else { return }
        members.reserveCapacity(count)
        if count > Self.indexThreshold { rebuildIndex(capacity: count) }
    }

    private mutating func insertIntoIndex(position: Int) {
        let mask = index.count - 1
        var slot = BytewiseString.hashValue(of: members[position].key) & mask
        while index[slot] != 0 { slot = (slot + 1) & mask }
        index[slot] = UInt32(truncatingIfNeeded: position + 1)
    }

    /// Sizes the index for `capacity` members (a power of two at least twice that, and at least a third more room
    /// than the members have now so that appends do not rebuild it each time) and fills it; with more members than
    /// 4-byte slots can number, searches stay linear.
    private mutating func rebuildIndex(capacity: Int) {
        guard members.count > Self.indexThreshold || capacity > Self.indexThreshold,
            capacity < Int(UInt32.max / 4)
        else {
            index = []
            return
        }
        var size = 64
        while size < capacity * 2 { size *= 2 }
        if capacity == members.count && size < members.count * 3 { size *= 2 }
        index = [UInt32](repeating: 0, count: size)
        for position in members.indices { insertIntoIndex(position: position) }
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { members.count }
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        let member = members[position]
        return (member.key, member.value)
    }
}

extension JSONObject: Hashable {
    /// Whether the objects have the same members (keys compared by bytes), in any order.
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
            BytewiseString.hashBytes(of: key, into: &member)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { append(key, value) }
    }
}
