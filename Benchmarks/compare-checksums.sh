#!/usr/bin/env bash
# Compares the checksum verification of swift-maas-images with its peers, in one run:
#
#  1. SHA-256 of one 1 GiB file, in interleaved rounds (every tool once per round, in an order rotated by one each
#     round; the file is in the page cache): `maas-images verify checksum FILE --sha256 HEX --size N` against
#     `openssl dgst -sha256 FILE` and `sha256sum FILE`. Wall time around the process (`date +%s%N`), CPU and peak RSS
#     from GNU time; medians, the ratios ours/openssl and sha256sum/ours (medians, then paired per round), and the
#     targets: within 5 % of openssl, at least 3x faster than sha256sum;
#  2. eight 256 MiB files verified in parallel by the API (`ContentVerifier.verifyFiles`, one task per online
#     processor) against the sum of their serial times (`ContentVerifier.verify(fileAtPath:)` one after the other),
#     in-process, interleaved rounds (`verify-files compare`); target: a speed-up close to the core count;
#  3. with CHECKSUM_SUITES=1, the package-benchmark suite `Checksums` as well (1 GiB SHA-256/SHA-512/MD5 in-process,
#     SHA-256 of 256 MiB in memory, 8 files parallel and serial).
#
# Usage: ./compare-checksums.sh            (what `make bench` runs after compare.sh)
#
# Environment:
#   BENCHMARK_DATA_DIR     where the inputs are generated once and kept, in checksums/ (default
#                          /tmp/swift-maas-images-bench; 3 GiB: random-1GiB.bin, part-{0..7}-256MiB.bin and a
#                          .sha256 file next to each)
#   CHECKSUM_ROUNDS        interleaved rounds of step 1 (default 7)
#   CHECKSUM_PARALLEL_ROUNDS  rounds of step 2 (default 5)
#   CHECKSUM_SUITES=1      also run the package-benchmark suite (step 3)
#   MAAS_IMAGES            a maas-images binary to measure instead of building the parent package in release
#   MAIN_SCRATCH_PATH      --scratch-path for the release build of maas-images (default: the parent's .build)
#
# Raw results are kept in .build/compare-checksums/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export BENCHMARK_DATA_DIR="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
rounds="${CHECKSUM_ROUNDS:-7}"
parallel_rounds="${CHECKSUM_PARALLEL_ROUNDS:-5}"
results="$(pwd)/.build/compare-checksums"
status=0

section() { printf '\n== %s\n\n' "$*"; }
# The median of the numbers on standard input, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

missing=()
command -v openssl > /dev/null || missing+=(openssl)
command -v sha256sum > /dev/null || missing+=(coreutils)
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

section "Building maas-images and verify-files (release)"
if [ -n "${MAAS_IMAGES:-}" ]; then
    cli="${MAAS_IMAGES}"
else
    main_build=(swift build -c release --package-path ..)
    [ -n "${MAIN_SCRATCH_PATH:-}" ] && main_build+=(--scratch-path "${MAIN_SCRATCH_PATH}")
    "${main_build[@]}" --product maas-images
    cli="$("${main_build[@]}" --show-bin-path)/maas-images"
fi
swift build -c release --product verify-files
verify_files="$(swift build -c release --show-bin-path)/verify-files"

