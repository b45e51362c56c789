// stream-query: the products-document workloads of compare-streams.sh, one per process, and the input generator.
//
//     stream-query prepare [--items N]           # generate the document once (default 50,000 items); print
//                                                # "items N bytes B path P"
//     stream-query query FILE [--max N] [FILTER...]     # ProductsDocument(parsing:) + StreamQuery.run: the library
//     stream-query flatten-filter FILE [--max N] [FILTER...]   # every item's attributes materialised, then filtered
//     stream-query flatten FILE                  # ProductsDocument + flattenedItems() + every item's attributes
//     stream-query parse FILE                    # JSONValue(parsing:) alone
//     stream-query raw FILE                      # JSONSerialization.jsonObject(with:) alone: the baseline
//     stream-query phases FILE [--rounds R]      # in-process: parse, validate, query, flattenedItems, attributes
//                                                # and release timed apart, R rounds (default 10), medians in ms
//
// Without FILTERs the query modes use `arch=amd64 release~^(jammy|noble)$ ftype=squashfs`, and `--max` is 2 unless
// given (`--max all` keeps every version). The query modes print the number of items selected, `flatten` the item
// and attribute counts, `parse` the number of top-level members, `raw` the number of products. Each mode reads FILE
// with read(2) first; that is part of what is timed from outside.

import Foundation
import StreamsSupport

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("stream-query: \(message)\n".utf8))
    exit(2)
}

let usage =
    "usage: stream-query prepare [--items N] | query|flatten-filter FILE [--max N|all] [FILTER...] "
    + "| flatten|parse|raw FILE | phases FILE [--rounds R]"
var arguments = CommandLine.arguments.dropFirst()
guard let mode = arguments.popFirst() else { fail(usage) }

do {
    switch mode {
    case "prepare":
        var items = GeneratedStream.defaultItemCount
        while let argument = arguments.popFirst() {
            guard argument == "--items", let value = arguments.popFirst().flatMap({ Int($0) }), value >= 0 else {
                fail(usage)
            }
            items = value
        }
        let input = try StreamInputs.products(itemCount: items)
        print("items \(input.itemCount) bytes \(input.size) path \(input.path)")
    case "phases":
        guard let path = arguments.popFirst() else { fail(usage) }
        var rounds = 10
        while let argument = arguments.popFirst() {
            guard argument == "--rounds", let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else {
                fail(usage)
            }
            rounds = value
        }
        let bytes = try StreamInputs.readBytes(atPath: path)
        let phases = try StreamWorkloads.phases(bytes, rounds: rounds)
        print(phases.map { "\($0.name)=\(String(format: "%.1f", $0.seconds * 1000))" }.joined(separator: " "))
    case "query", "flatten-filter", "flatten", "parse", "raw":
        guard let path = arguments.popFirst() else { fail(usage) }
        var filters: [String] = []
        var maximumVersions: Int? = StreamWorkloads.maximumVersions
        while let argument = arguments.popFirst() {
            if argument == "--max" {
                guard let value = arguments.popFirst() else { fail("--max takes N or all") }
                if value == "all" {
                    maximumVersions = nil
                } else {
                    guard let number = Int(value), number >= 0 else { fail("--max takes N or all") }
                    maximumVersions = number
                }
            } else {
                filters.append(argument)
            }
        }
        if filters.isEmpty { filters = StreamWorkloads.filters }
        let bytes = try StreamInputs.readBytes(atPath: path)
        switch mode {
        case "query":
            print(try StreamWorkloads.query(bytes, filters: filters, maximumVersions: maximumVersions))
        case "flatten-filter":
            print(try StreamWorkloads.flattenThenFilter(bytes, filters: filters, maximumVersions: maximumVersions))
        case "flatten":
            let counts = try StreamWorkloads.flattenAll(bytes)
            print("items \(counts.items) attributes \(counts.attributes)")
        case "parse":
            print(try StreamWorkloads.parse(bytes))
        default:
            print(try StreamWorkloads.rawParse(bytes))
        }
    default:
        fail(usage)
    }
} catch {
    fail("\(error)")
}
