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
enum AliasExpansion {
    static let aliasesKey = "_aliases"

    /// Returns `object` with aliases expanded, or `object` itself when it has no `_aliases` table.
    static func expand(_ object: JSONObject) throws(SimpleStreamsError) -> JSONObject {
        guard case .object(let refs)? = object[aliasesKey], !refs.isEmpty else { return object }
        var copy = object
        try expand(&copy, refs: refs, location: "the document")
        return copy
    }

    private static func expand(_ object: inout JSONObject, refs: JSONObject, location: String)
        throws(SimpleStreamsError)
    {
        for key in object.keys where key != aliasesKey {
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
            for (memberKey, memberValue) in members { object.append(memberKey, memberValue) }
        }
        for position in object.indices {
            var value = object.values[position]
            switch value {
            case .object, .array: break
            default: continue
            }
            let key = object.keys[position]
            try expand(&value, refs: refs, location: location == "the document" ? key : "\(location) → \(key)")
            object[key] = value
        }
    }

    private static func expand(_ value: inout JSONValue, refs: JSONObject, location: String)
        throws(SimpleStreamsError)
    {
        switch value {
        case .object(var object):
            value = .null  // release the reference so the object is mutated in place
            try expand(&object, refs: refs, location: location)
            value = .object(object)
        case .array(var elements):
            value = .null
            for position in elements.indices {
                try expand(&elements[position], refs: refs, location: location)
            }
            value = .array(elements)
        default:
            break
        }
    }

    /// Python truthiness of a JSON value: `if not ref: continue`.
    private static func isTruthy(_ value: JSONValue) -> Bool {
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
