#!/usr/bin/env bash
# Compares `maas-images streams verify` (MirrorAudit) with `sha256sum -c` on the same mirror, in one run:
#
#  a mirror-like tree of random payloads (per version: squashfs 3/4, boot-initrd 3/16, boot-kernel 1/16 of
#  STORE_VERIFY_VERSION_MIB) with an unsigned simplestreams index and products document naming them, and a
#  SHA256SUMS file listing the same files. In interleaved rounds (the order rotated each round; the files are in the
#  page cache), `maas-images streams verify DIR --no-verify --jobs 2 --quiet` and `sha256sum --quiet -c SHA256SUMS`
#  check every payload. Wall time around the process (`date +%s%N`), CPU and peak RSS from GNU time; medians, the
#  ratio sha256sum / ours (medians, then paired per round), and the target: at least 2x faster than sha256sum -c
#  with 2 jobs. The peak RSS of ours on a one-version copy shows that memory does not grow with the mirror.
#
# Usage: ./compare-store-verify.sh
#
# Environment:
#   BENCHMARK_DATA_DIR        where the mirror is generated once and kept, in store-verify/ (default
#                             /tmp/swift-maas-images-bench)
#   STORE_VERIFY_VERSIONS     versions in the mirror (default 8)
#   STORE_VERIFY_VERSION_MIB  MiB of payloads per version (default 256: 8 versions make 2 GiB)
#   STORE_VERIFY_ROUNDS       interleaved rounds (default 5)
#   STORE_VERIFY_JOBS         --jobs of ours (default 2)
#   MAAS_IMAGES               a maas-images binary to measure instead of building the parent package in release
#   MAIN_SCRATCH_PATH         --scratch-path for the release build of maas-images (default: the parent's .build)
#
# Raw results are kept in .build/compare-store-verify/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
data="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}/store-verify"
versions="${STORE_VERIFY_VERSIONS:-8}"
version_mib="${STORE_VERIFY_VERSION_MIB:-256}"
rounds="${STORE_VERIFY_ROUNDS:-5}"
jobs="${STORE_VERIFY_JOBS:-2}"
results="$(pwd)/.build/compare-store-verify"

# shellcheck source=common.sh
source ./common.sh

require_tools sha256sum python3

build_maas_images

