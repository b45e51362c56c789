#!/usr/bin/env python3
"""Writes the seed corpus of the FuzzXZ target (Fuzz/CorpusXZ): small .xz and "lzma alone" streams.

Each seed is one selector byte (FuzzXZ.swift: bit 0 the container, 0 xz and 1 lzma alone; bits 1-3 the output cap
4 KiB * 2^n, 1 MiB for n = 7; bits 4-6 bytes taken off the cap; bit 7 repairs the xz CRC32s) followed by the stream.
The streams cover every BCJ filter xz 5.4 has (x86 powerpc ia64 arm armthumb arm64 sparc, with and without a start
offset), delta (several distances), a three-filter chain, every check (none crc32 crc64 sha256), lc/lp/pb and
dictionary variations, presets 0/6/9 and extreme, multi-block streams (with and without sizes in the block headers),
an empty stream, output caps exactly at and one byte under the decoded size, RISC-V (filter 0x0B, which xz 5.4
cannot write: an x86 stream with its filter id replaced, check none), check-none streams of stored chunks with the
CRC32 repair bit (xz-repair-*: mutated bytes keep every size, so each filter's output is compared on arbitrary data),
lzma-alone streams with unknown and known sizes (with end marker), and real squashfs blocks (data, fragment and
metadata blocks of small mksquashfs and gensquashfs images, xz with BCJ and lzma).

Two of those images (xz with BCJ filters from mksquashfs, lzma from gensquashfs) are also written to Fuzz/Corpus as
xz-bcj.sqfs and lzma-gensquashfs.sqfs, seeds of FuzzSquashFS and FuzzExtract.

Usage: Fuzz/make-xz-corpus.py [OUTPUT_DIRECTORY [IMAGE_DIRECTORY]]   (defaults: Fuzz/CorpusXZ, Fuzz/Corpus). Needs
xz (5.4), mksquashfs and gensquashfs. The output is reproducible for given tool versions.
"""

import lzma
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CAPS = [4 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 1 << 20]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "CorpusXZ")
# Two of the images also seed FuzzSquashFS and FuzzExtract (and FuzzReplayTests), in this folder.
IMAGES = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "Corpus")
IMAGE_SEEDS = {"mksquashfs-xz-bcj": "xz-bcj.sqfs", "gensquashfs-lzma": "lzma-gensquashfs.sqfs"}


def selector(lzma_alone, size, short=0, repair=False):
    """The selector byte for the smallest cap that holds `size` bytes once `short` (0-7) bytes are taken off it;
    `repair` sets the bit that makes FuzzXZ recompute the container's CRC32s."""
    index = next((i for i, cap in enumerate(CAPS) if cap - short >= size), len(CAPS) - 1)
    return bytes([(1 if lzma_alone else 0) | index << 1 | short << 4 | (0x80 if repair else 0)])


def write(name, lzma_alone, stream, size, short=0, too_small=False, repair=False):
    """Writes a seed whose cap holds `size` bytes, or (`too_small`) the 4 KiB cap minus `short`, which does not."""
    if too_small:
        prefix = bytes([(1 if lzma_alone else 0) | short << 4])
    else:
        prefix = selector(lzma_alone, size, short, repair)
    with open(os.path.join(OUT, name), "wb") as seed:
        seed.write(prefix + stream)


def payload(size, seed):
    """Deterministic mixed data: text, code-like words (BCJ patterns), runs and random bytes."""
    rng = random.Random(seed)
    words = [b"squashfs", b"block", b"inode", b"fragment", b"xattr", b"\n", b"lzma", b"the", b" ", b"0x7f"]
    parts = []
    while sum(map(len, parts)) < size:
        kind = rng.randrange(4)
        if kind == 0:
            parts.append(b" ".join(rng.choice(words) for _ in range(rng.randrange(4, 40))))
        elif kind == 1:
            # x86 call/jmp, ARM BL, PowerPC bl, SPARC call, ARM64 BL/ADRP shapes with random displacements.
            for _ in range(rng.randrange(4, 32)):
                shape = rng.choice([b"\xe8", b"\xe9", b"", b"", b"\x0f\x80"])
                displacement = rng.getrandbits(32) & 0x00FFFFFF
                top = rng.choice([0xEB, 0x94, 0x48, 0x40, 0x90, 0xF0])
                parts.append(shape + struct.pack("<I", displacement | top << 24))
        elif kind == 2:
            parts.append(bytes([rng.getrandbits(8)]) * rng.randrange(2, 300))
        else:
            parts.append(rng.randbytes(rng.randrange(8, 200)))
    return b"".join(parts)[:size]


def xz_cli(data, *options, threads="-T1"):
    """`xz` 5.4 with `options`; a filter chain without LZMA2 gets `--lzma2=preset=6` appended."""
    chain = [option for option in options if option.startswith("--") and option.split("=")[0][2:] in
             ("x86", "powerpc", "ia64", "arm", "armthumb", "arm64", "sparc", "delta")]
    if chain and not any(option.startswith("--lzma2") for option in options):
        options += ("--lzma2=preset=6",)
    command = ["xz", "-c", threads, *options]
    return subprocess.run(command, input=data, stdout=subprocess.PIPE, check=True).stdout


