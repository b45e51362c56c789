#!/usr/bin/env bash
# Compares `maas-images streams mirror` with `curl --parallel` followed by `sha256sum -c`, in one run, over a
# loopback HTTP server (nginx, serving a generated signed stream of MIRROR_FILES files of MIRROR_FILE_MIB MiB each,
# 40 x 50 MiB = 2000 MiB by default):
#
#  - ours:    maas-images streams mirror http://127.0.0.1:PORT/ DEST --keyring K --jobs 4 (verifies the signed
#             metadata, downloads 4 at a time to .part files hashing as the bytes arrive, fsyncs, renames,
#             publishes the metadata);
#  - curl:    curl --parallel --parallel-max 4 -o DEST/... for every file, then sha256sum -c on the files written;
#  - ceiling: the loopback-plus-SHA-256 bound: 4 parallel `curl -s URL | sha256sum` pipes, nothing written to disk.
#
# Interleaved rounds (the order rotates each round), destinations removed between runs, the source files in the
# page cache. Wall time around each process (`date +%s%N`), peak RSS of ours from GNU time. Reports medians and the
# ratios curl/ours (target > 1) and ours/ceiling (target within 1.10). Nothing it generates is committed.
#
# Usage: ./compare-mirror.sh   (what `make bench` runs last)
#
# Environment:
#   BENCHMARK_DATA_DIR   where the inputs are generated once and kept, in mirror/ (default /tmp/swift-maas-images-bench)
#   MIRROR_FILES         number of payloads (default 40)
#   MIRROR_FILE_MIB      size of each, in MiB (default 50)
#   MIRROR_ROUNDS        interleaved rounds (default 3)
#   MIRROR_JOBS          parallel downloads for every tool (default 4)
#   MAAS_IMAGES          a maas-images binary to measure instead of building the parent package in release
#   MAIN_SCRATCH_PATH    --scratch-path for the release build of maas-images (default: the parent's .build)
#
# Raw results are kept in .build/compare-mirror/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
data="${BENCHMARK_DATA_DIR:-/tmp/swift-maas-images-bench}/mirror"
files="${MIRROR_FILES:-40}"
mib="${MIRROR_FILE_MIB:-50}"
rounds="${MIRROR_ROUNDS:-3}"
jobs="${MIRROR_JOBS:-4}"
results="$(pwd)/.build/compare-mirror"
work="$(mktemp -d "${TMPDIR:-/tmp}/compare-mirror.XXXXXX")"
nginx_pid=""

section() { printf '\n== %s\n\n' "$*"; }
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
cleanup() {
    [ -n "${nginx_pid}" ] && kill "${nginx_pid}" 2> /dev/null || true
    [ -d "${data}/gnupg" ] && gpgconf --homedir "${data}/gnupg" --kill all 2> /dev/null || true
    rm -rf "${work}"
}
trap cleanup EXIT

for tool in nginx curl sha256sum gpg /usr/bin/time; do
    command -v "${tool}" > /dev/null || { echo "error: ${tool} is missing (make deps-bench installs it)" >&2; exit 1; }
done

section "Building maas-images (release)"
if [ -n "${MAAS_IMAGES:-}" ]; then
    cli="${MAAS_IMAGES}"
else
    main_build=(swift build -c release --package-path ..)
    [ -n "${MAIN_SCRATCH_PATH:-}" ] && main_build+=(--scratch-path "${MAIN_SCRATCH_PATH}")
    "${main_build[@]}" --product maas-images
    cli="$("${main_build[@]}" --show-bin-path)/maas-images"
fi

