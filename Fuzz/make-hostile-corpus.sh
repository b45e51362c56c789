#!/usr/bin/env bash
# Writes the hostile seeds of issue 17 into Fuzz/Corpus, each a few KB: the shapes that once took gigabytes or
# minutes, so that FuzzSquashFS and FuzzExtract start next to them (and FuzzReplayTests replays them in `swift test`).
#
#   hostile-deep.sqfs              40 levels of 255-byte directory names (hand-built: hostile_images.py)
#   hostile-long-name-256.sqfs     a 256-byte name, the longest legal one (hand-built)
#   hostile-long-name-257.sqfs     a 257-byte name, corrupt (hand-built)
#   hostile-shared-listing.sqfs    16 directory inodes sharing one 16-entry listing (hand-built)
#   hostile-lying-index.sqfs       a directory index pointing into another directory's listing (hand-built)
#   hostile-xattr-references.sqfs  64 files referencing one set of attributes with a shared 2 KiB value (mksquashfs)
#   hostile-sparse.sqfs            16 sparse files of 4 MiB in 4 KiB blocks (mksquashfs -b 4096)
#   hostile-symlink-chain.sqfs     8 symbolic links chained through 2000-byte targets of ./ (mksquashfs)
#   hostile-dpkg-newlines.sqfs     a dpkg status of 1 MiB of newlines (mksquashfs)
#
# Usage: Fuzz/make-hostile-corpus.sh [OUTPUT_DIRECTORY]   (default: Fuzz/Corpus). Needs python3, mksquashfs and
# setfattr (attr); the output is reproducible (fixed times, root owner).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${here}/Corpus}"
mkdir -p "${out}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

generate() { python3 "${here}/hostile_images.py" "$@"; }
squash() {
    mksquashfs "$1" "$2" -noappend -quiet -no-progress -comp gzip -all-root -mkfs-time 0 -all-time 0 "${@:3}" \
        > /dev/null
}

generate deep "${out}/hostile-deep.sqfs" 40 255
generate long-name "${out}/hostile-long-name-256.sqfs" 256
generate long-name "${out}/hostile-long-name-257.sqfs" 257
generate shared-listing "${out}/hostile-shared-listing.sqfs" 16 16
generate lying-index "${out}/hostile-lying-index.sqfs"

mkdir -p "${work}/xattrs"
value="$(head -c 2048 /dev/zero | tr '\0' v)"
for index in $(seq 0 63); do
    touch "${work}/xattrs/f${index}"
    setfattr -n user.shared -v "${value}" "${work}/xattrs/f${index}"
    # Two sets that both hold the 2 KiB value, so mksquashfs stores it once, out of line.
    setfattr -n "user.set$((index % 2))" -v 1 "${work}/xattrs/f${index}"
done
squash "${work}/xattrs" "${out}/hostile-xattr-references.sqfs" -xattrs

mkdir -p "${work}/sparse"
for index in $(seq 0 15); do truncate -s 4M "${work}/sparse/s${index}"; done
squash "${work}/sparse" "${out}/hostile-sparse.sqfs" -b 4096

mkdir -p "${work}/links"
echo end > "${work}/links/target"
dots="$(printf './%.0s' $(seq 1000))"
for index in $(seq 0 7); do
    next="l$((index + 1))"
    [ "${index}" -eq 7 ] && next=target
    ln -s "${dots}${next}" "${work}/links/l${index}"
done
squash "${work}/links" "${out}/hostile-symlink-chain.sqfs"

mkdir -p "${work}/dpkg/var/lib/dpkg"
head -c $((1 << 20)) /dev/zero | tr '\0' '\n' > "${work}/dpkg/var/lib/dpkg/status"
squash "${work}/dpkg" "${out}/hostile-dpkg-newlines.sqfs"

ls -l "${out}"/hostile-*.sqfs
