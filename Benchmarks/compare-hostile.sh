#!/usr/bin/env bash
# Memory and time of swift-maas-images on the hostile image shapes of issue 17, at growing sizes, next to the peers
# on the same images in the same run (a benchmark, not a test: it prints numbers and asserts nothing):
#
#  1. for each shape and each scale (HOSTILE_SCALES, default 1 2 4 8), one image, then one run of each command under
#     GNU time (`%e %M`: wall seconds and peak RSS): ours (the release `maas-images squashfs ls -r`, `extract`,
#     `manifest` or `cat`, output to /dev/null or a scratch directory) and the peer (`unsquashfs -l`, `-d`,
#     `-cat`, or `rdsquashfs`). Flat memory and time linear in the scale are what to look for; an exit status other
#     than 0 is printed next to the numbers (a limit our side reports, a path too long for the peer):
#       deep      a chain of 250 x SCALE directories with 255-byte names (hand-built: ../Fuzz/hostile_images.py;
#                 no writer can make a tree deeper than PATH_MAX); `ls -r` against `unsquashfs -l`
#       deep-x    the same image, `extract` against `unsquashfs -d` (which stops at PATH_MAX)
#       wide      one directory of 2000 x SCALE empty files with 255-byte names (mksquashfs)
#       shared    SCALE x 250 directory inodes sharing one 250-entry listing (hand-built; refused by our walker)
#       sparse    8 x SCALE sparse files of 32 MiB in 4 KiB blocks (mksquashfs -b 4096)
#       newlines  a dpkg status of 16 x SCALE MiB of newlines (mksquashfs); `manifest` against `unsquashfs -cat`
#       symlinks  4 symbolic links chained through targets of 200 x SCALE components ./ (mksquashfs); `cat` of the
#                 first, which stops at the component budget (4096 by default) from scale 8 on; neither peer follows
#                 links for `-cat`/`-c`, so theirs is an error at once
#  2. a large realistic xz image (mksquashfs of HOSTILE_LARGE_SOURCE, default /usr/share, -comp xz -xattrs, built
#     once into BENCHMARK_DATA_DIR): `maas-images squashfs extract` against `unsquashfs -d`, HOSTILE_LARGE_ROUNDS
#     interleaved rounds (default 3), medians of wall time and peak RSS.
#
# Usage: ./compare-hostile.sh   (what `make bench` runs last)
#
# Environment:
#   HOSTILE_SCALES         the scales of step 1 (default "1 2 4 8")
#   HOSTILE_LARGE_SOURCE   the tree of step 2 (default /usr/share); HOSTILE_LARGE=0 skips step 2
#   HOSTILE_LARGE_ROUNDS   rounds of step 2 (default 3)
#   BENCHMARK_DATA_DIR     where images are written (default /tmp/swift-maas-images-bench; hostile/ and large-xz.sqfs)
#   MAAS_IMAGES            a maas-images binary to measure instead of building the parent package in release
#   MAIN_SCRATCH_PATH      --scratch-path for the release build of maas-images (default: the parent's .build)
#
# Raw results are kept in .build/compare-hostile/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export BENCHMARK_DATA_DIR="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}"
scales="${HOSTILE_SCALES:-1 2 4 8}"
large_source="${HOSTILE_LARGE_SOURCE:-/usr/share}"
large_rounds="${HOSTILE_LARGE_ROUNDS:-3}"
results="$(pwd)/.build/compare-hostile"
images="${BENCHMARK_DATA_DIR}/hostile"
generator="$(pwd)/../Fuzz/hostile_images.py"

section() { printf '\n== %s\n\n' "$*"; }
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

missing=()
command -v mksquashfs > /dev/null || missing+=(squashfs-tools)
command -v rdsquashfs > /dev/null || missing+=(squashfs-tools-ng)
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

section "Building maas-images (release)"
if [ -n "${MAAS_IMAGES:-}" ]; then
    cli="${MAAS_IMAGES}"
else
    main_build=(swift build -c release --package-path ..)
    [ -n "${MAIN_SCRATCH_PATH:-}" ] && main_build+=(--scratch-path "${MAIN_SCRATCH_PATH}")
    "${main_build[@]}" --product maas-images
    cli="$("${main_build[@]}" --show-bin-path)/maas-images"
fi

mkdir -p "${results}" "${images}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/compare-hostile-XXXXXX")"
trap 'rm -rf "${scratch}"' EXIT

squash() {
    mksquashfs "$1" "$2" -noappend -quiet -no-progress -comp gzip -all-root -mkfs-time 0 -all-time 0 "${@:3}" \
        > /dev/null
}

# make_image SHAPE SCALE: writes the image (once) and prints its path.
make_image() {
    local shape="${1%-x}" scale="$2" tree="${scratch}/tree"
    local image="${images}/${shape}-${scale}.sqfs"
    if [ -s "${image}" ]; then echo "${image}"; return; fi
    rm -rf "${tree}"
    mkdir -p "${tree}"
    case "${shape}" in
        deep) python3 "${generator}" deep "${image}" $((250 * scale)) 255 ;;
        shared) python3 "${generator}" shared-listing "${image}" $((250 * scale)) 250 ;;
        wide)
            local pad
            pad="$(printf 'w%.0s' $(seq 247))"
            (cd "${tree}" && seq -f "%08g${pad}" 1 $((2000 * scale)) | xargs touch)
            squash "${tree}" "${image}"
            ;;
        sparse)
            for index in $(seq 1 $((8 * scale))); do truncate -s 32M "${tree}/sparse-${index}"; done
            squash "${tree}" "${image}" -b 4096
            ;;
        newlines)
            mkdir -p "${tree}/var/lib/dpkg"
            head -c $((16 * scale << 20)) /dev/zero | tr '\0' '\n' > "${tree}/var/lib/dpkg/status"
            squash "${tree}" "${image}"
            ;;
        symlinks)
            local dots count=4
            dots="$(printf './%.0s' $(seq $((200 * scale))))"
            echo end > "${tree}/target"
            for index in $(seq 0 $((count - 1))); do
                local next="l$((index + 1))"
                [ "${index}" -eq $((count - 1)) ] && next=target
                ln -s "${dots}${next}" "${tree}/l${index}"
            done
            squash "${tree}" "${image}"
            ;;
    esac
    rm -rf "${tree}"
    echo "${image}"
}