def xz_seeds():
    data = payload(3000, 1)
    filters = ["--x86", "--powerpc", "--ia64", "--arm", "--armthumb", "--arm64", "--sparc"]
    for option in filters:
        name = option[2:]
        write(f"xz-{name}", False, xz_cli(data, option, "--lzma2=preset=6"), len(data))
        start = "16" if name != "ia64" else "32"
        write(f"xz-{name}-start", False, xz_cli(data, f"{option}=start={start}", "--lzma2=preset=1"), len(data))
    for distance in [1, 2, 4, 7, 256]:
        write(f"xz-delta-{distance}", False, xz_cli(data, f"--delta=dist={distance}", "--lzma2=preset=6"), len(data))
    write("xz-chain", False, xz_cli(data, "--delta=dist=2", "--x86", "--arm", "--lzma2=preset=6"), len(data))
    for check in ["none", "crc32", "crc64", "sha256"]:
        write(f"xz-check-{check}", False, xz_cli(data, f"--check={check}"), len(data))
        write(f"xz-check-{check}-arm64", False, xz_cli(data, f"--check={check}", "--arm64", "--lzma2=preset=6"),
              len(data))
    for lc, lp, pb in [(0, 0, 0), (4, 0, 2), (0, 4, 4), (1, 3, 1), (2, 2, 3), (3, 1, 0), (0, 2, 2)]:
        write(f"xz-lc{lc}-lp{lp}-pb{pb}", False, xz_cli(data, f"--lzma2=preset=6,lc={lc},lp={lp},pb={pb}"),
              len(data))
    for dictionary in ["4KiB", "6KiB", "64KiB", "1536KiB", "8MiB", "48MiB"]:
        write(f"xz-dict-{dictionary}", False, xz_cli(data, f"--lzma2=preset=6,dict={dictionary}"), len(data))
    for preset in ["-0", "-9", "-6e"]:
        write(f"xz-preset{preset}", False, xz_cli(data, preset), len(data))
    big = payload(20000, 2)
    write("xz-multiblock", False, xz_cli(big, "--block-size=4096", "--check=crc32"), len(big))
    threaded = xz_cli(big, "--block-size=6000", "--x86", threads="-T2")
    write("xz-multiblock-sizes", False, threaded, len(big))
    write("xz-block-list", False, xz_cli(big, "--block-list=1000,3000,0"), len(big))
    write("xz-empty", False, xz_cli(b""), 0)
    noise = random.Random(3).randbytes(5000)
    write("xz-uncompressed-chunks", False, xz_cli(noise, "--check=crc64"), len(noise))
    mixed = noise[:2000] + payload(2000, 4) + noise[2000:3000]
    write("xz-mixed-chunks", False, xz_cli(mixed, "--lzma2=preset=6,lc=0,lp=0,pb=0"), len(mixed))
    # Outputs that exactly fill the cap, and that are one byte too big for it.
    exact = payload(4096 - 6, 5)
    stream = xz_cli(exact, "--x86")
    write("xz-exact-cap", False, stream, len(exact), short=6)
    write("xz-one-over-cap", False, stream, len(exact), short=7, too_small=True)
    # Check none and incompressible data (uncompressed LZMA2 chunks) with the CRC32 repair bit: mutated data bytes
    # keep every size, so both decoders succeed and each BCJ filter's output is compared on arbitrary data.
    for option in filters + ["--delta=dist=3"]:
        name = option[2:].split("=")[0]
        noise_stream = xz_cli(noise[:2500], "--check=none", option, "--lzma2=preset=0")
        write(f"xz-repair-{name}", False, noise_stream, 2500, repair=True)
    write("xz-repair-lzma", False, xz_cli(data, "--check=none", "--lzma2=preset=6,lc=0,lp=0,pb=0"), len(data),
          repair=True)
    write("xz-repair-multiblock-sizes", False, xz_cli(big, "--check=none", "--block-size=5000", threads="-T2"),
          len(big), repair=True)
    # RISC-V (0x0B): an x86 block header with its filter id replaced and its CRC32 recomputed; check none, since the
    # check was over the x86-decoded data.
    for name, option in [("riscv", "--x86"), ("riscv-delta", "--delta=dist=4")]:
        chain = [option] if name == "riscv" else [option, "--x86"]
        stream = bytearray(xz_cli(data, "--check=none", *chain, "--lzma2=preset=6"))
        header = 12
        size = (stream[header] + 1) * 4
        body = stream[header:header + size - 4]
        position = body.index(0x04, 2)
        body[position] = 0x0B
        stream[header:header + size] = body + struct.pack("<I", zlib.crc32(body))
        write(f"xz-{name}", False, bytes(stream), len(data))


