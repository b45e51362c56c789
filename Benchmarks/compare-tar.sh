#!/usr/bin/env bash
# Compares `maas-images squashfs to-tar` with `sqfs2tar` (squashfs-tools-ng) on the same image, in one run:
#
#  a MAAS-like source tree generated once (TAR_SOURCE_MIB MiB: ~70% in 30k small and medium text-like files in
#  nested directories, the rest in larger binaries half random, half compressible, a few sparse files, hard links and
#  symbolic links), packed with `mksquashfs -comp xz` (as MAAS root images are). In interleaved rounds (the order
#  rotated each round; the image is in the page cache), each tool writes the archive to /dev/null:
#    plain: `maas-images squashfs to-tar IMAGE --jobs J`      vs `sqfs2tar IMAGE`
#    zstd:  `maas-images squashfs to-tar IMAGE --jobs J --compress zstd` vs `sqfs2tar -c zstd IMAGE`
#  Wall time around the process (`date +%s%N`), CPU and peak RSS from GNU time; medians and the ratio sqfs2tar /
#  ours (medians, then paired per round). Untimed checks first: both plain archives list the same entries
#  (`tar -tf`, ours without its ./ root entry), ours is the same bytes for --jobs 1 and J, and ours extracted with
#  GNU tar equals `unsquashfs -d` (`diff -r`).
#
# Usage: ./compare-tar.sh
#
# Environment:
#   BENCHMARK_DATA_DIR  where the tree and image are generated once and kept, in tar/ (default
#                       /tmp/swift-maas-images-bench)
#   TAR_SOURCE_MIB      MiB of the generated tree (default 400)
#   TAR_IMAGE           an existing image (e.g. a MAAS squashfs) to measure instead of the generated one
#   TAR_ROUNDS          interleaved rounds (default 3)
#   TAR_JOBS            --jobs of ours (default 2)
#   MAAS_IMAGES         a maas-images binary to measure instead of building the parent package in release
#   MAIN_SCRATCH_PATH   --scratch-path for the release build of maas-images (default: the parent's .build)
#
# Raw results are kept in .build/compare-tar/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
data="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}/tar"
source_mib="${TAR_SOURCE_MIB:-400}"
rounds="${TAR_ROUNDS:-3}"
jobs="${TAR_JOBS:-2}"
results="$(pwd)/.build/compare-tar"

# shellcheck source=common.sh
source ./common.sh

require_tools sqfs2tar mksquashfs unsquashfs tar python3 cmp

build_maas_images

section "Image (${data}; a ${source_mib} MiB tree packed with mksquashfs -comp xz; generated once)"
mkdir -p "${data}" "${results}"
image="${TAR_IMAGE:-${data}/root-${source_mib}.sqfs}"
if [ ! -f "${image}" ]; then
    rm -rf "${data}/source"
    python3 - "${data}/source" "${source_mib}" << 'PY'
import os, random, sys
root, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(20)
words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12)))).encode()
         for _ in range(4000)]
def text(size):
    out, length = [], 0
    while length < size:
        line = b" ".join(rng.choice(words) for _ in range(rng.randint(3, 14))) + b"\n"
        out.append(line)
        length += len(line)
    return b"".join(out)[:size]
