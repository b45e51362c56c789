# The flattening and query of `stream-query query`, in jq, for compare-streams.sh.
#
#     jq -f streams-query.jq --argjson max 2 products.json        # prints the number of items selected
#     jq -f streams-query.jq --argjson max 0 products.json        # 0: every item, prints "items N attributes A"
#
# Every item is flattened as python-simplestreams' products_exdata does it: the string, number and Boolean members of
# the top level, then the product's, `product_name`, the version's, `version_name`, the item's, `item_name`, each
# overwriting the one before. Then the filters arch=amd64, release~^(jammy|noble)$ and ftype=squashfs (a missing key
# compares as ""), and per product the newest $max versions (version names in code-point order) that have a match.

def scalars_only: with_entries(select(.value | type == "string" or type == "number" or type == "boolean"));
def text($key): if has($key) then .[$key] | tostring else "" end;

(scalars_only) as $top
| [
    .products | to_entries[] | .key as $product_name | .value as $product
    | ($top + ($product | scalars_only) + {product_name: $product_name}) as $inherited
    | $product.versions | to_entries[] | .key as $version_name | .value as $version
    | ($inherited + ($version | scalars_only) + {version_name: $version_name}) as $inherited
    | $version.items | to_entries[]
    | $inherited + (.value | scalars_only) + {item_name: .key}
  ]
| if $max == 0 then
    "items \(length) attributes \(map(length) | add)"
  else
    map(select(text("arch") == "amd64" and (text("release") | test("^(jammy|noble)$"))
        and text("ftype") == "squashfs"))
    | group_by(.product_name)
    | map(group_by(.version_name) | sort_by(.[0].version_name) | reverse | .[:$max] | map(length) | add)
    | add // 0
  end