def lzma_seeds():
    data = payload(3000, 6)
    for lc, lp, pb, dictionary in [(3, 0, 2, 1 << 16), (0, 0, 0, 4096), (4, 0, 4, 1 << 12), (0, 4, 0, 1 << 20),
                                   (1, 2, 3, 3 << 14), (3, 0, 2, 1 << 26)]:
        stream = lzma.compress(data, format=lzma.FORMAT_ALONE,
                               filters=[{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb,
                                         "dict_size": dictionary}])
        write(f"lzma-lc{lc}-lp{lp}-pb{pb}-dict{dictionary}", True, stream, len(data))
    stream = bytearray(lzma.compress(data, format=lzma.FORMAT_ALONE))
    write("lzma-unknown-size", True, bytes(stream), len(data))
    stream[5:13] = struct.pack("<Q", len(data))
    write("lzma-known-size-end-marker", True, bytes(stream), len(data))
    odd = bytearray(stream)
    odd[1:5] = struct.pack("<I", 5000)
    write("lzma-odd-dict", True, bytes(odd), len(data))
    odd[0] = (2 * 5 + 4) * 9 + 4  # lc 4, lp 4, pb 2: valid in the LZMA specification, refused by liblzma (lc + lp > 4)
    write("lzma-lc4-lp4", True, bytes(odd), len(data))
    write("lzma-cli-preset0", True, xz_cli(data, "--format=lzma", "-0"), len(data))
    write("lzma-empty", True, lzma.compress(b"", format=lzma.FORMAT_ALONE), 0)
    exact = payload(4096 - 3, 7)
    write("lzma-exact-cap", True, lzma.compress(exact, format=lzma.FORMAT_ALONE), len(exact), short=3)
    write("lzma-one-over-cap", True, lzma.compress(exact, format=lzma.FORMAT_ALONE), len(exact), short=4,
          too_small=True)


def tree(directory):
    os.makedirs(os.path.join(directory, "d"), exist_ok=True)
    with open(os.path.join(directory, "text"), "wb") as f:
        f.write(payload(30000, 8))
    with open(os.path.join(directory, "d", "code"), "wb") as f:
        f.write(payload(9000, 9))
    with open(os.path.join(directory, "d", "small"), "wb") as f:
        f.write(payload(700, 10))
    for index in range(40):
        os.symlink("target-" * 3 + str(index), os.path.join(directory, "d", f"link{index}"))


def squashfs_blocks(image, lzma_alone, block_size, limit, properties=0x5D):
    """The first `limit` compressed blocks of `image`, each a complete stream, found by decoding at every stream
    magic (for lzma alone: the properties byte)."""
    with open(image, "rb") as f:
        content = f.read()
    blocks = []
    position = 0
    magic = b"\xfd7zXZ\x00" if not lzma_alone else bytes([properties])
    while len(blocks) < limit:
        position = content.find(magic, position)
        if position < 0:
            break
        decoder = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE if lzma_alone else lzma.FORMAT_XZ)
        try:
            output = decoder.decompress(content[position:], max_length=1 << 20)
            if decoder.eof and len(output) <= max(block_size, 8192):
                end = len(content) - len(decoder.unused_data)
                blocks.append((content[position:end], len(output)))
                position = end
                continue
        except lzma.LZMAError:
            pass
        position += 1
    return blocks


def squashfs_seeds():
    work = tempfile.mkdtemp()
    try:
        source = os.path.join(work, "tree")
        tree(source)
        images = [
            ("mksquashfs-xz-4k", False, 4096, ["mksquashfs", "-comp", "xz", "-b", "4096"]),
            ("mksquashfs-xz-bcj", False, 8192, ["mksquashfs", "-comp", "xz", "-b", "8192", "-Xbcj", "x86,arm,powerpc"]),
            ("mksquashfs-xz-dict", False, 16384, ["mksquashfs", "-comp", "xz", "-b", "16384", "-Xdict-size", "50%"]),
            ("gensquashfs-xz", False, 4096, ["gensquashfs", "-c", "xz", "-b", "4096", "-X", "lc=1,lp=3,pb=0,armthumb"]),
            ("gensquashfs-lzma", True, 4096, ["gensquashfs", "-c", "lzma", "-b", "4096", "-X", "lc=0,lp=2,pb=1"]),
        ]
        for name, lzma_alone, block_size, command in images:
            image = os.path.join(work, name + ".sqfs")
            if command[0] == "mksquashfs":
                command = [command[0], source, image, "-noappend", "-quiet", "-no-progress", "-all-root",
                           "-mkfs-time", "0", "-all-time", "0"] + command[1:]
            else:
                command = command + ["-D", source, "-q", "-f", "--all-root", image]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            properties = (1 * 5 + 2) * 9 + 0  # pb 1, lp 2, lc 0
            for index, (block, size) in enumerate(squashfs_blocks(image, lzma_alone, block_size, 5, properties)):
                cap = block_size if size <= block_size else 8192
                write(f"sqfs-{name}-{index}", lzma_alone, block, cap)
            if name in IMAGE_SEEDS:
                shutil.copyfile(image, os.path.join(IMAGES, IMAGE_SEEDS[name]))
    finally:
        shutil.rmtree(work)


def main():
    if os.path.isdir(OUT):
        for name in os.listdir(OUT):
            os.remove(os.path.join(OUT, name))
    os.makedirs(OUT, exist_ok=True)
    xz_seeds()
    lzma_seeds()
    squashfs_seeds()


if __name__ == "__main__":
    main()
