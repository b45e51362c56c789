#!/usr/bin/env bash
# Runs the benchmark suites once, then prints, per workload, how the native Swift reader compares with libsquashfs:
# the ratio of the p50 wall-clock times, libsquashfs / Swift (above 1 means Swift is faster). For context it then
# times the command-line peers on the same images with hyperfine: `unsquashfs -lls`, `rdsquashfs -d` and
# `maas-images squashfs ls -r -l`.
#
# Usage: ./compare.sh            (what `make bench` runs, from a clean clone)
#
# Environment:
#   BENCHMARK_DATA_DIR   where the root-filesystem tree and the images are built once and kept
#                        (default /tmp/swift-maas-images-bench; delete it to rebuild)
#   BENCHMARK_BASELINE   the baseline name the run is stored under in .benchmarkBaselines/ (default: compare)
#
# The first run resolves and builds package-benchmark and its dependencies, then builds the inputs: debootstrap
# (about 35 s, as root; a copy of parts of /usr otherwise) and two mksquashfs runs. Later runs reuse both.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export BENCHMARK_DATA_DIR="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
baseline="${BENCHMARK_BASELINE:-compare}"
workloads=("walk xz" "walk gzip" "read xz" "read gzip")

section() { printf '\n== %s\n\n' "$*"; }

# --- Tools: the libsquashfs headers, mksquashfs, debootstrap and the CLI peers; installed when missing (as root).

missing=()
pkg-config --exists libsquashfs1 2>/dev/null || missing+=(libsquashfs-dev pkg-config)
command -v mksquashfs > /dev/null || missing+=(squashfs-tools)
command -v rdsquashfs > /dev/null || missing+=(squashfs-tools-ng)
command -v debootstrap > /dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
command -v hyperfine > /dev/null || missing+=(hyperfine)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
        section "Installing ${missing[*]}"
        apt-get install -y --no-install-recommends "${missing[@]}" \
            || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } \
            || echo "warning: could not install all of: ${missing[*]}" >&2
    else
        echo "warning: missing Debian packages: ${missing[*]} (install them as root)" >&2
    fi
fi

# --- The CLI from the parent package, for the peer comparison.

section "Building maas-images (release)"
swift build -c release --package-path .. --product maas-images
cli="$(swift build -c release --package-path .. --show-bin-path)/maas-images"

# --- The benchmarks: one run, stored as a baseline, then printed as tables and as CSV for the ratios.

section "Running the benchmarks (swift package benchmark; inputs in ${BENCHMARK_DATA_DIR})"
swift package --disable-sandbox --allow-writing-to-package-directory \
    benchmark baseline update "${baseline}" --no-progress

section "Results"
swift package --disable-sandbox benchmark baseline read "${baseline}" --no-progress

csv="$(mktemp)"
trap 'rm -f "${csv}"' EXIT
swift package --disable-sandbox benchmark baseline read "${baseline}" --format influx --path stdout --no-progress \
    2> /dev/null > "${csv}"

section "Swift vs libsquashfs, p50 wall clock (ratio = libsquashfs / Swift; > 1 means Swift is faster)"
status=0
printf '%-10s %14s %16s %8s   %s\n' workload "Swift (ms)" "libsquashfs (ms)" ratio "target"
for workload in "${workloads[@]}"; do
    # Influx rows: ...,metric,unit,test,percentile,value,... with wall-clock values in nanoseconds.
    p50() {
        awk -F, -v test="$1" '$7 == "Time(wallclock)" && $9 == test && $10 == "50.0" { print $11 }' "${csv}"
    }
    swift_ns="$(p50 "${workload} Swift")"
    lib_ns="$(p50 "${workload} libsquashfs")"
    if [ -z "${swift_ns}" ] || [ -z "${lib_ns}" ]; then
        echo "error: no p50 wall clock for '${workload}' in the run" >&2
        status=1
        continue
    fi
    case "${workload}" in
        walk*) goal=2 ;;
        *) goal=1 ;;
    esac
    awk -v w="${workload}" -v s="${swift_ns}" -v l="${lib_ns}" -v goal="${goal}" 'BEGIN {
        ratio = l / s
        verdict = ratio >= goal ? "met" : "MISSED"
        printf "%-10s %14.2f %16.2f %7.2fx   >= %dx: %s\n", w, s / 1e6, l / 1e6, ratio, goal, verdict
    }'
done

# --- The command-line peers on the same images.

if command -v hyperfine > /dev/null; then
    for compression in xz gzip; do
        image="${BENCHMARK_DATA_DIR}/img-${compression}.sqfs"
        section "CLI peers, long recursive listing of ${image}"
        hyperfine --warmup 3 --min-runs 15 --style basic \
            --command-name "unsquashfs -lls" "unsquashfs -lls '${image}' > /dev/null" \
            --command-name "rdsquashfs -d" "rdsquashfs -d '${image}' > /dev/null" \
            --command-name "maas-images squashfs ls -r -l" "'${cli}' squashfs ls -r -l '${image}' > /dev/null"
    done
else
    section "CLI peers skipped: hyperfine is not installed"
fi

exit "${status}"