budget = mib << 20
small_budget = budget * 7 // 10
count = 0
while small_budget > 0:
    d = os.path.join(root, "usr", "share", "pkg%03d" % (count // 200), "sub%d" % (count % 7))
    os.makedirs(d, exist_ok=True)
    size = min(small_budget, int(rng.paretovariate(1.2) * 2000))
    with open(os.path.join(d, "file%05d.txt" % count), "wb") as f:
        f.write(text(min(size, 1 << 20)))
    small_budget -= size
    count += 1
big_budget = budget - budget * 7 // 10
os.makedirs(os.path.join(root, "usr", "lib", "big"), exist_ok=True)
index = large = 0
while big_budget > 0:
    size = min(big_budget, rng.randint(1 << 20, 8 << 20))
    with open(os.path.join(root, "usr", "lib", "big", "lib%03d.so" % index), "wb") as f:
        f.write(os.urandom(size // 2) + text(size - size // 2))
    big_budget -= size
    index += 1
    large += 1
os.makedirs(os.path.join(root, "var", "lib"), exist_ok=True)
for index in range(3):
    with open(os.path.join(root, "var", "lib", "sparse%d.img" % index), "wb") as f:
        f.write(text(100000))
        f.seek(64 << 20)
        f.write(b"end")
os.link(os.path.join(root, "usr", "lib", "big", "lib000.so"), os.path.join(root, "usr", "lib", "hard-link.so"))
os.symlink("big/lib001.so", os.path.join(root, "usr", "lib", "symlink.so"))
print("%d small files, %d large files" % (count, large))
PY
    mksquashfs "${data}/source" "${image}.part" -comp xz -noappend -quiet -no-progress
    mv "${image}.part" "${image}"
    rm -rf "${data}/source"
fi
printf '%s: %s bytes\n' "${image}" "$(stat -c %s "${image}")"

section "Untimed checks"
"${cli}" squashfs to-tar "${image}" --jobs "${jobs}" -o "${results}/ours.tar"
"${cli}" squashfs to-tar "${image}" --jobs 1 -o "${results}/ours-1.tar"
cmp "${results}/ours.tar" "${results}/ours-1.tar" && echo "ours: the same bytes with --jobs 1 and --jobs ${jobs}"
sqfs2tar "${image}" > "${results}/sqfs2tar.tar" 2> /dev/null
diff <(tar -tf "${results}/ours.tar" | grep -v '^\./$' | sed 's,/$,,' | sort) \
    <(tar -tf "${results}/sqfs2tar.tar" | sed 's,/$,,' | sort) && echo "the same entries as sqfs2tar"
rm -rf "${results}/extracted" "${results}/reference"
mkdir "${results}/extracted"
tar --xattrs --xattrs-include='*' --numeric-owner -xpf "${results}/ours.tar" -C "${results}/extracted"
unsquashfs -q -n -d "${results}/reference" "${image}" > /dev/null
diff -r --no-dereference "${results}/reference" "${results}/extracted" && echo "tar -x of ours equals unsquashfs -d"
archive_bytes="$(stat -c %s "${results}/ours.tar")"
printf 'archive: ours %s bytes, sqfs2tar %s bytes\n' "${archive_bytes}" "$(stat -c %s "${results}/sqfs2tar.tar")"
rm -rf "${results}/extracted" "${results}/reference" "${results}/ours-1.tar" "${results}/sqfs2tar.tar"

tools=(ours sqfs2tar ours-zstd sqfs2tar-zstd)
declare -A command_of=(
    [ours]="${cli} squashfs to-tar ${image} --jobs ${jobs}"
    [sqfs2tar]="sqfs2tar ${image}"
    [ours-zstd]="${cli} squashfs to-tar ${image} --jobs ${jobs} --compress zstd"
    [sqfs2tar-zstd]="sqfs2tar -c zstd ${image}"
)
rounds_file="${results}/rounds.txt"
section "${rounds} interleaved rounds (wall s, user s, sys s, peak RSS KiB), output to /dev/null"
for tool in "${tools[@]}"; do printf '%-14s %s\n' "${tool}" "${command_of[${tool}]}"; done
echo
run_interleaved_rounds "$(pwd)"

section "Medians"
printf '%-14s %9s %9s %9s %10s %10s\n' tool "wall (s)" "user (s)" "sys (s)" "RSS (MiB)" "MiB/s"
for tool in "${tools[@]}"; do
    wall="$(column_median "${tool}" 3)"
    printf '%-14s %9.3f %9.3f %9.3f %10.1f %10.1f\n' "${tool}" "${wall}" "$(column_median "${tool}" 4)" \
        "$(column_median "${tool}" 5)" "$(awk -v k="$(column_median "${tool}" 6)" 'BEGIN { print k / 1024 }')" \
        "$(awk -v w="${wall}" -v s="${archive_bytes}" 'BEGIN { print s / w / 1048576 }')"
done

section "Ratios (sqfs2tar / ours, wall time; > 1 means ours is faster)"
for pair in "ours sqfs2tar" "ours-zstd sqfs2tar-zstd"; do
    read -r ours theirs <<< "${pair}"
    printf '%-26s medians %.2fx, paired %.2fx, CPU (user+sys) %.2fx\n' "${ours} vs ${theirs}" \
        "$(awk -v a="$(column_median "${theirs}" 3)" -v b="$(column_median "${ours}" 3)" 'BEGIN { print a / b }')" \
        "$(paired "${theirs}" "${ours}")" \
        "$(awk -v a="$(column_median "${theirs}" 4)" -v b="$(column_median "${theirs}" 5)" \
            -v c="$(column_median "${ours}" 4)" -v d="$(column_median "${ours}" 5)" 'BEGIN { print (a + b) / (c + d) }')"
done
