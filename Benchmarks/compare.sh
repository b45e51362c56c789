#!/usr/bin/env bash
# Compares the native Swift squashfs reader with its peers, in one run:
#
#  1. the package-benchmark suites (TreeWalk, ReadFiles, Extract), stored as a baseline, then the ratios
#     libsquashfs / Swift for the walk and the reads, and Swift / decompression bound for the extraction;
#  2. full extraction of every image to tmpfs, in interleaved rounds (every tool once per round, in rotating order,
#     the output directory removed before each run and not timed): `maas-images squashfs extract IMG OUT`,
#     `unsquashfs -q -n -d OUT IMG`, `rdsquashfs -q -u / -p OUT IMG` and the decompression lower bound
#     (`decode-bound IMG --decoder D`: every unique block decoded once on all cores with liblzma, zlib or libdeflate
#     and nothing else). Wall time and peak RSS (GNU time %M) per run; medians, ratios ours/peer and the targets;
#  3. small operations with hyperfine: `maas-images squashfs manifest` vs `dpkg-query --show` on the unpacked tree,
#     `maas-images squashfs cat` vs `unsquashfs -cat` vs `rdsquashfs -c` of one small file;
#  4. the long recursive listings: `unsquashfs -lls`, `rdsquashfs -d`, `maas-images squashfs ls -r -l`.
#
# Usage: ./compare.sh            (what `make bench` runs, from a clean clone)
#
# Environment:
#   BENCHMARK_DATA_DIR     where the root-filesystem trees and the images are built once and kept
#                          (default /tmp/swift-maas-images-bench; delete it to rebuild)
#   BENCHMARK_TREES        which trees to build and measure: "minbase server" (default here) or "minbase"; the
#                          server tree needs debootstrap and network, and is skipped with a warning if it fails
#   BENCHMARK_BASELINE     the baseline name the suites are stored under in .benchmarkBaselines/ (default: compare)
#   BENCHMARK_EXTRACT_DIR  where extractions are written (default /dev/shm, tmpfs, so disk I/O is not measured)
#   COMPARE_ROUNDS         interleaved extraction rounds per image (default 5)
#   COMPARE_SKIP_SUITES=1  skip step 1 (the CLI comparisons only)
#   COMPARE_VERIFY=0       skip checking, once per image, that our extraction equals unsquashfs's
#   MAIN_SCRATCH_PATH      --scratch-path for the release build of maas-images in the parent package (default: its
#                          .build); use e.g. ../.build-bench to stay out of a concurrent build's way
#
# The first run resolves and builds package-benchmark and its dependencies, then builds the inputs (debootstrap:
# about 35 s for minbase and a few minutes for the server tree, as root; mksquashfs twice per tree). Later runs reuse
# them. Raw results are kept in .build/compare/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export BENCHMARK_DATA_DIR="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
export BENCHMARK_TREES="${BENCHMARK_TREES:-minbase server}"
baseline="${BENCHMARK_BASELINE:-compare}"
rounds="${COMPARE_ROUNDS:-5}"
out_parent="${BENCHMARK_EXTRACT_DIR:-/dev/shm}"
results="$(pwd)/.build/compare"
workloads=("walk xz" "walk gzip" "read xz" "read gzip")
status=0

section() { printf '\n== %s\n\n' "$*"; }
# The median of the numbers on standard input, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# --- Tools: the libsquashfs headers, mksquashfs, debootstrap, setcap, GNU time and the CLI peers; installed when
# missing (as root).

missing=()
pkg-config --exists libsquashfs1 2> /dev/null || missing+=(libsquashfs-dev pkg-config)
for library in liblzma:liblzma-dev zlib:zlib1g-dev libdeflate:libdeflate-dev; do
    pkg-config --exists "${library%%:*}" 2> /dev/null || missing+=("${library#*:}")
done
command -v mksquashfs > /dev/null || missing+=(squashfs-tools)
command -v rdsquashfs > /dev/null || missing+=(squashfs-tools-ng)
command -v debootstrap > /dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
command -v setcap > /dev/null || [ -x /usr/sbin/setcap ] || missing+=(libcap2-bin)
command -v getfattr > /dev/null || missing+=(attr)
command -v hyperfine > /dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
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

# --- The CLI from the parent package, the bound and the image builder from this one.

