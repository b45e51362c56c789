#!/usr/bin/env bash
# Regenerates the sample mirror in this folder with real tools: gpg (a signing key made here and thrown away; only
# its public keyring is kept), mksquashfs (xz root images with a genuine dpkg status database), dpkg-query (their
# manifests), cpio and zstd (the initrds), grub-mkimage and tar/xz (the bootloader archives).
#
# The layout and the documents follow images.maas.io/ephemeral-v3/stable exactly: streams/v1/index.sjson, one
# products document for the v3 images and one for the bootloaders, each as .sjson (clearsigned), .json and .json.gpg
# (detached). One Ubuntu product (24.04 amd64, ga-24.04) has two versions, so `max` and pruning show.
#
# Needs: gnupg squashfs-tools dpkg cpio zstd xz-utils grub-efi-amd64-bin shim-unsigned python3 (Debian/Ubuntu).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
work="$(mktemp -d)"
trap 'gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

rm -rf streams noble bootloaders keyring.gpg keyring.asc
export SOURCE_DATE_EPOCH=1764547200  # 2025-12-01, so the images do not change with the clock

# --- The signing key (the secret key never leaves $work) -------------------------------------------------------
mkdir -m 700 "$work/gnupg"
g() { gpg --homedir "$work/gnupg" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
g --quick-gen-key 'swift-maas-images sample stream signer <sample@swift-maas-images.invalid>' ed25519 sign 0
fingerprint=$(g --with-colons --list-keys sample@swift-maas-images.invalid | awk -F: '/^fpr/ { print $10; exit }')
g --export "$fingerprint" > keyring.gpg
g --armor --export "$fingerprint" > keyring.asc

# --- Root images, manifests, kernels and initrds, one set per version ------------------------------------------
# A root with a genuine dpkg status database: the real entries of a few packages of the machine running this script,
# plus hello, whose version changes between the two serials.
make_root() {  # $1 root directory, $2 hello version
    local root="$1"
    mkdir -p "$root/etc" "$root/usr/lib" "$root/usr/bin" "$root/var/lib/dpkg/info"
    cat > "$root/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Ubuntu 24.04.3 LTS (swift-maas-images sample)"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.3 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=noble
EOF
    ln -s ../usr/lib/os-release "$root/etc/os-release"
    echo "sample" > "$root/etc/hostname"
    printf '#!/bin/sh\necho "Hello from the sample root image"\n' > "$root/usr/bin/hello"
    chmod 755 "$root/usr/bin/hello"
    dpkg-query --status base-files bash coreutils dash libc6 tar zstd > "$root/var/lib/dpkg/status"
    cat >> "$root/var/lib/dpkg/status" <<EOF

Package: hello
Status: install ok installed
Priority: optional
Section: devel
Installed-Size: 12
Maintainer: swift-maas-images <sample@swift-maas-images.invalid>
Architecture: amd64
Version: $2
Description: sample package of the swift-maas-images sample mirror
EOF
    find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# A file shaped like an x86 bzImage (boot sector signature, "HdrS", boot protocol 2.15, a version string), so that
# content identification recognises it; it is sample data, not a bootable kernel.
make_kernel() {  # $1 output, $2 version string
    python3 - "$1" "$2" <<'PY'
import struct, sys
out, version = sys.argv[1], sys.argv[2]
setup_sects = 1
image = bytearray(512 * (setup_sects + 1) + 512)
image[0x1F1] = setup_sects
image[0x1FE:0x200] = b"\x55\xaa"
image[0x202:0x206] = b"HdrS"
struct.pack_into("<H", image, 0x206, 0x020F)          # boot protocol 2.15
text = (version + " (swift-maas-images sample data, not a bootable kernel)").encode() + b"\0"
offset = 0x300
image[offset:offset + len(text)] = text
struct.pack_into("<H", image, 0x20E, offset - 0x200)  # kernel_version pointer
image[0x211] = 0x01                                   # loadflags: LOADED_HIGH (bzImage)
struct.pack_into("<H", image, 0x236, 0x0001)          # xloadflags: XLF_KERNEL_64
struct.pack_into("<I", image, 0x1F4, 512 // 16)       # syssize: the protected-mode part, in 16-byte units
open(out, "wb").write(bytes(image))
PY
}

make_initrd() {  # $1 output
    local tree="$work/initrd"
    rm -rf "$tree"
    mkdir -p "$tree/conf" "$tree/scripts"
    printf '#!/bin/sh\necho "sample initramfs: this is where casper would mount the squashfs"\n' > "$tree/init"
    chmod 755 "$tree/init"
    echo "MODULES=netboot" > "$tree/conf/initramfs.conf"
    find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    (cd "$tree" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) | zstd -q -19 > "$1"
}

versions=(20251101 20251201)
hello_versions=(2.10-3 2.10-3ubuntu1)
for index in 0 1; do
    serial=${versions[$index]}
    dir="noble/amd64/$serial"
    mkdir -p "$dir/ga-24.04/generic"
    root="$work/root-$serial"
    make_root "$root" "${hello_versions[$index]}"
    mksquashfs "$root" "$dir/squashfs" -comp xz -xattrs -all-root -noappend -quiet >/dev/null
    dpkg-query --admindir="$root/var/lib/dpkg" --show > "$dir/squashfs.manifest"
    make_kernel "$dir/ga-24.04/generic/boot-kernel" "6.8.0-$((80 + index))-generic"
    make_initrd "$dir/ga-24.04/generic/boot-initrd"
done

# --- Bootloaders: real EFI binaries, small ones -----------------------------------------------------------------
# shim-signed.tar.xz holds Debian's unsigned shim fallback (fbx64.efi) in shim's place and the MOK manager;
# grub2-signed.tar.xz a real network GRUB made by grub-mkimage (unsigned). Real, bootable-format amd64 EFI
# applications, but not Canonical's signed ones.
bootloader_version=20251101.0
uefi="bootloaders/uefi/amd64/$bootloader_version"
mkdir -p "$uefi" "$work/shim/usr/lib/shim" "$work/grub/usr/lib/grub/x86_64-efi-signed"
cp /usr/lib/shim/fbx64.efi "$work/shim/usr/lib/shim/shimx64.efi.signed.latest"
cp /usr/lib/shim/fbx64.efi "$work/shim/usr/lib/shim/mmx64.efi"
grub-mkimage -O x86_64-efi -p /grub -o "$work/grub/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed" \
    normal tftp efinet linux echo configfile
for archive in shim grub; do
    find "$work/$archive" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
done
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$work/shim" -cf - usr | xz -9 > "$uefi/shim-signed.tar.xz"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$work/grub" -cf - usr | xz -9 > "$uefi/grub2-signed.tar.xz"

# --- The documents ----------------------------------------------------------------------------------------------
mkdir -p streams/v1
WORK="$work" python3 - "${versions[@]}" "$bootloader_version" <<'PY'
import hashlib, json, os, sys
from email.utils import formatdate

*serials, bootloader_version = sys.argv[1:]
updated = formatdate(int(os.environ["SOURCE_DATE_EPOCH"]), usegmt=False).replace("-0000", "+0000")

def item(path, ftype, **extra):
    data = open(path, "rb").read()
    return {"ftype": ftype, "path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), **extra}

versions = {}
for serial in serials:
    base = f"noble/amd64/{serial}"
    versions[serial] = {"items": {
        "boot-initrd": item(f"{base}/ga-24.04/generic/boot-initrd", "boot-initrd", kpackage="linux-generic"),
        "boot-kernel": item(f"{base}/ga-24.04/generic/boot-kernel", "boot-kernel", kpackage="linux-generic"),
        "manifest": item(f"{base}/squashfs.manifest", "manifest"),
        "squashfs": item(f"{base}/squashfs", "squashfs"),
    }}
subarches = ",".join(["generic", "hwe-p", "hwe-q", "hwe-r", "hwe-s", "hwe-t", "hwe-u", "hwe-v", "hwe-w"]
                     + [f"ga-{y}.{m}" for y in range(16, 25) for m in ("04", "10") if (y, m) != (24, "10")])
images = {
    "content_id": "com.ubuntu.maas:stable:v3:download",
    "datatype": "image-ids",
    "format": "products:1.0",
    "products": {
        "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04": {
            "arch": "amd64", "kflavor": "generic", "krel": "noble", "label": "stable", "os": "ubuntu",
            "release": "noble", "release_codename": "Noble Numbat", "release_title": "24.04 LTS",
            "subarch": "ga-24.04", "subarches": subarches, "support_eol": "2029-05-31",
            "support_esm_eol": "2034-04-25", "version": "24.04", "versions": versions,
        }
    },
    "updated": updated,
}
uefi = f"bootloaders/uefi/amd64/{bootloader_version}"
bootloaders = {
    "content_id": "com.ubuntu.maas:stable:1:bootloader-download",
    "datatype": "image-ids",
    "format": "products:1.0",
    "products": {
        "com.ubuntu.maas.stable:1:grub-efi-signed:uefi:amd64": {
            "arch": "amd64", "arches": "amd64", "bootloader-type": "uefi", "label": "stable",
            "os": "grub-efi-signed",
            "versions": {bootloader_version: {"items": {
                "grub2-signed": item(f"{uefi}/grub2-signed.tar.xz", "archive.tar.xz", src_package="grub2-signed",
                                     src_release="noble", src_version="sample"),
                "shim-signed": item(f"{uefi}/shim-signed.tar.xz", "archive.tar.xz", src_package="shim-signed",
                                    src_release="noble", src_version="sample"),
            }}},
        }
    },
    "updated": updated,
}
documents = {
    "com.ubuntu.maas:stable:1:bootloader-download": bootloaders,
    "com.ubuntu.maas:stable:v3:download": images,
}
index = {"format": "index:1.0", "index": {}, "updated": updated}
for content_id, document in documents.items():
    path = f"streams/v1/{content_id}.json"
    with open(path, "w") as out:
        json.dump(document, out, indent=1, sort_keys=True)
        out.write("\n")
    index["index"][content_id] = {
        "datatype": "image-ids", "format": "products:1.0", "path": f"streams/v1/{content_id}.sjson",
        "products": sorted(document["products"]), "updated": updated,
    }
# index.sjson lists the clearsigned documents, index.json the plain ones (with their .json.gpg signatures).
with open(os.environ["WORK"] + "/index-signed.json", "w") as out:
    json.dump(index, out, indent=1, sort_keys=True)
    out.write("\n")
for entry in index["index"].values():
    entry["path"] = entry["path"][: -len(".sjson")] + ".json"
with open("streams/v1/index.json", "w") as out:
    json.dump(index, out, indent=1, sort_keys=True)
    out.write("\n")
PY

for document in streams/v1/*.json; do
    g -u "$fingerprint!" --detach-sign -o "$document.gpg" "$document"
    if [ "$document" != streams/v1/index.json ]; then
        g -u "$fingerprint!" --clearsign -o "${document%.json}.sjson" "$document"
    fi
done
g -u "$fingerprint!" --clearsign -o streams/v1/index.sjson "$work/index-signed.json"

echo "sample mirror regenerated, signed by $fingerprint"
du -sh --exclude=generate.sh --exclude=README.md "$here"
