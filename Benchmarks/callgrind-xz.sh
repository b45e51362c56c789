#!/usr/bin/env bash
# Instructions per MiB of output of the native Swift xz decoder and of liblzma, on the same blocks of a squashfs
# image, counted by callgrind: exact and repeatable, unlike wall time on a shared machine.
#
#  `xz-decode IMAGE --sample-mib N` keeps every k-th compressed block of the image (data, fragment and metadata
#  blocks, spread over the whole image; k chosen for about N MiB of output). Untimed check first: both engines
#  decode those blocks to the same bytes (`xz-decode --rounds 0`). Then, once per engine, one decode pass under
#  `valgrind --tool=callgrind --toggle-collect='*xzDecodePass*'`: only the pass is counted (not the enumeration, the
#  image read or the process start). Prints the instructions (Ir), the output bytes, Ir per MiB and per byte of
#  output, and the ratio liblzma / engine (above 1: the engine executes fewer instructions than liblzma). The
#  callgrind files and a `callgrind_annotate` of each (the functions that cost most) are kept in .build/callgrind-xz/.
#
# Usage: ./callgrind-xz.sh [IMAGE]
#
#   IMAGE defaults to $BENCHMARK_DATA_DIR/server-xz.sqfs, else img-xz.sqfs (minbase); build them with
#   `swift run -c release benchmark-images minbase server`.
#
# Environment:
#   BENCHMARK_DATA_DIR    where the benchmark images are (default /tmp/swift-maas-images-bench)
#   CALLGRIND_SAMPLE_MIB  MiB of output to decode (default 64)
#   CALLGRIND_ENGINES     the engines counted, liblzma last (default "native liblzma"; `native-lzma2` is the native
#                         LZMA2 decoder without the xz container)
#   XZ_DECODE             an xz-decode binary to use instead of building this package's in release
#   BENCH_SCRATCH_PATH    --scratch-path for the release build of xz-decode (default: this package's .build)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
data="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
sample_mib="${CALLGRIND_SAMPLE_MIB:-64}"
read -r -a engines <<< "${CALLGRIND_ENGINES:-native liblzma}"
results="$(pwd)/.build/callgrind-xz"

# shellcheck source=common.sh
source ./common.sh

require_tools valgrind callgrind_annotate

image="${1:-}"
if [ -z "${image}" ]; then
    image="${data}/server-xz.sqfs"
    [ -f "${image}" ] || image="${data}/img-xz.sqfs"
fi
if [ ! -f "${image}" ]; then
    echo "error: no image ${image}: swift run -c release benchmark-images minbase server" >&2
    exit 1
fi

build_xz_decode

mkdir -p "${results}"
section "Untimed check: both engines decode the sampled blocks of ${image} to the same bytes"
engine_options=()
for engine in "${engines[@]}"; do engine_options+=(--engine "${engine}"); done
"${xz_decode}" "${image}" "${engine_options[@]}" --sample-mib "${sample_mib}" --rounds 0

section "callgrind, one pass per engine (about ${sample_mib} MiB of output; a few minutes)"
declare -A instructions output
for engine in "${engines[@]}"; do
    valgrind --tool=callgrind --toggle-collect='*xzDecodePass*' --callgrind-out-file="${results}/${engine}.out" \
        "${xz_decode}" "${image}" --engine "${engine}" --sample-mib "${sample_mib}" --rounds 1 --no-verify \
        > "${results}/${engine}.txt" 2> "${results}/${engine}.valgrind.log"
    instructions[${engine}]="$(awk '$1 == "summary:" { print $2 }' "${results}/${engine}.out")"
    output[${engine}]="$(sed -n 's/^decode .* out_bytes=\([0-9]*\) .*/\1/p' "${results}/${engine}.txt")"
    callgrind_annotate "${results}/${engine}.out" 2> /dev/null | head -40 > "${results}/${engine}.annotate.txt" || true
done
printf '%-13s %16s %14s %14s %10s %14s\n' engine "instructions" "output bytes" "Ir/MiB" "Ir/byte" "liblzma/this"
for engine in "${engines[@]}"; do
    if [ "${output[${engine}]}" != "${output[${engines[0]}]}" ]; then
        echo "error: the engines decoded different sizes" >&2
        exit 1
    fi
    printf '%-13s %16s %14s %14.0f %10.2f %14s\n' "${engine}" "${instructions[${engine}]}" "${output[${engine}]}" \
        "$(awk -v i="${instructions[${engine}]}" -v o="${output[${engine}]}" 'BEGIN { print i / o * 1048576 }')" \
        "$(awk -v i="${instructions[${engine}]}" -v o="${output[${engine}]}" 'BEGIN { print i / o }')" \
        "$(awk -v a="${instructions[liblzma]:-}" -v b="${instructions[${engine}]}" \
            'BEGIN { if (a == "") print "-"; else printf "%.3f", a / b }')"
done
echo "(liblzma/this: liblzma's instructions over this engine's; above 1: this engine executes fewer)"
echo "callgrind files and annotations: ${results}/"