section "Building maas-images (release), decode-bound and benchmark-images"
main_build=(swift build -c release --package-path ..)
[ -n "${MAIN_SCRATCH_PATH:-}" ] && main_build+=(--scratch-path "${MAIN_SCRATCH_PATH}")
"${main_build[@]}" --product maas-images
cli="$("${main_build[@]}" --show-bin-path)/maas-images"
swift build -c release --product decode-bound
swift build -c release --product benchmark-images
bin="$(swift build -c release --show-bin-path)"
bound="${bin}/decode-bound"
has_extract=1
if ! "${cli}" squashfs extract --help > /dev/null 2>&1; then
    echo "warning: '${cli} squashfs extract' does not exist yet; its rows are left out" >&2
    has_extract=0
fi

section "Inputs (${BENCHMARK_DATA_DIR}; trees: ${BENCHMARK_TREES})"
declare -A image_path=()
labels=()
built_trees=()
for tree in ${BENCHMARK_TREES}; do
    if lines="$("${bin}/benchmark-images" "${tree}")"; then
        built_trees+=("${tree}")
        while read -r label path; do
            image_path["${label}"]="${path}"
            labels+=("${label}")
            printf '%-14s %s (%s)\n' "${label}" "${path}" "$(du -h --apparent-size "${path}" | cut -f1)"
        done <<< "${lines}"
    else
        echo "warning: the ${tree} images could not be built; see ${BENCHMARK_DATA_DIR}/build.log" >&2
    fi
done
[ ${#labels[@]} -gt 0 ] || { echo "error: no benchmark images" >&2; exit 1; }
export BENCHMARK_TREES="${built_trees[*]}"
mkdir -p "${results}"

# --- 1. The suites: one run, stored as a baseline, then printed as tables and as CSV for the ratios.

if [ "${COMPARE_SKIP_SUITES:-0}" != 1 ]; then
    section "Running the benchmarks (swift package benchmark; inputs in ${BENCHMARK_DATA_DIR})"
    swift package --disable-sandbox --allow-writing-to-package-directory \
        benchmark baseline update "${baseline}" --no-progress

    section "Results"
    swift package --disable-sandbox benchmark baseline read "${baseline}" --no-progress

    csv="${results}/suites.csv"
    swift package --disable-sandbox benchmark baseline read "${baseline}" --format influx --path stdout --no-progress \
        2> /dev/null > "${csv}"
    # Influx rows: ...,metric,unit,test,percentile,value,... with wall-clock values in nanoseconds.
    p50() { awk -F, -v test="$1" '$7 == "Time(wallclock)" && $9 == test && $10 == "50.0" { print $11 }' "${csv}"; }

    section "Swift vs libsquashfs, p50 wall clock (ratio = libsquashfs / Swift; > 1 means Swift is faster)"
    printf '%-10s %14s %16s %8s   %s\n' workload "Swift (ms)" "libsquashfs (ms)" ratio "target"
    for workload in "${workloads[@]}"; do
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

    section "Extraction in-process vs decompression bound, p50 wall clock (ratio = Swift / bound; 1 is the floor)"
    printf '%-14s %-11s %12s %12s %8s\n' image bound "Swift (ms)" "bound (ms)" ratio
    for label in "${labels[@]}"; do
        case "${label}" in *-xz) decoders=(liblzma) ;; *) decoders=(zlib libdeflate) ;; esac
        swift_ns="$(p50 "extract ${label} Swift")"
        for decoder in "${decoders[@]}"; do
            bound_ns="$(p50 "extract ${label} bound ${decoder}")"
            if [ -z "${swift_ns}" ] || [ -z "${bound_ns}" ]; then
                echo "warning: no p50 for 'extract ${label}' (Swift or bound ${decoder}) in the run" >&2
                continue
            fi
            awk -v l="${label}" -v d="${decoder}" -v s="${swift_ns}" -v b="${bound_ns}" \
                'BEGIN { printf "%-14s %-11s %12.1f %12.1f %7.2fx\n", l, d, s / 1e6, b / 1e6, s / b }'
        done
    done
fi

# --- 2. Full extraction against the command-line peers and the bound, interleaved rounds.

rounds_file="${results}/extract-rounds.txt"
: > "${rounds_file}"
out="${out_parent}/swift-maas-images-compare-$$"
cleanup() { rm -rf "${out}" "${out}.ours" "${out}.unsquashfs"; }
trap cleanup EXIT