# measure COMMAND...: runs it once with its output sent to /dev/null, after emptying ${scratch}/out (not timed);
# prints "seconds peak_MiB status".
measure() {
    rm -rf "${scratch}/out"
    local timing="${results}/time.txt" status=0
    /usr/bin/time -f '%e %M' -o "${timing}" "$@" > /dev/null 2> "${results}/stderr.txt" || status=$?
    local seconds kib
    read -r seconds kib < <(grep -E '^[0-9.]+ [0-9]+$' "${timing}" | tail -1)
    rm -rf "${scratch}/out"
    awk -v s="${seconds}" -v k="${kib}" -v c="${status}" 'BEGIN { printf "%.2f %.1f %d\n", s, k / 1024, c }'
}

# The commands of each shape: ours, then the peer, with IMG and OUT substituted.
declare -A ours=(
    [deep]="squashfs ls -r IMG"
    [deep-x]="squashfs extract IMG OUT"
    [wide]="squashfs extract IMG OUT"
    [shared]="squashfs ls -r IMG"
    [sparse]="squashfs extract IMG OUT"
    [newlines]="squashfs manifest IMG"
    [symlinks]="squashfs cat IMG /l0"
)
declare -A peer=(
    [deep]="unsquashfs -no-progress -l IMG"
    [deep-x]="unsquashfs -no-progress -q -n -d OUT IMG"
    [wide]="unsquashfs -no-progress -q -n -d OUT IMG"
    [shared]="unsquashfs -no-progress -l IMG"
    [sparse]="unsquashfs -no-progress -q -n -d OUT IMG"
    [newlines]="unsquashfs -cat IMG var/lib/dpkg/status"
    [symlinks]="unsquashfs -cat IMG l0"
)
shapes=(deep deep-x wide shared sparse newlines symlinks)

expand() { local text="${1//IMG/$2}"; echo "${text//OUT/${scratch}/out}"; }

section "Hostile shapes at growing sizes (ours: ${cli}; one run each; time in s, peak RSS in MiB, exit status)"
table="${results}/hostile.txt"
{
    printf '%-9s %5s %9s | %-28s %8s %9s %3s | %-22s %8s %9s %3s\n' shape scale image ours "time" "peak" rc \
        peer "time" "peak" rc
    for shape in "${shapes[@]}"; do
        for scale in ${scales}; do
            image="$(make_image "${shape}" "${scale}")"
            size="$(du -h --apparent-size "${image}" | cut -f1)"
            # shellcheck disable=SC2086
            read -r our_time our_peak our_status < <(measure "${cli}" $(expand "${ours[${shape}]}" "${image}"))
            # shellcheck disable=SC2086
            read -r peer_time peer_peak peer_status < <(measure $(expand "${peer[${shape}]}" "${image}"))
            printf '%-9s %5s %9s | %-28s %8s %9s %3s | %-22s %8s %9s %3s\n' "${shape}" "${scale}" "${size}" \
                "${ours[${shape}]% IMG*}" "${our_time}" "${our_peak}" "${our_status}" \
                "${peer[${shape}]%% *}" "${peer_time}" "${peer_peak}" "${peer_status}"
        done
    done
} | tee "${table}"

if [ "${HOSTILE_LARGE:-1}" = 1 ]; then
    large="${BENCHMARK_DATA_DIR}/large-xz.sqfs"
    if [ ! -s "${large}" ]; then
        section "Building ${large} from ${large_source} (xz, xattrs; once, not timed)"
        mksquashfs "${large_source}" "${large}" -noappend -quiet -no-progress -comp xz -xattrs > /dev/null
    fi
    section "extract vs unsquashfs -d on $(du -h --apparent-size "${large}" | cut -f1) of xz (${large_source}), \
${large_rounds} interleaved rounds, medians"
    rounds="${results}/large-rounds.txt"
    : > "${rounds}"
    for round in $(seq 1 "${large_rounds}"); do
        read -r t m s < <(measure "${cli}" squashfs extract "${large}" "${scratch}/out")
        echo "ours ${t} ${m} ${s}" >> "${rounds}"
        read -r t m s < <(measure unsquashfs -no-progress -q -n -d "${scratch}/out" "${large}")
        echo "unsquashfs ${t} ${m} ${s}" >> "${rounds}"
    done
    printf '%-12s %10s %14s %s\n' tool "time (s)" "peak (MiB)" "exit statuses"
    for tool in ours unsquashfs; do
        printf '%-12s %10s %14s %s\n' "${tool}" \
            "$(awk -v t="${tool}" '$1 == t { print $2 }' "${rounds}" | median)" \
            "$(awk -v t="${tool}" '$1 == t { print $3 }' "${rounds}" | median)" \
            "$(awk -v t="${tool}" '$1 == t { printf "%s ", $4 }' "${rounds}")"
    done
fi