# Writes a mirror of $2 versions of $3 MiB each under $1 (kept when it already has that shape).
generate() {
    local root="$1" count="$2" mib="$3"
    local stamp="${count}x${mib}MiB"
    # The stamp lies beside the tree: inside it, the audit would report it as an extra file.
    if [ -f "${root}.stamp" ] && [ "$(cat "${root}.stamp")" = "${stamp}" ]; then return; fi
    rm -rf "${root}"
    mkdir -p "${root}"
    python3 - "${root}" "${count}" "${mib}" << 'PY'
import hashlib, json, os, sys
root, count, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mib << 20
shares = {"squashfs": total * 3 // 4, "boot-initrd": total * 3 // 16}
shares["boot-kernel"] = total - sum(shares.values())
versions, sums = {}, []
for v in range(count):
    version = "2025%02d%02d" % (v // 28 + 1, v % 28 + 1)
    items = {}
    for name, size in shares.items():
        path = "noble/amd64/%s/%s" % (version, name)
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        digest, left = hashlib.sha256(), size
        with open(os.path.join(root, path), "wb") as f:
            while left:
                chunk = os.urandom(min(left, 8 << 20))
                digest.update(chunk)
                f.write(chunk)
                left -= len(chunk)
        items[name] = {"ftype": name, "path": path, "size": size, "sha256": digest.hexdigest()}
        sums.append("%s  %s\n" % (digest.hexdigest(), path))
    versions[version] = {"items": items}
updated = "Mon, 01 Dec 2025 00:00:00 +0000"
products = {"content_id": "com.example:bench:download", "datatype": "image-downloads", "format": "products:1.0",
            "updated": updated, "products": {"com.example:noble:amd64": {
                "arch": "amd64", "os": "ubuntu", "release": "noble", "versions": versions}}}
index = {"format": "index:1.0", "updated": updated, "index": {"com.example:bench:download": {
    "datatype": "image-downloads", "format": "products:1.0", "updated": updated,
    "path": "streams/v1/com.example:bench:download.json", "products": ["com.example:noble:amd64"]}}}
os.makedirs(os.path.join(root, "streams/v1"), exist_ok=True)
json.dump(products, open(os.path.join(root, "streams/v1/com.example:bench:download.json"), "w"), indent=1)
json.dump(index, open(os.path.join(root, "streams/v1/index.json"), "w"), indent=1)
# Outside the mirror, so that the audit does not count it as an extra file.
open(root + ".SHA256SUMS", "w").write("".join(sums))
PY
    echo "${stamp}" > "${root}.stamp"
}

section "Mirror (${data}; ${versions} versions of ${version_mib} MiB; generated once)"
mkdir -p "${results}"
generate "${data}/mirror" "${versions}" "${version_mib}"
generate "${data}/small" 1 "${version_mib}"
files="$(wc -l < "${data}/mirror.SHA256SUMS")"
bytes="$(du -sb --exclude=streams "${data}/mirror" | cut -f1)"
printf '%s files, %s bytes\n' "${files}" "${bytes}"

# Untimed cross-checks, which also bring every file into the page cache.
(cd "${data}/mirror" && sha256sum --quiet -c "${data}/mirror.SHA256SUMS")
"${cli}" streams verify "${data}/mirror" --no-verify --jobs "${jobs}" --quiet
"${cli}" streams verify "${data}/small" --no-verify --jobs "${jobs}" --quiet > /dev/null

tools=(ours sha256sum)
declare -A command_of=(
    [ours]="${cli} streams verify ${data}/mirror --no-verify --jobs ${jobs} --quiet"
    [sha256sum]="sha256sum --quiet -c ${data}/mirror.SHA256SUMS"
)
rounds_file="${results}/rounds.txt"
section "${rounds} interleaved rounds (wall s, user s, sys s, peak RSS KiB)"
for tool in "${tools[@]}"; do printf '%-10s %s\n' "${tool}" "${command_of[${tool}]}"; done
echo
run_interleaved_rounds "${data}/mirror"
/usr/bin/time -f '%M' -o "${results}/small-rss.txt" \
    "${cli}" streams verify "${data}/small" --no-verify --jobs "${jobs}" --quiet > /dev/null
small_rss="$(cat "${results}/small-rss.txt")"

section "Medians"
printf '%-10s %9s %9s %9s %10s %10s\n' tool "wall (s)" "user (s)" "sys (s)" "RSS (MiB)" "GiB/s"
for tool in "${tools[@]}"; do
    wall="$(column_median "${tool}" 3)"
    printf '%-10s %9.3f %9.3f %9.3f %10.1f %10.2f\n' "${tool}" "${wall}" "$(column_median "${tool}" 4)" \
        "$(column_median "${tool}" 5)" "$(awk -v k="$(column_median "${tool}" 6)" 'BEGIN { print k / 1024 }')" \
        "$(awk -v w="${wall}" -v s="${bytes}" 'BEGIN { print s / w / 1073741824 }')"
done
ours="$(column_median ours 3)"
ratio="$(awk -v a="$(column_median sha256sum 3)" -v b="${ours}" 'BEGIN { printf "%.2f", a / b }')"
paired_ratio="$(printf '%.2f' "$(paired sha256sum ours)")"
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo missed; fi; }

section "Targets"
printf '%-58s %-22s %s\n' target measured verdict
printf '%-58s %-22s %s\n' "at least 2x faster than sha256sum -c (sha256sum / ours)" \
    "${ratio}x; paired ${paired_ratio}x" "$(verdict "${ratio} >= 2")"
printf '%-58s %-22s %s\n' "memory flat: peak RSS, ${versions} versions vs 1 version" \
    "$(awk -v a="$(column_median ours 6)" -v b="${small_rss}" 'BEGIN { printf "%.1f vs %.1f MiB", a / 1024, b / 1024 }')" \
    "$(verdict "$(column_median ours 6) <= ${small_rss} * 1.25 + 4096")"