# run_once LABEL TOOL COMMAND...: one timed run with OUT removed first (not timed); appends
# "label tool wall_seconds max_rss_kib cpu_seconds bound_seconds load_average" to the rounds file (bound_seconds:
# the decode phase `decode-bound` reports, "-" for the other tools; load_average: the 1-minute load after the run).
run_once() {
    local label="$1" tool="$2"
    shift 2
    rm -rf "${out}"
    [ "${tool}" = rdsquashfs ] && mkdir -p "${out}"
    sync
    local timing="${results}/time.txt" output="${results}/stdout.txt"
    local start end
    start="$(date +%s%N)"
    if ! /usr/bin/time -f '%M %U %S' -o "${timing}" "$@" > "${output}" 2> "${results}/stderr.txt"; then
        echo "error: ${label}: ${tool} failed: $*" >&2
        sed 's/^/    /' "${results}/stderr.txt" | head -5 >&2
        status=1
        return
    fi
    end="$(date +%s%N)"
    local decode
    decode="$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "${output}" | head -1)"
    read -r rss user system < <(tail -1 "${timing}")
    awk -v l="${label}" -v t="${tool}" -v w="$((end - start))" -v r="${rss}" -v u="${user}" -v s="${system}" \
        -v d="${decode:--}" -v a="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { printf "%s %s %.4f %d %.2f %s %s\n", l, t, w / 1e9, r, u + s, d, a }' >> "${rounds_file}"
}

# The tools of one image, as "name|command" (OUT and IMG substituted by the caller).
tools_for() {
    local label="$1"
    [ "${has_extract}" = 1 ] && echo "ours|${cli} squashfs extract IMG OUT"
    echo "unsquashfs|unsquashfs -q -n -d OUT IMG"
    echo "rdsquashfs|rdsquashfs -q -u / -p OUT IMG"
    case "${label}" in
        *-xz) echo "bound-liblzma|${bound} IMG --decoder liblzma" ;;
        *) echo "bound-zlib|${bound} IMG --decoder zlib" && echo "bound-libdeflate|${bound} IMG --decoder libdeflate" ;;
    esac
}

section "Full extraction to ${out_parent} (${rounds} interleaved rounds per image, $(nproc) online CPUs)"
for label in "${labels[@]}"; do
    image="${image_path[${label}]}"
    cat "${image}" > /dev/null # into the page cache
    if [ "${has_extract}" = 1 ] && [ "${COMPARE_VERIFY:-1}" = 1 ]; then
        # Once per image: our tree must equal unsquashfs's (contents, types, modes, owners, sizes, mtimes, link
        # targets, xattrs).
        rm -rf "${out}.ours" "${out}.unsquashfs"
        "${cli}" squashfs extract "${image}" "${out}.ours" > /dev/null
        unsquashfs -q -n -d "${out}.unsquashfs" "${image}" > /dev/null
        listing() {
            (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort \
                && getfattr -R -h -d -m - . 2> /dev/null | sort)
        }
        verify="${results}/verify-${label}.txt"
        { diff -r --no-dereference -q "${out}.ours" "${out}.unsquashfs" || true; } \
            | { grep -v 'special file while file .* special file$' || true; } > "${verify}"
        { diff <(listing "${out}.ours") <(listing "${out}.unsquashfs") || true; } >> "${verify}"
        if [ ! -s "${verify}" ]; then
            echo "${label}: our extraction equals unsquashfs's (contents, types, modes, owners, times, xattrs)"
        else
            echo "warning: ${label}: our extraction differs from unsquashfs's; see ${verify}" >&2
            head -5 "${verify}" | sed 's/^/    /' >&2
        fi
        rm -rf "${out}.ours" "${out}.unsquashfs"
    fi
    mapfile -t tools < <(tools_for "${label}")
    for ((round = 0; round < rounds; round++)); do
        count=${#tools[@]}
        for ((index = 0; index < count; index++)); do
            entry="${tools[$(((index + round) % count))]}"
            command="${entry#*|}"
            command="${command//IMG/${image}}"
            # shellcheck disable=SC2086 # the command is split into words on purpose
            run_once "${label}" "${entry%%|*}" ${command//OUT/${out}}
        done
    done
    rm -rf "${out}"
done

section "Extraction results: medians of ${rounds} rounds (wall s, CPU s = user + sys, peak RSS MiB)"
awk '{ sum += $7; if ($7 > max) max = $7 }
    END { if (NR) printf "1-minute load average during the rounds: mean %.1f, max %.1f\n\n", sum / NR, max }' \
    "${rounds_file}"
# field: 3 wall, 4 RSS KiB, 5 CPU, 6 decode-phase seconds of the bound.
stat_of() {
    awk -v l="$1" -v t="$2" -v f="$3" '$1 == l && $2 == t && $f != "-" { print $f }' "${rounds_file}" | median
}
printf '%-14s %-17s %8s %8s %8s %9s %10s %12s\n' \
    image tool "wall s" "min s" "CPU s" "RSS MiB" "ours/tool" "RSS ours/tool"
for label in "${labels[@]}"; do
    ours_wall="$(stat_of "${label}" ours 3)"
    ours_rss="$(stat_of "${label}" ours 4)"
    mapfile -t tools < <(tools_for "${label}")
    for entry in "${tools[@]}"; do
        tool="${entry%%|*}"
        wall="$(stat_of "${label}" "${tool}" 3)"
        [ -n "${wall}" ] || continue
        least="$(awk -v l="${label}" -v t="${tool}" '$1 == l && $2 == t { print $3 }' "${rounds_file}" \
            | sort -g | head -1)"
        awk -v l="${label}" -v t="${tool}" -v w="${wall}" -v m="${least}" -v c="$(stat_of "${label}" "${tool}" 5)" \
            -v r="$(stat_of "${label}" "${tool}" 4)" -v ow="${ours_wall}" -v orss="${ours_rss}" 'BEGIN {
                ratio = ow == "" ? "-" : sprintf("%.2fx", ow / w)
                rss = orss == "" ? "-" : sprintf("%.2fx", orss / r)
                printf "%-14s %-17s %8.3f %8.3f %8.2f %9.1f %10s %12s\n", l, t, w, m, c, r / 1024, ratio, rss
            }'
        decode="$(stat_of "${label}" "${tool}" 6)"
        if [ -n "${decode}" ]; then
            awk -v l="${label}" -v t="${tool} (decode)" -v d="${decode}" -v ow="${ours_wall}" 'BEGIN {
                printf "%-14s %-17s %8.3f %8s %8s %9s %10s %12s\n", l, t, d, "", "", "",
                    ow == "" ? "-" : sprintf("%.2fx", ow / d), ""
            }'
        fi
    done