section "Inputs (${data}; ${files} x ${mib} MiB, generated once)"
mkdir -p "${results}"
stamp="${files}x${mib}"
if [ "$(cat "${data}/stamp" 2> /dev/null)" != "${stamp}" ]; then
    rm -rf "${data}"
    mkdir -p "${data}/source/images" "${data}/source/streams/v1"
    mkdir -m 700 "${data}/gnupg"
    g() { gpg --homedir "${data}/gnupg" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
    g --quick-gen-key 'Benchmark Signer <bench@example.org>' ed25519 sign 1y
    fpr="$(g --with-colons --list-keys bench@example.org | awk -F: '/^fpr/ { print $10; exit }')"
    g --export "${fpr}" > "${data}/keyring.gpg"
    items=""
    for i in $(seq -w 1 "${files}"); do
        head -c "$((mib << 20))" /dev/urandom > "${data}/source/images/file-${i}.img"
        sha="$(sha256sum "${data}/source/images/file-${i}.img" | cut -d' ' -f1)"
        printf '%s  images/file-%s.img\n' "${sha}" "${i}" >> "${data}/SHA256SUMS"
        items="${items}${items:+, }\"file-${i}\": {\"ftype\": \"squashfs\", \"path\": \"images/file-${i}.img\", \"size\": $((mib << 20)), \"sha256\": \"${sha}\"}"
    done
    updated="Mon, 01 Dec 2025 00:00:00 +0000"
    printf '{"content_id": "com.example:bench", "format": "products:1.0", "datatype": "image-downloads", "updated": "%s", "products": {"com.example:bench:amd64": {"arch": "amd64", "versions": {"20250101": {"items": {%s}}}}}}\n' \
        "${updated}" "${items}" > "${data}/source/streams/v1/com.example:bench.json"
    printf '{"format": "index:1.0", "updated": "%s", "index": {"com.example:bench": {"format": "products:1.0", "datatype": "image-downloads", "path": "streams/v1/com.example:bench.sjson", "updated": "%s", "products": ["com.example:bench:amd64"]}}}\n' \
        "${updated}" "${updated}" > "${data}/source/streams/v1/index.json"
    for f in index com.example:bench; do
        g -u "${fpr}!" --clearsign -o "${data}/source/streams/v1/${f}.sjson" "${data}/source/streams/v1/${f}.json"
    done
    gpgconf --homedir "${data}/gnupg" --kill all
    echo "${stamp}" > "${data}/stamp"
fi
total_bytes=$((files * (mib << 20)))
cat "${data}"/source/images/* > /dev/null  # into the page cache

section "Loopback server (nginx)"
port=$((20000 + RANDOM % 20000))
mkdir -p "${work}/nginx/logs"
cat > "${work}/nginx/nginx.conf" << CONF
daemon off;
worker_processes 2;
pid ${work}/nginx/nginx.pid;
error_log ${work}/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    types { }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:${port};
        root ${data}/source;
    }
}
CONF
nginx -p "${work}/nginx" -c "${work}/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:${port}/streams/v1/index.sjson" && break; sleep 0.1; done
url="http://127.0.0.1:${port}/"
echo "serving ${data}/source at ${url} (nginx pid ${nginx_pid})"

run_ours() {
    rm -rf "${work}/ours"
    /usr/bin/time -f '%M' -o "${work}/ours.rss" \
        "${cli}" streams mirror "${url}" "${work}/ours" --keyring "${data}/keyring.gpg" --jobs "${jobs}" --quiet \
        2> "${work}/ours.err" || { cat "${work}/ours.err" >&2; return 1; }
}
run_curl() {
    rm -rf "${work}/curl"
    mkdir -p "${work}/curl/images"
    args=()
    for i in $(seq -w 1 "${files}"); do args+=("${url}images/file-${i}.img" -o "${work}/curl/images/file-${i}.img"); done
    curl -sf --no-progress-meter --parallel --parallel-max "${jobs}" "${args[@]}"
    (cd "${work}/curl" && sha256sum --quiet -c "${data}/SHA256SUMS")
}
run_ceiling() {
    seq -w 1 "${files}" | xargs -P "${jobs}" -I{} sh -c "curl -sf '${url}images/file-{}.img' | sha256sum > /dev/null"
}

section "Rounds (${rounds}, ${jobs} jobs each, $((total_bytes >> 20)) MiB)"
tools=(ours curl ceiling)
: > "${results}/rounds.txt"
for round in $(seq 1 "${rounds}"); do
    for k in 0 1 2; do
        tool="${tools[$(((round + k) % 3))]}"
        start=$(date +%s%N)
        "run_${tool}"
        end=$(date +%s%N)
        seconds=$(awk -v a="${start}" -v b="${end}" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        echo "${round} ${tool} ${seconds}" | tee -a "${results}/rounds.txt"
    done
    if [ "${round}" -eq 1 ]; then
        (cd "${work}/ours" && sha256sum --quiet -c "${data}/SHA256SUMS") && echo "ours: every file checked with sha256sum -c"
        echo "ours: peak RSS $(cat "${work}/ours.rss") KiB"
    fi
done

section "Medians"
for tool in "${tools[@]}"; do
    m=$(awk -v t="${tool}" '$2 == t { print $3 }' "${results}/rounds.txt" | median)
    declare "median_${tool}=${m}"
    awk -v t="${tool}" -v s="${m}" -v b="${total_bytes}" 'BEGIN { printf "%-8s %8.3f s  %7.1f MiB/s\n", t, s, b / s / 1048576 }'
done
awk -v o="${median_ours}" -v c="${median_curl}" -v l="${median_ceiling}" 'BEGIN {
    printf "curl + sha256sum / ours = %.2fx (target > 1)\n", c / o
    printf "ours / ceiling          = %.2f (target <= 1.10)\n", o / l
}' | tee "${results}/summary.txt"
echo "ours: peak RSS $(cat "${work}/ours.rss") KiB (the last run)" | tee -a "${results}/summary.txt"
