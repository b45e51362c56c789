# swift-maas-images: developer entry points.
#
#   make deps    check (and, as root, install) the Debian packages the build and tests need, and create the
#                SBOM validators' venv (.build/sbom-venv, pinned PyPI packages)
#   make build   deps + swift build
#   make demo    build deps + the main job end to end on the sample mirror (maas-images demo; no network)
#   make test    deps + Scripts/check-architecture.py (the package graph) + swift test (which also compiles
#                Snippets/)            (what the README's quick start and .ci/run use)
#   make bench   deps + benchmark packages + Benchmarks/compare.sh, compare-checksums.sh, compare-streams.sh,
#                compare-mirror.sh, compare-hostile.sh, compare-store-verify.sh, compare-diff.sh, compare-tar.sh
#                and compare-xz.sh
#   make bench-images   build the benchmark input images (minbase and server trees, xz and gzip; not timed)
#   make docs    build the DocC documentation of every library module (swift-docc-plugin), warnings as errors
#   make man     write the maas-images man page (swift-argument-parser's manual plugin)
#   make fuzz    build the libFuzzer targets in Fuzz/ with ASan and fuzz for FUZZ_SECONDS (default 60)
#   make format  rewrite Swift sources with swift-format (.swift-format)
#   make lint    check Swift sources with swift-format, without changing them
#   make clean   remove build products

SHELL := /bin/bash
.DEFAULT_GOAL := build

SWIFT ?= swift

# Debian/Ubuntu packages needed to build and run: the C libraries of the system-library targets, pkg-config, and
# the gpg that gpgme runs. `make demo` needs only these.
BUILD_DEB_PACKAGES := zlib1g-dev liblzma-dev libdeflate-dev libzstd-dev liblz4-dev pkg-config libgpgme-dev gnupg

# A real kernel in /boot for the identification tests: Debian's cloud kernel, Ubuntu's virtual one.
KERNEL_DEB_PACKAGE := $(shell . /etc/os-release 2>/dev/null; [ "$${ID:-}" = ubuntu ] && echo linux-image-virtual || echo linux-image-cloud-amd64)

# Debian packages needed to build, test and compare against the reference tools. One list: later modules append
# their packages here (e.g. `DEB_PACKAGES += libgpgme-dev`).
#   zlib1g-dev liblzma-dev libdeflate-dev libzstd-dev liblz4-dev   decompression libraries (C system-library targets)
#   python3                                                      Scripts/check-architecture.py (the package graph)
#   libsquashfs-dev                                              squashfs-tools-ng's library, used only by Benchmarks
#   squashfs-tools squashfs-tools-ng attr xz-utils zstd lz4      tools that make and check test images
#   pkg-config                                                   how SwiftPM finds the C libraries
#   libgpgme-dev gnupg                                           OpenPGP verification (CGPGME) and the gpg it runs
#   coreutils openssl                                            sha256sum/sha512sum/md5sum and openssl: test oracles
#   cpio gzip bzip2 tar device-tree-compiler fdisk e2fsprogs     make the initrds, dtbs, tarballs, disk and ext4 images
#   shim-unsigned grub-efi-amd64-bin binutils                    real EFI binaries to identify, objdump/readelf oracles
#   $(KERNEL_DEB_PACKAGE)                                        a real kernel and initrd in /boot (identification)
#   busybox dash                                                 the ESXi shell (busybox ash) and a POSIX sh that run
#                                                                the generated first-boot scripts in the tests
DEB_PACKAGES := \
	python3 \
	libsquashfs-dev \
	zlib1g-dev \
	liblzma-dev \
	libdeflate-dev \
	libzstd-dev \
	liblz4-dev \
	squashfs-tools \
	squashfs-tools-ng \
	attr \
	xz-utils \
	zstd \
	lz4 \
	pkg-config \
	libgpgme-dev \
	gnupg \
	coreutils \
	openssl \
	cpio \
	gzip \
	bzip2 \
	tar \
	device-tree-compiler \
	fdisk \
	e2fsprogs \
	shim-unsigned \
	grub-efi-amd64-bin \
	binutils \
	$(KERNEL_DEB_PACKAGE) \
	busybox \
	dash

# ImageMirror's tests check re-signed metadata with gpgv.
DEB_PACKAGES += gpgv

# The SBOM tests validate every document with the formats' own validators (cyclonedx-python-lib's JSON validator,
# spdx-tools), from PyPI, pinned, in a venv under .build made with Debian's python3 (python3-venv brings ensurepip).
DEB_PACKAGES += python3-venv
SBOM_VENV := .build/sbom-venv
SBOM_PIP_PACKAGES := 'cyclonedx-python-lib[json-validation]==11.12.0' 'spdx-tools==0.8.5'

# Extra packages only `make bench` needs: debootstrap builds a real root file system to compress, setcap
# (libcap2-bin) gives it a file capability, hyperfine and GNU time (wall clock, peak RSS) time the commands, jq and
# python3 are the peers of the products-document comparison (compare-streams.sh).
BENCH_DEB_PACKAGES := debootstrap hyperfine time libcap2-bin jq python3
# The mirror comparison (compare-mirror.sh) serves its stream with nginx and runs curl as the peer.
BENCH_DEB_PACKAGES += nginx-light curl
# The xz decoder comparison (compare-xz.sh, callgrind-xz.sh) counts instructions with callgrind.
BENCH_DEB_PACKAGES += valgrind

# Paths swift-format rewrites and checks; Benchmarks/Benchmarks only once it exists.
FORMAT_PATHS := Sources Tests $(wildcard Benchmarks/Benchmarks)
LINT_PATHS := Sources Tests