done

# paired_ratio LABEL TOOL FIELD OTHER OTHER_FIELD: the median over rounds of TOOL's FIELD / OTHER's OTHER_FIELD in the
# same round (the n-th run of one against the n-th run of the other), which cancels drifts between rounds.
paired_ratio() {
    awk -v l="$1" -v a="$2" -v fa="$3" -v b="$4" -v fb="$5" '
        $1 == l && $2 == a { x[++n] = $fa }
        $1 == l && $2 == b { y[++m] = $fb }
        END { for (i = 1; i <= n && i <= m; i++) print x[i] / y[i] }' "${rounds_file}" | median
}

if [ "${has_extract}" = 1 ]; then
    section "Extraction targets"
    for label in "${labels[@]}"; do
        ours="$(stat_of "${label}" ours 3)"
        unsq="$(stat_of "${label}" unsquashfs 3)"
        [ -n "${ours}" ] && [ -n "${unsq}" ] || continue
        case "${label}" in
            *-xz)
                decode="$(stat_of "${label}" bound-liblzma 6)"
                paired="$(paired_ratio "${label}" ours 3 bound-liblzma 6)"
                awk -v l="${label}" -v o="${ours}" -v u="${unsq}" -v d="${decode}" -v p="${paired}" \
                    -v orss="$(stat_of "${label}" ours 4)" -v ursss="$(stat_of "${label}" unsquashfs 4)" 'BEGIN {
                    v = o / d <= 1.05 ? "met" : "MISSED"
                    printf "%-14s ours / decode bound (liblzma)  %.3f  <= 1.05: %s\n", l, o / d, v
                    v = p <= 1.05 ? "met" : "MISSED"
                    printf "%-14s   the same, paired per round   %.3f  <= 1.05: %s\n", l, p, v
                    v = o / u <= 1.0 ? "met" : "MISSED"
                    printf "%-14s ours / unsquashfs (wall)       %.3f  <= 1.00: %s\n", l, o / u, v
                    v = orss / ursss < 0.25 ? "met" : "MISSED"
                    printf "%-14s ours / unsquashfs (peak RSS)   %.3f  <  0.25: %s\n", l, orss / ursss, v
                }'
                ;;
            *)
                awk -v l="${label}" -v o="${ours}" -v u="${unsq}" -v d="$(stat_of "${label}" bound-libdeflate 6)" \
                    -v p="$(paired_ratio "${label}" unsquashfs 3 ours 3)" 'BEGIN {
                    v = u / o >= 1.5 ? "met" : "MISSED"
                    printf "%-14s unsquashfs / ours (wall)       %.3f  >= 1.50: %s\n", l, u / o, v
                    v = p >= 1.5 ? "met" : "MISSED"
                    printf "%-14s   the same, paired per round   %.3f  >= 1.50: %s\n", l, p, v
                    printf "%-14s ours / decode bound (libdeflate) %.3f  (no target)\n", l, o / d
                }'
                ;;
        esac
    done
