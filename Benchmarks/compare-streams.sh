#!/usr/bin/env bash
# Compares reading a MAAS-scale products document with swift-maas-images' SimpleStreams module against its peers, in
# one run:
#
#  1. a generated `com.ubuntu.maas:stable:v3:download` document of 50,000 items (`stream-query prepare`: 150 products
#     `com.ubuntu.maas.stable:v3:boot:<version>:<arch>:<subarch>`, 12,500 versions, items boot-kernel, boot-initrd,
#     manifest and squashfs, condensed and written as the producer writes it), generated once;
#  2. untimed cross-checks: the Swift query, jq and Python select the same number of items, and the three
#     flattenings give the same number of items and inherited attributes;
#  3. hyperfine (no shell, warm-ups, at least STREAM_RUNS runs each, medians), one process per run, each reading the
#     file itself:
#       - ours: `stream-query query FILE`: ProductsDocument(parsing:) + StreamQuery.run with arch=amd64,
#         release~^(jammy|noble)$, ftype=squashfs and max 2, printing the number of items selected;
#       - baseline: `stream-query raw FILE`: Foundation's JSONSerialization.jsonObject(with:) of the same bytes only;
#       - `stream-query parse FILE` (JSONValue(parsing:) only), `stream-query flatten FILE` (ProductsDocument +
#         flattenedItems() + every item's attributes materialised) and `stream-query flatten-filter FILE` (the same,
#         then ItemFilter.matches on every materialised item and the max in the tool), for where the time goes;
#       - `jq -f Peers/streams-query.jq --argjson max 2 FILE`: the same flattening (every item's merged object of
#         scalars), filters and max, in jq;
#       - `python3 Peers/streams_query.py FILE 2`: json.load + python-simplestreams' products_exdata and filters;
#       - jq-flatten and python-flatten (`--argjson max 0`, `FILE 0`): every item flattened, counted, no filter: the
#         peers of `stream-query flatten`;
#  4. peak RSS of each command: GNU `time -f %M`, the median of STREAM_RSS_ROUNDS runs;
#  5. the ratios and the targets: ours within 2x of the raw JSONSerialization parse, faster than jq;
#  6. with STREAM_SUITES=1, the package-benchmark suite `Streams` as well.
#
# Usage: ./compare-streams.sh              (what `make bench` runs after compare-checksums.sh)
#
# Environment:
#   BENCHMARK_DATA_DIR   where the document is generated once and kept, in streams/ (default
#                        /tmp/swift-maas-images-bench; products-50000.json, 13 MB)
#   STREAM_ITEMS         the document's item count (default 50000)
#   STREAM_RUNS          hyperfine's minimum runs per command (default 10; 3 warm-ups)
#   STREAM_RSS_ROUNDS    GNU time runs per command for the peak RSS (default 3)
#   STREAM_SUITES=1      also run the package-benchmark suite (step 6)
#   STREAM_QUERY         a stream-query binary to measure instead of building it here in release
#
# Raw results are kept in .build/compare-streams/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export BENCHMARK_DATA_DIR="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
items="${STREAM_ITEMS:-50000}"
runs="${STREAM_RUNS:-10}"
rss_rounds="${STREAM_RSS_ROUNDS:-3}"
results="$(pwd)/.build/compare-streams"
status=0

section() { printf '\n== %s\n\n' "$*"; }
# The median of the numbers on standard input, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

missing=()
command -v jq > /dev/null || missing+=(jq)
command -v hyperfine > /dev/null || missing+=(hyperfine)
command -v python3 > /dev/null || missing+=(python3)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
        section "Installing ${missing[*]}"
        apt-get install -y --no-install-recommends "${missing[@]}" \
            || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
    else
        echo "error: missing Debian packages: ${missing[*]} (install them as root)" >&2
        exit 1
    fi
fi

section "Building stream-query (release)"
if [ -n "${STREAM_QUERY:-}" ]; then
    stream_query="${STREAM_QUERY}"
else
    swift build -c release --product stream-query
    stream_query="$(swift build -c release --show-bin-path)/stream-query"
fi

section "Input (${BENCHMARK_DATA_DIR}/streams; generated once)"
mkdir -p "${results}"
"${stream_query}" prepare --items "${items}" | tee "${results}/input.txt"
read -r _ _ _ size _ file < "${results}/input.txt"
printf '%s: %s bytes, %s items; %s, %s\n' "${file}" "${size}" "${items}" "$(jq --version)" "$(python3 --version)"

# --- 2. Cross-checks, untimed (they also bring the file into the page cache).

section "Cross-checks"
jq_program="$(pwd)/Peers/streams-query.jq"
python_program="$(pwd)/Peers/streams_query.py"
declare -A selected=(
    [ours]="$("${stream_query}" query "${file}")"
    [ours-flatten-filter]="$("${stream_query}" flatten-filter "${file}")"
    [jq]="$(jq -r -f "${jq_program}" --argjson max 2 "${file}")"
    [python]="$(python3 "${python_program}" "${file}" 2)"
)
declare -A flattened=(
    [ours]="$("${stream_query}" flatten "${file}")"
    [jq]="$(jq -r -f "${jq_program}" --argjson max 0 "${file}")"
    [python]="$(python3 "${python_program}" "${file}" 0)"
)
for tool in ours ours-flatten-filter jq python; do printf 'selected  %-20s %s\n' "${tool}" "${selected[${tool}]}"; done
for tool in ours jq python; do printf 'flattened %-20s %s\n' "${tool}" "${flattened[${tool}]}"; done
for tool in ours-flatten-filter jq python; do
    if [ "${selected[${tool}]}" != "${selected[ours]}" ]; then
        echo "error: ${tool} selects ${selected[${tool}]} items, ours ${selected[ours]}" >&2
        exit 1
    fi
