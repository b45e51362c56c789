import SimpleStreams
import TestSupport
import Testing

/// A re-implementation of python-simplestreams' reader side (`util.expand_tree`, `util.stringitems`,
/// `util.products_exdata`, `filters.ItemFilter`, and the item-first filtering then `max` of
/// `BasicMirrorWriter.sync_products`), run with the real `python3`, as the oracle for differential tests.
enum PythonOracle {
    static var isAvailable: Bool { Tool.exists("python3") }

    static let program = #"""
        import copy, json, re, sys

        def stringitems(data):
            return {k: (v if isinstance(v, str) else str(v)) for k, v in data.items()
                    if isinstance(v, (str, int, float))}

        def products_exdata(tree, pedigree, include_top=True, insert_fieldnames=True):
            harchy = (("products", "product_name"), ("versions", "version_name"), ("items", "item_name"))
            exdata = stringitems(tree) if include_top and tree else {}
            cur = tree
            for (n, v) in enumerate(pedigree):
                cur = cur[harchy[n][0]][v]
                exdata.update(stringitems(cur))
                if insert_fieldnames:
                    exdata[harchy[n][1]] = v
            return exdata

        def expand_data(data, refs=None):
            if isinstance(data, dict):
                if isinstance(refs, dict):
                    for key in list(data.keys()):
                        if key == "_aliases":
                            continue
                        ref = refs.get(key)
                        if not ref:
                            continue
                        val = data.get(key)
                        if val and isinstance(val, str):
                            data.update(copy.deepcopy(ref[val]))
                for key in data:
                    expand_data(data[key], refs)
            elif isinstance(data, list):
                for item in data:
                    expand_data(item, refs)

        class ItemFilter(object):
            def __init__(self, content, noneval=""):
                rparsefmt = r"([\w|\-]+)[ ]*([!]{0,1}[=~])[ ]*(.*)[ ]*$"
                parsed = re.match(rparsefmt, content)
                if not parsed:
                    raise ValueError("Unable to parse expression %s" % content)
                (key, op, val) = parsed.groups()
                self.parsed = (key, op, val)
                self.negate = op in ("!=", "!~")
                if op in ("=", "!="):
                    self._matches = val.__eq__
                else:
                    self._matches = re.compile(val).search
                self.key = key
                self.noneval = noneval

            def matches(self, item):
                val = str(item.get(self.key, self.noneval))
                return self.negate != bool(self._matches(val))

        def flatten(tree):
            tree = copy.deepcopy(tree)
            expand_data(tree, tree.get("_aliases"))
            out = []
            for pname, product in tree.get("products", {}).items():
                for vname, version in product.get("versions", {}).items():
                    for iname in version.get("items", {}):
                        out.append([pname, vname, iname, products_exdata(tree, (pname, vname, iname))])
            return out

        def query(flat, filters, maximum):
            filters = [ItemFilter(f) for f in filters]
            products = {}
            for (p, v, i, data) in flat:
                if all(f.matches(data) for f in filters):
                    products.setdefault(p, {}).setdefault(v, []).append(i)
            out = []
            for p, versions in products.items():
                names = sorted(versions.keys(), reverse=True)
                if maximum is not None:
                    names = names[:maximum]
                for v in names:
                    out.extend([p, v, i] for i in versions[v])
            return out

        def parse(expression):
            try:
                return ["ok"] + list(ItemFilter(expression).parsed)
            except ValueError:
                return ["ValueError"]
            except re.error:
                return ["re.error"]

        mode = sys.argv[1]
        data = json.load(open(sys.argv[2], encoding="utf-8"))
        if mode == "flatten":
            flat = flatten(data["document"])
            result = {"flat": flat, "queries": [query(flat, q["filters"], q.get("max")) for q in data["queries"]]}
        elif mode == "parse":
            result = [parse(e) for e in data]
        print(json.dumps(result))
        """#

    /// What Python computes for a document: every flattened item (pedigree and `products_exdata` dictionary, in
    /// order), and for each query the pedigrees it selects.
    struct Flattening {
        var items: [(pedigree: [String], attributes: JSONObject)]
        var queries: [[[String]]]
    }

    /// Flattens `document` and runs `queries` (filters and max) in Python.
    static func flatten(_ document: JSONObject, queries: [(filters: [String], max: Int?)] = []) async throws
        -> Flattening
    {
        let input: JSONValue = [
            "document": .object(document),
            "queries": .array(
                queries.map { query in
                    [
                        "filters": .array(query.filters.map { .string($0) }),
                        "max": query.max.map { .integer(Int64($0)) } ?? .null,
                    ]
                }),
        ]
        let output = try await run("flatten", input)
        let object = try #require(output.objectValue)
        let flat = try #require(object["flat"]?.arrayValue)
        var items: [(pedigree: [String], attributes: JSONObject)] = []
        for entry in flat {
            let fields = try #require(entry.arrayValue)
            try #require(fields.count == 4)
            items.append(
                (fields[0..<3].compactMap(\.stringValue), try #require(fields[3].objectValue)))
        }
        let selected = try #require(object["queries"]?.arrayValue).map { query in
            (query.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
        }
        return Flattening(items: items, queries: selected)
    }

    /// How Python parses each filter expression: `["ok", key, op, value]`, `["ValueError"]` or `["re.error"]`.
    static func parse(_ expressions: [String]) async throws -> [[String]] {
        let output = try await run("parse", .array(expressions.map { .string($0) }))
        return try #require(output.arrayValue).map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
    }

    private static func run(_ mode: String, _ input: JSONValue) async throws -> JSONValue {
        let scratch = try ScratchDirectory(prefix: "simplestreams-oracle")
        defer { scratch.remove() }
        let path = try scratch.write(input.serialized(.compact), to: "input.json")
        return try await Tool.python(program, [mode, path])
    }
}
