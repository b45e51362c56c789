#!/usr/bin/env bash
# Compares the native Swift xz decoder with liblzma, on the MAAS-sized server image and minbase, in one run:
#
#  1. decode only, one thread: every unique compressed data, fragment and metadata block of the image decoded by
#     each engine through the reader's own decoders (`xz-decode IMAGE --rounds R`: an untimed check that both
#     engines give the same bytes on every block, then R interleaved rounds); MiB/s of output per engine and the
#     ratio native / liblzma (medians, and the median of the per-round ratios);
#  2. instructions per MiB of output of both engines on a sample of the blocks (callgrind-xz.sh; exact, unlike
#     wall time on a shared machine; XZ_CALLGRIND=0 skips it);
#  3. full extraction to tmpfs at equal cores: `maas-images squashfs extract IMG OUT --xz-decoder native`, the
#     same with `--xz-decoder liblzma` (both with the default jobs: every online CPU) and
#     `unsquashfs -q -n -p $(nproc) -d OUT IMG`, in interleaved rounds (the order rotated each round, OUT removed
#     before each run, not timed); wall time around the process, CPU and peak RSS from GNU time; medians and the
#     ratios unsquashfs / ours and liblzma / native (medians, then paired per round). Untimed check first: the
#     native extraction equals unsquashfs's (contents, types, modes, owners, times, link targets, xattrs).
#
# Usage: ./compare-xz.sh
#
# Environment:
#   BENCHMARK_DATA_DIR     where the benchmark images are (default /tmp/swift-maas-images-bench); missing ones are
#                          built first (`benchmark-images minbase server`: debootstrap, as root, with network)
#   XZ_IMAGES              the images to measure instead (paths, space-separated)
#   XZ_DECODE_ROUNDS       decode-only rounds per image (default 3)
#   XZ_EXTRACT_ROUNDS      extraction rounds per image (default 3)
#   XZ_CALLGRIND=0         skip the callgrind counts; CALLGRIND_SAMPLE_MIB sets their sample (default 64)
#   BENCHMARK_EXTRACT_DIR  where extractions are written (default /dev/shm, tmpfs, so disk I/O is not measured)
#   MAAS_IMAGES, XZ_DECODE binaries to measure instead of building them in release
#   MAIN_SCRATCH_PATH, BENCH_SCRATCH_PATH  --scratch-path of those release builds
#
# Raw results are kept in .build/compare-xz/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
data="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
decode_rounds="${XZ_DECODE_ROUNDS:-3}"
rounds="${XZ_EXTRACT_ROUNDS:-3}"
results="$(pwd)/.build/compare-xz"
processors="$(nproc)"

# shellcheck source=common.sh
source ./common.sh

require_tools unsquashfs getfattr
mkdir -p "${results}"

build_maas_images
if ! "${cli}" squashfs extract --help 2> /dev/null | grep -q -- '--xz-decoder'; then
    echo "error: ${cli} squashfs extract has no --xz-decoder option" >&2
    exit 1
fi
build_xz_decode

if [ -n "${XZ_IMAGES:-}" ]; then
    read -r -a images <<< "${XZ_IMAGES}"
else
    images=("${data}/server-xz.sqfs" "${data}/img-xz.sqfs")
    if [ ! -f "${images[0]}" ] || [ ! -f "${images[1]}" ]; then
        section "Building the benchmark images (once)"
        image_build=(swift run -c release)
        [ -n "${BENCH_SCRATCH_PATH:-}" ] && image_build+=(--scratch-path "${BENCH_SCRATCH_PATH}")
        BENCHMARK_DATA_DIR="${data}" "${image_build[@]}" benchmark-images minbase server
    fi
fi

# --- 1. Decode only, one thread.

declare -A decode_ratio native_mibs liblzma_mibs
for image in "${images[@]}"; do
    cat "${image}" > /dev/null # into the page cache
    section "Decode only, one thread: ${image} (${decode_rounds} interleaved rounds)"
    log="${results}/decode-$(basename "${image}" .sqfs).txt"
    "${xz_decode}" "${image}" --rounds "${decode_rounds}" | tee "${log}"
    native_mibs[${image}]="$(sed -n 's/^median engine=native //p' "${log}")"
    liblzma_mibs[${image}]="$(sed -n 's/^median engine=liblzma //p' "${log}")"
    decode_ratio[${image}]="$(sed -n 's/^ratio native\/liblzma \(.*\) rounds=.*/\1/p' "${log}")"
done

# --- 2. Instructions per MiB of output.

if [ "${XZ_CALLGRIND:-1}" = 1 ]; then
    XZ_DECODE="${xz_decode}" ./callgrind-xz.sh "${images[0]}" | tee "${results}/callgrind.txt"
fi

# --- 3. Full extraction at equal cores, interleaved rounds.

out="${BENCHMARK_EXTRACT_DIR:-/dev/shm}/swift-maas-images-compare-xz-$$"
cleanup() { rm -rf "${out}" "${out}.ours" "${out}.unsquashfs"; }
trap cleanup EXIT

tools=(native liblzma unsquashfs)
declare -A command_of=(
    [native]="${cli} squashfs extract IMG OUT --xz-decoder native"
    [liblzma]="${cli} squashfs extract IMG OUT --xz-decoder liblzma"
    [unsquashfs]="unsquashfs -q -n -p ${processors} -d OUT IMG"
)
rounds_file="${results}/extract-rounds.txt"
: > "${rounds_file}"