fi

# --- 3. Small operations: hyperfine, no shell, medians.

hyperfine_median_ms() { awk -F, -v n="$2" 'NR > 1 && $1 == n { printf "%.2f", $4 * 1000 }' "$1"; }
peak_rss_mib() {
    /usr/bin/time -f '%M' -o "${results}/time.txt" "$@" > /dev/null 2>&1 || true
    awk '{ printf "%.1f", $1 / 1024 }' "${results}/time.txt"
}
small_op() {
    local title="$1" csv="$2"
    shift 2
    local arguments=() names=() commands=()
    while [ $# -gt 0 ]; do
        names+=("$1")
        commands+=("$2")
        arguments+=(--command-name "$1" "$2")
        shift 2
    done
    section "${title}"
    hyperfine -N --warmup 3 --min-runs 20 --style basic --export-csv "${csv}" "${arguments[@]}"
    printf '\n%-32s %10s %9s %10s\n' command "median ms" "RSS MiB" "ours/tool"
    local ours
    ours="$(hyperfine_median_ms "${csv}" "${names[0]}")"
    for index in "${!names[@]}"; do
        local ms rss
        ms="$(hyperfine_median_ms "${csv}" "${names[${index}]}")"
        # shellcheck disable=SC2086 # the command is split into words on purpose
        rss="$(peak_rss_mib ${commands[${index}]})"
        awk -v n="${names[${index}]}" -v m="${ms}" -v r="${rss}" -v o="${ours}" \
            'BEGIN { printf "%-32s %10.2f %9.1f %9.2fx\n", n, m, r, o / m }'
    done
}

for label in "${labels[@]}"; do
    image="${image_path[${label}]}"
    case "${label}" in
        minbase-*) root="${BENCHMARK_DATA_DIR}/rootfs" ;;
        *) root="${BENCHMARK_DATA_DIR}/rootfs-${label%-*}" ;;
    esac
    if [ -d "${root}/var/lib/dpkg" ]; then
        if diff <("${cli}" squashfs manifest "${image}") <(dpkg-query --show --admindir="${root}/var/lib/dpkg") \
            > /dev/null; then
            manifest_check="output equals dpkg-query's"
        else
            manifest_check="OUTPUT DIFFERS from dpkg-query's"
        fi
        small_op "Package manifest of ${label} (${manifest_check})" "${results}/manifest-${label}.csv" \
            "maas-images squashfs manifest" "${cli} squashfs manifest ${image}" \
            "dpkg-query --show (unpacked tree)" "dpkg-query --show --admindir=${root}/var/lib/dpkg"
        awk -v l="${label}" -v m="$(hyperfine_median_ms "${results}/manifest-${label}.csv" \
            "maas-images squashfs manifest")" \
            'BEGIN { printf "%s: manifest %.2f ms end to end  < 20 ms: %s\n", l, m, m < 20 ? "met" : "MISSED" }'
    fi
    small_op "One small file (/etc/debian_version) from ${label}" "${results}/cat-${label}.csv" \
        "maas-images squashfs cat" "${cli} squashfs cat ${image} /etc/debian_version" \
        "unsquashfs -cat" "unsquashfs -cat ${image} etc/debian_version" \
        "rdsquashfs -c" "rdsquashfs -c /etc/debian_version ${image}"
done

# --- 4. The long recursive listings.

for label in "${labels[@]}"; do
    image="${image_path[${label}]}"
    section "CLI peers, long recursive listing of ${label}"
    hyperfine --warmup 3 --min-runs 15 --style basic \
        --command-name "unsquashfs -lls" "unsquashfs -lls '${image}' > /dev/null" \
        --command-name "rdsquashfs -d" "rdsquashfs -d '${image}' > /dev/null" \
        --command-name "maas-images squashfs ls -r -l" "'${cli}' squashfs ls -r -l '${image}' > /dev/null"
done

exit "${status}"