done
for tool in jq python; do
    if [ "${flattened[${tool}]}" != "${flattened[ours]}" ]; then
        echo "error: ${tool} flattens to '${flattened[${tool}]}', ours to '${flattened[ours]}'" >&2
        exit 1
    fi
done
echo "all agree"

# --- 3. hyperfine, every command in the same run.

names=(ours raw parse flatten flatten-filter jq python jq-flatten python-flatten)
declare -A command_of=(
    [ours]="${stream_query} query ${file}"
    [raw]="${stream_query} raw ${file}"
    [parse]="${stream_query} parse ${file}"
    [flatten]="${stream_query} flatten ${file}"
    [flatten-filter]="${stream_query} flatten-filter ${file}"
    [jq]="jq -r -f ${jq_program} --argjson max 2 ${file}"
    [python]="python3 ${python_program} ${file} 2"
    [jq-flatten]="jq -r -f ${jq_program} --argjson max 0 ${file}"
    [python-flatten]="python3 ${python_program} ${file} 0"
)
section "hyperfine: ${items} items, at least ${runs} runs, 3 warm-ups"
hyperfine_args=(-N --warmup 3 --min-runs "${runs}" --export-json "${results}/hyperfine.json"
    --export-markdown "${results}/hyperfine.md")
for name in "${names[@]}"; do hyperfine_args+=(--command-name "${name}" "${command_of[${name}]}"); done
hyperfine "${hyperfine_args[@]}"

# --- 4. Peak RSS.

section "Peak RSS (GNU time %M, median of ${rss_rounds} runs)"
declare -A rss_of
for name in "${names[@]}"; do
    read -r -a argv <<< "${command_of[${name}]}"
    for ((round = 1; round <= rss_rounds; round++)); do
        /usr/bin/time -f '%M' -o "${results}/time.txt" "${argv[@]}" > /dev/null
        cat "${results}/time.txt"
    done | median > "${results}/rss-${name}.txt"
    rss_of[${name}]="$(cat "${results}/rss-${name}.txt")"
    printf '%-16s %8s KiB\n' "${name}" "${rss_of[${name}]}"
done

# --- 5. Medians, ratios, targets.

median_of() { jq -r --arg name "$1" '.results[] | select(.command == $name) | .median' "${results}/hyperfine.json"; }
declare -A wall_of
for name in "${names[@]}"; do wall_of[${name}]="$(median_of "${name}")"; done
section "Medians (wall from hyperfine, peak RSS from GNU time)"
printf '%-16s %10s %10s %12s %12s %10s\n' command "wall (ms)" "RSS (MiB)" "ours / this" "this / raw" "MB/s"
for name in "${names[@]}"; do
    awk -v n="${name}" -v w="${wall_of[${name}]}" -v o="${wall_of[ours]}" -v r="${wall_of[raw]}" \
        -v k="${rss_of[${name}]}" -v s="${size}" \
        'BEGIN { printf "%-16s %10.1f %10.1f %12.3f %12.3f %10.1f\n", n, w * 1000, k / 1024, o / w, w / r, s / w / 1e6 }'
done
printf '\n%s\n' "commands:"
for name in "${names[@]}"; do printf '  %-16s %s\n' "${name}" "${command_of[${name}]}"; done

ratio_raw="$(awk -v a="${wall_of[ours]}" -v b="${wall_of[raw]}" 'BEGIN { printf "%.3f", a / b }')"
ratio_jq="$(awk -v a="${wall_of[jq]}" -v b="${wall_of[ours]}" 'BEGIN { printf "%.2f", a / b }')"
ratio_python="$(awk -v a="${wall_of[python]}" -v b="${wall_of[ours]}" 'BEGIN { printf "%.2f", a / b }')"
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo missed; fi; }
section "Targets"
printf '%-70s %-10s %s\n' target measured verdict
printf '%-70s %-10s %s\n' "parse + flatten + filter within 2x of JSONSerialization (ours / raw)" "${ratio_raw}" \
    "$(verdict "${ratio_raw} <= 2")"
printf '%-70s %-10s %s\n' "faster than jq doing the same (jq / ours)" "${ratio_jq}x" "$(verdict "${ratio_jq} > 1")"
printf '%-70s %-10s %s\n' "(no target) python-simplestreams' algorithm (python / ours)" "${ratio_python}x" "-"
printf '%-70s %-10s %s\n' "(no target) every item's attributes (jq-flatten / flatten, python-flatten / flatten)" \
    "$(awk -v a="${wall_of[jq-flatten]}" -v p="${wall_of[python-flatten]}" -v b="${wall_of[flatten]}" \
        'BEGIN { printf "%.2fx, %.2fx", a / b, p / b }')" "-"

# --- 6. The package-benchmark suite, on request.

if [ "${STREAM_SUITES:-0}" = 1 ]; then
    section "package-benchmark: Streams"
    swift package --disable-sandbox benchmark --target Streams --no-progress || status=1
fi
exit "${status}"
