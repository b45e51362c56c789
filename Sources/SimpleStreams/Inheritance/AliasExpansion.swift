/// `_aliases` expansion, as python-simplestreams' `expand_tree` does it.
///
/// With `refs` the document's top-level `_aliases` object, every object in the tree (at any depth, inside arrays
/// too) is visited. For each of its keys `k` (except `_aliases`), in order, whose value is a non-empty string `v`
/// while `refs[k]` is a non-empty object, the members of `refs[k][v]` are merged into the object, overwriting keys
/// that already exist. The alias key itself stays. Then the object's values are visited, including the ones the
/// merge added.
///
/// One difference: Python merges the alias objects by reference, so expanding inside them can change `refs` while
/// the walk goes on, an effect that depends on key order; here `refs` is read as the document states it.
///
/// Python recurses without bound (an alias whose object brings the alias back never ends) and copies without limit;
/// here the walk is limited to ``maximumDepth`` levels and ``maximumWork`` visited values and merged members, and
/// exceeding either is ``SimpleStreamsError/Code/limitExceeded``.
enum AliasExpansion {
    static let aliasesKey = "_aliases"
    /// The deepest object or array the expansion descends into.
    static let maximumDepth = 64
    /// The most values visited plus members merged in one expansion (a real aliased stream needs a few per item).
    static let maximumWork = 4_000_000

    /// Returns `object` with aliases expanded, or `object` itself when it has no `_aliases` table.
    static func expand(_ object: JSONObject) throws(SimpleStreamsError) -> JSONObject {
        guard case .object(let refs)? = object[aliasesKey], !refs.isEmpty else { return object }
        var walk = Walk(refs: refs)
        var copy = object
        try walk.expand(&copy)
        return copy
    }

    private struct Walk {
        let refs: JSONObject
        var work = 0
        var path: [String] = []

        var location: String { path.isEmpty ? "the document" : path.joined(separator: " → ") }

        mutating func charge(_ units: Int) throws(SimpleStreamsError) {
            work += units
            if work > AliasExpansion.maximumWork {
                throw SimpleStreamsError(
                    .limitExceeded,
                    "\(location): expanding _aliases took more than \(AliasExpansion.maximumWork) steps "
                        + "(an alias that brings itself back, or one that multiplies the document)")
            }
        }

        mutating func expand(_ object: inout JSONObject) throws(SimpleStreamsError) {
            // The keys as they are before merging (Python's `list(data.keys())`); `_aliases` by its exact bytes.
            for key in object.keys where !key.hasSameBytes(as: aliasesKey) {
                guard let ref = refs[key], isTruthy(ref) else { continue }
                guard case .string(let value)? = object[key], !value.isEmpty else { continue }
                guard case .object(let table) = ref else {
                    throw SimpleStreamsError(.invalidDocument, "_aliases entry '\(key)' is not an object")
                }
                guard let aliased = table[value] else {
                    throw SimpleStreamsError(
                        .unknownAlias, "\(location): \(key) '\(value)' is not defined in _aliases['\(key)']")
                }
                guard case .object(let members) = aliased else {
                    throw SimpleStreamsError(.invalidDocument, "_aliases['\(key)']['\(value)'] is not an object")
                }
                try charge(members.count)
                for (memberKey, memberValue) in members { object.append(memberKey, memberValue) }
            }
            for position in object.indices {
                var value = object[position].value
                switch value {
                case .object, .array: break
                default: continue
                }
                object.setValue(.null, at: position)  // release the reference so the value is mutated in place
                path.append(object[position].key)
                try expand(&value)
                path.removeLast()
                object.setValue(value, at: position)
            }
        }

        mutating func expand(_ value: inout JSONValue) throws(SimpleStreamsError) {
            try charge(1)
            guard path.count <= AliasExpansion.maximumDepth else {
                throw SimpleStreamsError(
                    .limitExceeded, "\(location): _aliases expansion nested deeper than \(AliasExpansion.maximumDepth)")
            }
            switch value {
            case .object(var object):
                value = .null  // release the reference so the object is mutated in place
                try expand(&object)
                value = .object(object)
            case .array(var elements):
                value = .null
                for position in elements.indices {
                    try expand(&elements[position])
                }
                value = .array(elements)
            default:
                break
            }
        }
    }

    /// Python truthiness of a JSON value: `if not ref: continue`.
    fileprivate static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .integer(let number): number != 0
        case .largeInteger: true
        case .double(let number): number != 0
        case .string(let text): !text.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object(let object): !object.isEmpty
        }
    }
}
