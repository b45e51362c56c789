#!/usr/bin/env bash
# Compares `maas-images squashfs diff` with `sqfsdiff` (squashfs-tools-ng) on two MAAS-sized xz images that differ by
# a few packages, in one run:
#
#  The old tree is a copy of this host's /etc, /usr/bin, /usr/sbin, /usr/libexec, /usr/include and the larger parts
#  of /usr/share (about 900 MiB, 20k+ files: real binaries, text and locale files, like an Ubuntu server root) with
#  the host's dpkg status file. The new tree is the old one with a few "package upgrades": every file of
#  DIFF_CHANGED_PACKAGES that the tree holds changed (binaries one byte in place, same size; other files one line
#  appended), their versions bumped in var/lib/dpkg/status, the files of one package removed and a new package's
#  files added. Both are packed with `mksquashfs -comp xz` (as MAAS images are), once, and kept in the data
#  directory. In interleaved rounds (the images in the page cache), `maas-images squashfs diff OLD NEW` and
#  `sqfsdiff -a OLD -b NEW` compare them (both exit 1, "different"). Wall time, CPU and peak RSS from GNU time;
#  medians, the ratio sqfsdiff / ours (medians, then per round), and the goal: at least 5x faster than sqfsdiff.
#
# Usage: ./compare-diff.sh   (as root, so that the copied trees keep their owners)
#
# Environment:
#   BENCHMARK_DATA_DIR      where the images are generated once and kept, in diff/ (default /tmp/swift-maas-images-bench)
#   DIFF_ROUNDS             interleaved rounds (default 3)
#   DIFF_CHANGED_PACKAGES   packages upgraded in the new image (default "xz-utils less bzip2")
#   DIFF_REMOVED_PACKAGE    package whose files the new image drops (default "file")
#   MAAS_IMAGES             a maas-images binary to measure instead of building the parent package in release
#   MAIN_SCRATCH_PATH       --scratch-path for the release build of maas-images (default: the parent's .build)
#
# Raw results are kept in .build/compare-diff/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
data="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}/diff"
rounds="${DIFF_ROUNDS:-3}"
changed_packages="${DIFF_CHANGED_PACKAGES:-xz-utils less bzip2}"
removed_package="${DIFF_REMOVED_PACKAGE:-file}"
results="$(pwd)/.build/compare-diff"

# shellcheck source=common.sh
source ./common.sh

require_tools sqfsdiff mksquashfs dpkg-query python3

build_maas_images

sources=(/etc /usr/bin /usr/sbin /usr/libexec /usr/include /usr/share/doc /usr/share/man /usr/share/locale
    /usr/share/perl /usr/share/vim /usr/share/i18n /usr/share/icons)
stamp="v1 ${changed_packages} - ${removed_package}"