section "Inputs (${BENCHMARK_DATA_DIR}/checksums; generated once)"
mkdir -p "${results}"
"${verify_files}" prepare | tee "${results}/inputs.txt"
read -r _ size sha large < <(grep '^large ' "${results}/inputs.txt")
# Untimed cross-checks, which also bring every input into the page cache: the stored digests are sha256sum's, and
# openssl agrees.
(cd / && sha256sum --quiet -c "${BENCHMARK_DATA_DIR}"/checksums/*.sha256)
openssl_sha="$(openssl dgst -sha256 -r "${large}" | cut -d' ' -f1)"
[ "${openssl_sha}" = "${sha}" ] || { echo "error: openssl says ${openssl_sha}, expected ${sha}" >&2; exit 1; }
"${cli}" verify checksum "${large}" --sha256 "${sha}" --size "${size}"
printf '%s %s (SHA-256 %s) checked with sha256sum -c and openssl dgst\n' "${large}" "${size}" "${sha}"

# --- 1. One 1 GiB file: ours vs openssl vs sha256sum, interleaved rounds.

tools=(ours openssl sha256sum)
declare -A command_of=(
    [ours]="${cli} verify checksum ${large} --sha256 ${sha} --size ${size}"
    [openssl]="openssl dgst -sha256 ${large}"
    [sha256sum]="sha256sum ${large}"
)
rounds_file="${results}/sha256-rounds.txt"
: > "${rounds_file}"
section "SHA-256 of 1 GiB, ${rounds} interleaved rounds (wall s, user s, sys s, peak RSS KiB)"
for tool in "${tools[@]}"; do printf '%-10s %s\n' "${tool}" "${command_of[${tool}]}"; done
echo
for ((round = 1; round <= rounds; round++)); do
    for ((step = 0; step < ${#tools[@]}; step++)); do
        tool="${tools[$(((step + round - 1) % ${#tools[@]}))]}"
        read -r -a argv <<< "${command_of[${tool}]}"
        start="$(date +%s%N)"
        /usr/bin/time -f '%U %S %M' -o "${results}/time.txt" "${argv[@]}" > /dev/null
        end="$(date +%s%N)"
        read -r user sys rss < "${results}/time.txt"
        wall="$(awk -v a="${start}" -v b="${end}" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
        echo "${round} ${tool} ${wall} ${user} ${sys} ${rss}" | tee -a "${rounds_file}"
    done
done

column_median() { awk -v t="$1" -v c="$2" '$2 == t { print $c }' "${rounds_file}" | median; }
# The median over rounds of (a's wall / b's wall) in the same round.
paired() {
    awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 } END { for (r in x) print x[r] / y[r] }' \
        "${rounds_file}" | median
}
section "Medians"
printf '%-10s %9s %9s %9s %10s %10s\n' tool "wall (s)" "user (s)" "sys (s)" "RSS (MiB)" "GiB/s"
for tool in "${tools[@]}"; do
    wall="$(column_median "${tool}" 3)"
    printf '%-10s %9.3f %9.3f %9.3f %10.1f %10.2f\n' "${tool}" "${wall}" "$(column_median "${tool}" 4)" \
        "$(column_median "${tool}" 5)" "$(awk -v k="$(column_median "${tool}" 6)" 'BEGIN { print k / 1024 }')" \
        "$(awk -v w="${wall}" -v s="${size}" 'BEGIN { print s / w / 1073741824 }')"
done
ours="$(column_median ours 3)"
openssl_wall="$(column_median openssl 3)"
coreutils_wall="$(column_median sha256sum 3)"
ratio_openssl="$(awk -v a="${ours}" -v b="${openssl_wall}" 'BEGIN { printf "%.3f", a / b }')"
ratio_coreutils="$(awk -v a="${coreutils_wall}" -v b="${ours}" 'BEGIN { printf "%.2f", a / b }')"
paired_openssl="$(paired ours openssl)"
paired_coreutils="$(paired sha256sum ours)"
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo missed; fi; }

# --- 2. Eight files in parallel vs the sum of their serial times.

section "8 x 256 MiB: verifyFiles (parallel) vs the sum of serial verify(fileAtPath:) times, ${parallel_rounds} rounds"
"${verify_files}" compare --rounds "${parallel_rounds}" | tee "${results}/parallel.txt"
read -r speedup paired_speedup cpus < <(awk '/^median/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    print v["speedup"], v["paired_speedup"], v["cpus"] }' "${results}/parallel.txt")

section "Targets"
printf '%-52s %-22s %s\n' target "measured" verdict
printf '%-52s %-22s %s\n' "SHA-256 1 GiB within 5 % of openssl (ours / openssl)" \
    "${ratio_openssl}; paired $(printf '%.3f' "${paired_openssl}")" "$(verdict "${ratio_openssl} <= 1.05")"
printf '%-52s %-22s %s\n' "at least 3x faster than sha256sum (sha256sum / ours)" \
    "${ratio_coreutils}x; paired $(printf '%.2f' "${paired_coreutils}")x" "$(verdict "${ratio_coreutils} >= 3")"
printf '%-52s %-22s %s\n' "8 files: parallel speed-up close to ${cpus} cores (>= 0.9x)" \
    "${speedup}x; paired ${paired_speedup}x" "$(verdict "${speedup} >= 0.9 * ${cpus}")"

# --- 3. The package-benchmark suite, on request.

if [ "${CHECKSUM_SUITES:-0}" = 1 ]; then
    section "package-benchmark: Checksums"
    swift package --disable-sandbox benchmark --target Checksums --no-progress || status=1
fi
exit "${status}"
