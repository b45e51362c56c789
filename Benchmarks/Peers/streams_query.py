"""The flattening and query of `stream-query query`, in Python, for compare-streams.sh.

    python3 streams_query.py products.json [MAX]     # prints the number of items selected (MAX default 2)
    python3 streams_query.py products.json 0         # 0: every item flattened, prints "items N attributes A"

python-simplestreams' algorithm, as `sstream-query` and `sstream-mirror` run it (simplestreams/util.py and
filters.py, written again here; python-simplestreams is not packaged for Debian 12 or on PyPI): `json.load`, then
for every item the flattened dict of products_exdata (stringitems of the top level, the product, `product_name`,
the version, `version_name`, the item, `item_name`, each level overwriting the one before; numbers turned into
text with str()), built afresh from the tree for each item as filter_item does; the filters (`=` compares
str(value), `~` is re.search, a missing key is ""); versions with no matching item dropped, then the newest MAX
versions per product kept (sorted(..., reverse=True)).
"""

import json
import re
import sys

FILTERS = [("arch", "=", "amd64"), ("release", "~", "^(jammy|noble)$"), ("ftype", "=", "squashfs")]


def stringitems(data):
    result = {}
    for key, value in data.items():
        if isinstance(value, str):
            result[key] = value
        elif isinstance(value, (int, float)):
            result[key] = str(value)
    return result


HIERARCHY = (("products", "product_name"), ("versions", "version_name"), ("items", "item_name"))


def products_exdata(tree, pedigree):
    exdata = dict(stringitems(tree))
    level = tree
    for depth, key in enumerate(pedigree):
        container, field = HIERARCHY[depth]
        level = level.get(container, {}).get(key, {})
        exdata.update(stringitems(level))
        exdata[field] = key
    return exdata


class ItemFilter:
    def __init__(self, key, op, value):
        self.key = key
        self.negate = op.startswith("!")
        if op.endswith("~"):
            regex = re.compile(value)
            self.test = lambda text: regex.search(text) is not None
        else:
            self.test = lambda text: text == value

    def matches(self, item):
        return self.test(str(item.get(self.key, ""))) != self.negate


def main():
    with open(sys.argv[1]) as stream:
        tree = json.load(stream)
    maximum = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    if maximum == 0:
        items = attributes = 0
        for product_name, product in tree.get("products", {}).items():
            for version_name, version in product.get("versions", {}).items():
                for item_name in version.get("items", {}):
                    items += 1
                    attributes += len(products_exdata(tree, (product_name, version_name, item_name)))
        print("items %d attributes %d" % (items, attributes))
        return
    filters = [ItemFilter(*spec) for spec in FILTERS]
    selected = 0
    for product_name, product in tree.get("products", {}).items():
        kept = {}
        for version_name, version in product.get("versions", {}).items():
            matching = 0
            for item_name in version.get("items", {}):
                flat = products_exdata(tree, (product_name, version_name, item_name))
                if all(f.matches(flat) for f in filters):
                    matching += 1
            if matching:
                kept[version_name] = matching
        for version_name in sorted(kept, reverse=True)[:maximum]:
            selected += kept[version_name]
    print(selected)


if __name__ == "__main__":
    main()