# run_once IMAGE TOOL: one timed run with OUT removed first (not timed); appends "IMAGE ROUND TOOL WALL_S CPU_S
# PEAK_RSS_KIB LOAD" to the rounds file and prints it.
run_once() {
    local image="$1" tool="$2" start end rss user sys argv=()
    local command="${command_of[${tool}]//IMG/${image}}"
    read -r -a argv <<< "${command//OUT/${out}}"
    rm -rf "${out}"
    sync
    start="$(date +%s%N)"
    if ! /usr/bin/time -f '%M %U %S' -o "${results}/time.txt" "${argv[@]}" > /dev/null 2> "${results}/stderr.txt"
    then
        echo "error: ${tool} failed: ${argv[*]}" >&2
        head -5 "${results}/stderr.txt" >&2
        exit 1
    fi
    end="$(date +%s%N)"
    read -r rss user sys < <(tail -1 "${results}/time.txt")
    awk -v i="$(basename "${image}" .sqfs)" -v r="${round}" -v t="${tool}" -v w="$((end - start))" -v c="${user}" \
        -v s="${sys}" -v m="${rss}" -v a="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { printf "%s %d %s %.4f %.2f %d %s\n", i, r, t, w / 1e9, c + s, m, a }' | tee -a "${rounds_file}"
}

listing() {
    (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort && getfattr -R -h -d -m - . 2> /dev/null | sort)
}

for image in "${images[@]}"; do
    label="$(basename "${image}" .sqfs)"
    cat "${image}" > /dev/null
    section "Extraction of ${image}: untimed check (--xz-decoder native against unsquashfs)"
    rm -rf "${out}.ours" "${out}.unsquashfs"
    "${cli}" squashfs extract "${image}" "${out}.ours" --xz-decoder native > /dev/null
    unsquashfs -q -n -d "${out}.unsquashfs" "${image}" > /dev/null
    verify="${results}/verify-${label}.txt"
    { diff -r --no-dereference -q "${out}.ours" "${out}.unsquashfs" || true; } \
        | { grep -v 'special file while file .* special file$' || true; } > "${verify}"
    { diff <(listing "${out}.ours") <(listing "${out}.unsquashfs") || true; } >> "${verify}"
    if [ -s "${verify}" ]; then
        echo "error: ${label}: the native extraction differs from unsquashfs's; see ${verify}" >&2
        head -5 "${verify}" >&2
        exit 1
    fi
    echo "${label}: the native extraction equals unsquashfs's (contents, types, modes, owners, times, xattrs)"
    rm -rf "${out}.ours" "${out}.unsquashfs"

    section "Extraction of ${image}: ${rounds} interleaved rounds to ${out%/*} (${processors} online CPUs)"
    for tool in "${tools[@]}"; do printf '%-10s %s\n' "${tool}" "${command_of[${tool}]}"; done
    echo "(image round tool wall_s cpu_s peak_rss_kib load)"
    for ((round = 1; round <= rounds; round++)); do
        for ((step = 0; step < ${#tools[@]}; step++)); do
            run_once "${image}" "${tools[$(((step + round - 1) % ${#tools[@]}))]}"
        done
    done
    rm -rf "${out}"
done

# field of the rounds file: 4 wall, 5 CPU, 6 RSS KiB.
stat_of() { awk -v i="$1" -v t="$2" -v f="$3" '$1 == i && $3 == t { print $f }' "${rounds_file}" | median; }
# The median over rounds of image $1's tool $2 wall time / tool $3 wall time in the same round.
paired_of() {
    awk -v i="$1" -v a="$2" -v b="$3" '$1 == i && $3 == a { x[$2] = $4 } $1 == i && $3 == b { y[$2] = $4 }
        END { for (r in x) if (r in y) print x[r] / y[r] }' "${rounds_file}" | median
}

section "Summary"
printf 'Decode only, one thread (MiB/s of output by wall and thread CPU time, medians; ratio native / liblzma of\n'
printf 'throughput, > 1: native faster; cpu_: by thread CPU time)\n'
for image in "${images[@]}"; do
    printf '  %-16s native:  %s\n' "$(basename "${image}" .sqfs)" "${native_mibs[${image}]}"
    printf '  %-16s liblzma: %s\n' "" "${liblzma_mibs[${image}]}"
    printf '  %-16s ratio:   %s\n' "" "${decode_ratio[${image}]}"
done
if [ -f "${results}/callgrind.txt" ] && [ "${XZ_CALLGRIND:-1}" = 1 ]; then
    printf '\nInstructions (callgrind, %s)\n' "$(basename "${images[0]}" .sqfs)"
    grep -E '^(engine|native|liblzma) ' "${results}/callgrind.txt" | sed 's/^/  /'
fi
printf '\nExtraction (medians of %s rounds; wall s, CPU s, peak RSS MiB; ratios of wall time, > 1: %s)\n' \
    "${rounds}" "the second is faster"
printf '  %-16s %-10s %8s %8s %9s\n' image tool "wall s" "CPU s" "RSS MiB"
for image in "${images[@]}"; do
    label="$(basename "${image}" .sqfs)"
    for tool in "${tools[@]}"; do
        printf '  %-16s %-10s %8.3f %8.2f %9.1f\n' "${label}" "${tool}" "$(stat_of "${label}" "${tool}" 4)" \
            "$(stat_of "${label}" "${tool}" 5)" \
            "$(awk -v k="$(stat_of "${label}" "${tool}" 6)" 'BEGIN { print k / 1024 }')"
    done
    for pair in "native unsquashfs" "liblzma unsquashfs" "native liblzma"; do
        read -r ours theirs <<< "${pair}"
        printf '  %-16s %-22s medians %.2fx, paired %.2fx\n' "${label}" "${theirs} / ${ours}" \
            "$(awk -v a="$(stat_of "${label}" "${theirs}" 4)" -v b="$(stat_of "${label}" "${ours}" 4)" \
                'BEGIN { print a / b }')" "$(paired_of "${label}" "${theirs}" "${ours}")"
    done
done