generate() {
    mkdir -p "${data}"
    if [ -f "${data}/new.sqfs" ] && [ "$(cat "${data}/stamp" 2> /dev/null)" = "${stamp}" ]; then
        echo "images kept from an earlier run: ${data}"
        return
    fi
    rm -rf "${data:?}"/tree-old "${data:?}"/tree-new "${data}"/*.sqfs "${data}/stamp"
    local old="${data}/tree-old" new="${data}/tree-new"
    for source in "${sources[@]}"; do
        [ -d "${source}" ] || continue
        mkdir -p "${old}$(dirname "${source}")"
        cp -a "${source}" "${old}${source}"
    done
    mkdir -p "${old}/var/lib/dpkg"
    cp /var/lib/dpkg/status "${old}/var/lib/dpkg/status"
    cp -a "${old}" "${new}"
    # Upgrades: each package's files in the tree change; executables keep their size, other files grow a line.
    for package in ${changed_packages}; do
        dpkg-query -L "${package}" 2> /dev/null | while read -r path; do
            target="${new}${path}"
            [ -f "${target}" ] && [ ! -L "${target}" ] || continue
            if [ -x "${target}" ] && [ -s "${target}" ]; then
                size=$(stat -c %s "${target}")
                printf 'Z' | dd of="${target}" bs=1 seek=$((size / 2)) conv=notrunc status=none
            else
                echo "upgraded" >> "${target}"
            fi
        done
    done
    dpkg-query -L "${removed_package}" 2> /dev/null | while read -r path; do
        target="${new}${path}"
        if [ -f "${target}" ] || [ -L "${target}" ]; then rm -f "${target}"; fi
    done
    mkdir -p "${new}/usr/share/doc/newpackage" "${new}/usr/lib/newpackage"
    head -c 3000000 /usr/bin/python3* > "${new}/usr/lib/newpackage/library.so" 2> /dev/null || true
    cp -a /etc/services "${new}/usr/share/doc/newpackage/copyright"
    python3 - "${new}/var/lib/dpkg/status" ${changed_packages} << 'EOF'
import sys
path, packages = sys.argv[1], set(sys.argv[2:])
stanzas = open(path, encoding="utf-8", errors="surrogateescape").read().split("\n\n")
out = []
for stanza in stanzas:
    lines = stanza.split("\n")
    name = next((l[9:] for l in lines if l.startswith("Package: ")), None)
    if name in packages:
        lines = [l + "+bench1" if l.startswith("Version: ") else l for l in lines]
    out.append("\n".join(lines))
out.append("Package: newpackage\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0\n")
open(path, "w", encoding="utf-8", errors="surrogateescape").write("\n\n".join(out))
EOF
    section "Packing the two images (mksquashfs -comp xz)"
    /usr/bin/time -f "mksquashfs old: %e s" mksquashfs "${old}" "${data}/old.sqfs" -comp xz -noappend -quiet -no-progress
    /usr/bin/time -f "mksquashfs new: %e s" mksquashfs "${new}" "${data}/new.sqfs" -comp xz -noappend -quiet -no-progress
    rm -rf "${old}" "${new}"
    echo "${stamp}" > "${data}/stamp"
}

section "Generating the images"
generate
ls -l "${data}"/old.sqfs "${data}"/new.sqfs
unsquashfs -s "${data}/old.sqfs" | grep -E "Number of (inodes|fragments)|Filesystem size" || true

mkdir -p "${results}"
: > "${results}/times.txt"

# Runs "$@" under GNU time; appends "NAME ROUND wall user sys maxrss_kib exit" to times.txt.
measure() {
    local name="$1" round="$2"
    shift 2
    local status=0
    /usr/bin/time -o "${results}/time.tmp" -f "%e %U %S %M" "$@" > "${results}/${name}.out" 2> "${results}/${name}.err" \
        || status=$?
    # GNU time writes "Command exited with non-zero status N" before its numbers: keep the last line.
    echo "${name} ${round} $(tail -n 1 "${results}/time.tmp") ${status}" >> "${results}/times.txt"
}

old="${data}/old.sqfs"
new="${data}/new.sqfs"
cat "${old}" "${new}" > /dev/null

section "Interleaved rounds: ${rounds}"
echo "ours:     ${cli} squashfs diff ${old} ${new}"
echo "sqfsdiff: sqfsdiff -a ${old} -b ${new}"
for round in $(seq 1 "${rounds}"); do
    if [ $((round % 2)) -eq 1 ]; then
        measure ours "${round}" "${cli}" squashfs diff "${old}" "${new}"
        measure sqfsdiff "${round}" sqfsdiff -a "${old}" -b "${new}"
    else
        measure sqfsdiff "${round}" sqfsdiff -a "${old}" -b "${new}"
        measure ours "${round}" "${cli}" squashfs diff "${old}" "${new}"
    fi
    grep " ${round} " "${results}/times.txt" | sed 's/^/  /'
done

section "Results (wall s, user s, sys s, max RSS KiB, exit status)"
for name in ours sqfsdiff; do
    wall=$(awk -v n="${name}" '$1 == n { print $3 }' "${results}/times.txt" | median)
    cpu=$(awk -v n="${name}" '$1 == n { print $4 + $5 }' "${results}/times.txt" | median)
    rss=$(awk -v n="${name}" '$1 == n { print $6 }' "${results}/times.txt" | median)
    status=$(awk -v n="${name}" '$1 == n { print $7 }' "${results}/times.txt" | sort -u | tr '\n' ' ')
    printf '%-9s median wall %6.2f s  CPU %6.2f s  RSS %7d KiB  exit %s\n' "${name}" "${wall}" "${cpu}" "${rss}" "${status}"
    eval "${name}_wall=${wall}"
done
echo
echo "lines of output: ours $(wc -l < "${results}/ours.out"), sqfsdiff $(wc -l < "${results}/sqfsdiff.out")"
# Both must name the same paths: ours prints "+ /p", "- /p", "~ /p: ..."; sqfsdiff "> p", "< p" and lines naming /p.
python3 - "${results}/ours.out" "${results}/sqfsdiff.out" << 'EOF'
import sys
ours, theirs = set(), set()
for line in open(sys.argv[1], errors="surrogateescape"):
    line = line.rstrip("\n")
    if line[:3] in ("+ /", "- /"):
        ours.add(line[2:])
    elif line.startswith("~ /"):
        ours.add(line[2:].rsplit(": ", 1)[0])
for line in open(sys.argv[2], errors="surrogateescape"):
    line = line.rstrip("\n")
    if line[:2] in ("< ", "> "):
        theirs.add("/" + line[2:])
    elif "basic type" not in line and "extended type" not in line:
        theirs.update(word for word in line.split() if word.startswith("/"))
print(f"paths reported: ours {len(ours)}, sqfsdiff {len(theirs)}, same set: {ours == theirs}")
EOF
ratio=$(awk -v a="${sqfsdiff_wall}" -v b="${ours_wall}" 'BEGIN { printf "%.1f", a / b }')
echo "sqfsdiff / ours (median wall): ${ratio}x   (goal: at least 5x)"
printf 'per round:'
for round in $(seq 1 "${rounds}"); do
    awk -v r="${round}" '$2 == r { t[$1] = $3 } END { printf " %.1fx", t["sqfsdiff"] / t["ours"] }' "${results}/times.txt"
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
