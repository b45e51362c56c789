# Shared by the comparison scripts that source it (compare-store-verify.sh, compare-diff.sh, compare-tar.sh,
# compare-xz.sh, callgrind-xz.sh): messages, medians, the tools they need, the maas-images and xz-decode binaries they
# measure, and interleaved timed rounds.
# Source it after `cd` to the Benchmarks directory.

section() { printf '\n== %s\n\n' "$*"; }

# The median of the numbers on standard input, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# Fails unless every command named is on PATH, and GNU time is installed.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "${tool}" > /dev/null || { echo "error: ${tool} is missing" >&2; exit 1; }
    done
    [ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 1; }
}

# Sets `cli` to $MAAS_IMAGES, or builds the parent package's maas-images in release (--scratch-path
# $MAIN_SCRATCH_PATH when set) and sets `cli` to it.
build_maas_images() {
    section "Building maas-images (release)"
    if [ -n "${MAAS_IMAGES:-}" ]; then
        cli="${MAAS_IMAGES}"
        return
    fi
    local main_build=(swift build -c release --package-path ..)
    [ -n "${MAIN_SCRATCH_PATH:-}" ] && main_build+=(--scratch-path "${MAIN_SCRATCH_PATH}")
    "${main_build[@]}" --product maas-images
    cli="$("${main_build[@]}" --show-bin-path)/maas-images"
}

# Runs the commands of `tools` (each `command_of[tool]`) `rounds` times in the directory $1, the order rotated each
# round, standard output discarded and standard error appended to $results/stderr.log; appends one line per run,
# "ROUND TOOL WALL_S USER_S SYS_S PEAK_RSS_KIB", to `rounds_file` and prints it.
run_interleaved_rounds() {
    local directory="$1" round step tool start end user sys rss wall
    local argv=()
    : > "${rounds_file}"
    : > "${results}/stderr.log"
    for ((round = 1; round <= rounds; round++)); do
        for ((step = 0; step < ${#tools[@]}; step++)); do
            tool="${tools[$(((step + round - 1) % ${#tools[@]}))]}"
            read -r -a argv <<< "${command_of[${tool}]}"
            start="$(date +%s%N)"
            (cd "${directory}" && /usr/bin/time -f '%U %S %M' -o "${results}/time.txt" "${argv[@]}" > /dev/null \
                2>> "${results}/stderr.log")
            end="$(date +%s%N)"
            read -r user sys rss < "${results}/time.txt"
            wall="$(awk -v a="${start}" -v b="${end}" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
            echo "${round} ${tool} ${wall} ${user} ${sys} ${rss}" | tee -a "${rounds_file}"
        done
    done
}

# The median over the rounds of column $2 of tool $1 in `rounds_file`.
column_median() { awk -v t="$1" -v c="$2" '$2 == t { print $c }' "${rounds_file}" | median; }

# The median over the rounds of (tool $1's wall time / tool $2's wall time) in the same round.
paired() {
    awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 } END { for (r in x) print x[r] / y[r] }' \
        "${rounds_file}" | median
}

# Sets `xz_decode` to $XZ_DECODE, or builds this package's xz-decode (native xz decoder vs liblzma) in release
# (--scratch-path $BENCH_SCRATCH_PATH when set) and sets `xz_decode` to it.
build_xz_decode() {
    section "Building xz-decode (release)"
    if [ -n "${XZ_DECODE:-}" ]; then
        xz_decode="${XZ_DECODE}"
        return
    fi
    local bench_build=(swift build -c release)
    [ -n "${BENCH_SCRATCH_PATH:-}" ] && bench_build+=(--scratch-path "${BENCH_SCRATCH_PATH}")
    "${bench_build[@]}" --product xz-decode
    xz_decode="$("${bench_build[@]}" --show-bin-path)/xz-decode"
}