# $(call ensure-debs,packages): succeed quietly if every package is installed; otherwise install the missing ones
# when running as root, or print the command to run and fail. Costs one dpkg-query per package, no apt, when
# nothing is missing. `ok installed` also matches held packages (`hold ok installed`); the substring test copes
# with multi-arch packages installed for several architectures (the status then repeats).
define ensure-debs
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "warning: dpkg-query not found; not a Debian system? Install the equivalents of: $(strip $(1))" >&2; \
		exit 0; \
	fi; \
	missing=""; \
	for package in $(1); do \
		case "$$(dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null)" in \
			*"ok installed"*) ;; \
			*) missing="$${missing:+$$missing }$$package" ;; \
		esac; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then \
		echo "Installing missing Debian packages: $$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "sudo apt-get install -y $$missing" >&2; \
		exit 1; \
	fi
endef

.PHONY: all deps deps-build deps-bench build demo test bench bench-images docs man fuzz format lint clean

all: build

deps:
	$(call ensure-debs,$(DEB_PACKAGES))
	@# The venv is rebuilt only when the pinned packages change (their list is kept in it).
	@want="$(SBOM_PIP_PACKAGES)"; \
	if [ -x $(SBOM_VENV)/bin/python3 ] && [ "$$(cat $(SBOM_VENV)/requirements 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	python=/usr/bin/python3; [ -x "$$python" ] || python=python3; \
	echo "Creating $(SBOM_VENV) with $$("$$python" --version): $$want"; \
	rm -rf $(SBOM_VENV) && "$$python" -m venv $(SBOM_VENV) && \
	$(SBOM_VENV)/bin/python3 -m pip install --quiet --disable-pip-version-check $(SBOM_PIP_PACKAGES) && \
	echo "$$want" > $(SBOM_VENV)/requirements

deps-build:
	$(call ensure-debs,$(BUILD_DEB_PACKAGES))

deps-bench: deps
	$(call ensure-debs,$(BENCH_DEB_PACKAGES))

build: deps
	$(SWIFT) build

demo: deps-build
	$(SWIFT) run maas-images demo $(DEMO_ARGS)

test: deps
	python3 Scripts/check-architecture.py
	$(SWIFT) test

bench: deps-bench
	cd Benchmarks && ./compare.sh
	cd Benchmarks && ./compare-checksums.sh
	cd Benchmarks && ./compare-streams.sh
	cd Benchmarks && ./compare-mirror.sh
	cd Benchmarks && ./compare-hostile.sh
	cd Benchmarks && ./compare-store-verify.sh
	cd Benchmarks && ./compare-diff.sh
	cd Benchmarks && ./compare-tar.sh
	cd Benchmarks && ./compare-xz.sh

bench-images: deps-bench
	cd Benchmarks && $(SWIFT) run -c release benchmark-images minbase server

# The library modules with a DocC catalog; `make docs` writes Sources' archives to .build/plugins/Swift-DocC/outputs.
DOC_TARGETS := SquashFS ImageContents Verification SimpleStreams SignedStreams BootAssets ESXiNetwork ImageMirror ProgressReporting

docs: deps
	for target in $(DOC_TARGETS); do \
		$(SWIFT) package generate-documentation --target $$target --warnings-as-errors || exit 1; \
	done

man: deps
	$(SWIFT) package --allow-writing-to-package-directory generate-manual
	@echo "man page: .build/plugins/GenerateManual/outputs/maas-images/maas-images.1"

FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld

# Each target runs FUZZ_SECONDS: FuzzSquashFS (open, walk and read), FuzzExtract (extract and check containment),
# FuzzXZ (the native xz and lzma-alone decoders against liblzma: same verdict and same bytes, seeds in Fuzz/CorpusXZ
# written by Fuzz/make-xz-corpus.py), FuzzStreams (parse, flatten, query and write simplestreams documents),
# FuzzCatalogue (boot resources, boot sets and serving paths from the same documents), FuzzIdentify (identify boot
# files by content), FuzzESXiNetwork (parse, plan and render network configurations). The seeds in Fuzz/Corpus are
# small real images, those in
# Fuzz/CorpusStreams real MAAS and upstream stream documents, those in Fuzz/CorpusIdentify small real boot files, those
# in Fuzz/CorpusNetwork curtin, cloud-init and MAAS-shaped network configurations; new inputs libFuzzer finds go to
# Fuzz/.build/corpus-TARGET. Fuzz/Corpus/hostile-*.sqfs are the shapes of issue 17 (deep trees, long names, shared
# listings, a lying directory index, xattr references, sparse files, symlink chains, a status of newlines), written by
# Fuzz/make-hostile-corpus.sh. FuzzSquashFS and FuzzExtract read xz and lzma images with the native decoder for three
# inputs in four (by the input's byte sum; FUZZ_XZ_DECODER=native|liblzma forces one), liblzma for the rest. Every
# target runs under -rss_limit_mb=512: an input that needs more is a finding.
fuzz: deps
	cd Fuzz && $(SWIFT) build -c release $(FUZZ_FLAGS)
	for pair in SquashFS:Corpus Extract:Corpus XZ:CorpusXZ Streams:CorpusStreams Catalogue:CorpusStreams Identify:CorpusIdentify ESXiNetwork:CorpusNetwork; do \
		target=$${pair%%:*}; seeds=$${pair#*:}; \
		mkdir -p Fuzz/.build/corpus-$$target && \
		Fuzz/.build/release/Fuzz$$target Fuzz/.build/corpus-$$target Fuzz/$$seeds \
			-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=512 -timeout=10 || exit 1; \
	done

format:
	$(SWIFT) format -i -r $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint -r $(LINT_PATHS)

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build
