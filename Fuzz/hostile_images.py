#!/usr/bin/env python3
"""Writes squashfs images of the hostile shapes of issue 17 that no writer produces, byte by byte.

    hostile_images.py deep OUTPUT DEPTH NAME_LENGTH      a chain of DEPTH directories with NAME_LENGTH-byte names
    hostile_images.py long-name OUTPUT NAME_LENGTH       a root holding one empty file with a NAME_LENGTH-byte name
    hostile_images.py shared-listing OUTPUT DIRS ENTRIES DIRS directories sharing one listing of ENTRIES files
    hostile_images.py lying-index OUTPUT                 a directory index that points into another directory's listing

Used by Fuzz/make-hostile-corpus.sh (small seeds for Fuzz/Corpus) and Benchmarks/compare-hostile.sh (growing sizes).
Metadata blocks are zlib-compressed when that makes them smaller (compressor id 1, gzip), so even a deep tree of long
names stays a few KB. Only the standard library is used.
"""

import struct
import sys
import zlib

BLOCK = 8192
MTIME = 1_700_000_000


def metadata_blocks(data, compress=True):
    """Cuts `data` into metadata blocks, each compressed when `compress` and that is smaller; returns (bytes, block
    starts)."""
    out = bytearray()
    starts = []
    for start in range(0, max(len(data), 1), BLOCK):
        chunk = bytes(data[start:start + BLOCK])
        starts.append(len(out))
        packed = zlib.compress(chunk, 9)
        if compress and len(packed) < len(chunk):
            out += struct.pack("<H", len(packed)) + packed
        else:
            out += struct.pack("<H", 0x8000 | len(chunk)) + chunk
    return out, starts


class Tree:
    """Inodes in a list; index 0 is the root. Directories list (name, child index) pairs, sorted by the builder."""

    def __init__(self):
        self.nodes = []

    def directory(self, entries=()):
        self.nodes.append({"kind": "dir", "entries": list(entries)})
        return len(self.nodes) - 1

    def file(self):
        self.nodes.append({"kind": "file"})
        return len(self.nodes) - 1

    def image(self, listing_of=None, index_of=None):
        """The image bytes. `listing_of[d] = e`: directory d records directory e's listing (shared listings).
        `index_of[d] = [(listing offset, directory block number, name)]`: d becomes an extended directory with that
        index; the block number counts metadata blocks of the directory table (0, 1, ...), the builder writes its
        byte offset."""
        listing_of = listing_of or {}
        index_of = index_of or {}
        count = len(self.nodes)
        numbers = [count] + list(range(1, count))  # the root last, as mksquashfs numbers it

        def inode_size(i):
            node = self.nodes[i]
            if node["kind"] == "file":
                return 32
            if i in index_of:
                return 40 + sum(12 + len(name) for _, _, name in index_of[i])
            return 32

        # Inode positions in the uncompressed inode stream; metadata references need the compressed block offsets,
        # so the inode table is laid out uncompressed first and each position mapped after compression.
        positions = []
        total = 0
        for i in range(count):
            positions.append(total)
            total += inode_size(i)

        def types(i):
            return 2 if self.nodes[i]["kind"] == "file" else 1

        # Directory listings (one run per metadata block of inodes).
        listings = bytearray()
        listing_at = {}
        for i, node in enumerate(self.nodes):
            if node["kind"] != "dir" or not node["entries"]:
                continue
            listing_at[i] = len(listings)
            entries = sorted(node["entries"], key=lambda e: e[0])
            runs = []
            for name, child in entries:
                block = positions[child] // BLOCK
                if runs and runs[-1][0] == block and len(runs[-1][1]) < 256:
                    runs[-1][1].append((name, child))
                else:
                    runs.append((block, [(name, child)]))
            for block, run in runs:
                base = numbers[run[0][1]]
                listings += struct.pack("<III", len(run) - 1, block, base)  # block fixed up below
                for name, child in run:
                    listings += struct.pack(
                        "<HhHH", positions[child] % BLOCK, numbers[child] - base, types(child), len(name) - 1)
                    listings += name

        # The inode table is stored uncompressed, so that its block offsets (8194 bytes each) are known before the
        # listings that point into it are written.
        def inode_table(dir_refs, dir_starts):
            table = bytearray()
            for i, node in enumerate(self.nodes):
                number = numbers[i]
                if node["kind"] == "file":
                    table += struct.pack("<HHHHII", 2, 0o644, 0, 0, MTIME, number)
                    table += struct.pack("<IIII", 0, 0xFFFFFFFF, 0, 0)  # no blocks, no fragment, offset, size 0
                    continue
                source = listing_of.get(i, i)
                size = 0
                if self.nodes[source]["entries"]:
                    size = listing_size(source)
                block, offset = dir_refs.get(source, (0, 0))
                parent = count + 1 if i == 0 else numbers[0]
                links = 2 + sum(1 for _, c in node["entries"] if self.nodes[c]["kind"] == "dir")
                if i in index_of:
                    table += struct.pack("<HHHHII", 8, 0o755, 0, 0, MTIME, number)
                    table += struct.pack("<IIIIHHI", links, size + 3, block, parent, len(index_of[i]), offset,
                                         0xFFFFFFFF)
                    for index, start, name in index_of[i]:
                        start = dir_starts[start] if start < len(dir_starts) else 0
                        table += struct.pack("<III", index, start, len(name) - 1) + name
                else:
                    table += struct.pack("<HHHHII", 1, 0o755, 0, 0, MTIME, number)
                    table += struct.pack("<IIHHI", block, links, size + 3, offset, parent)
            return table

        def listing_size(i):
            starts = sorted(listing_at.values()) + [len(listings)]
            start = listing_at[i]
            return starts[starts.index(start) + 1] - start

        inode_bytes = inode_table({}, [])
        _, inode_starts = metadata_blocks(inode_bytes, compress=False)
        # Fix the run headers' inode block numbers: uncompressed block index -> compressed block offset.
        fixed = bytearray(listings)
        cursor = 0
        for i in sorted(listing_at, key=lambda k: listing_at[k]):
            cursor = listing_at[i]
            end = cursor + listing_size(i)
            while cursor < end:
                run, block, base = struct.unpack_from("<III", fixed, cursor)
                struct.pack_into("<I", fixed, cursor + 4, inode_starts[block])
                cursor += 12
                for _ in range(run + 1):
                    name_size = struct.unpack_from("<H", fixed, cursor + 6)[0] + 1
                    cursor += 8 + name_size
        directory_table, directory_starts = metadata_blocks(fixed)
        dir_refs = {i: (directory_starts[at // BLOCK], at % BLOCK) for i, at in listing_at.items()}
        inode_bytes = inode_table(dir_refs, directory_starts)
        inode_table_bytes, _ = metadata_blocks(inode_bytes, compress=False)

        image = bytearray(96)
        inode_start = len(image)
        image += inode_table_bytes
        directory_start = len(image)
        image += directory_table
        id_block = len(image)
        ids, _ = metadata_blocks(struct.pack("<I", 0))
        image += ids
        id_table = len(image)
        image += struct.pack("<Q", id_block)
        used = len(image)
        root_ref = (inode_starts[positions[0] // BLOCK] << 16) | (positions[0] % BLOCK)
        superblock = struct.pack(
            "<IIIIIHHHHHHQQQQQQQQ", 0x73717368, count, MTIME, 1 << 17, 0, 1, 17, 0x0010 | 0x0200, 1, 4, 0,
            root_ref, used, id_table, 0xFFFFFFFFFFFFFFFF, inode_start, directory_start, 0xFFFFFFFFFFFFFFFF,
            0xFFFFFFFFFFFFFFFF)
        image[0:96] = superblock
        image += bytes((4096 - len(image) % 4096) % 4096)
        return bytes(image)


def padded(level, length):
    number = str(level).encode()
    return number + b"x" * max(0, length - len(number))


def deep(depth, name_length):
    tree = Tree()
    parent = tree.directory()
    for level in range(1, depth + 1):
        child = tree.directory()
        tree.nodes[parent]["entries"].append((padded(level, name_length), child))
        parent = child
    return tree.image()


def long_name(length):
    tree = Tree()
    root = tree.directory()
    tree.nodes[root]["entries"] += [(b"a", tree.file()), (b"n" * length, tree.file())]
    return tree.image()


def shared_listing(directories, entries):
    tree = Tree()
    root = tree.directory()
    first = tree.directory()
    for index in range(entries):
        tree.nodes[first]["entries"].append((b"f%06d" % index, tree.file()))
    tree.nodes[root]["entries"].append((b"d%06d" % 0, first))
    sharing = {}
    for index in range(1, directories):
        other = tree.directory()
        tree.nodes[root]["entries"].append((b"d%06d" % index, other))
        sharing[other] = first
    return tree.image(listing_of=sharing)


def lying_index():
    """The root's listing fills the directory table's first metadata block; directory z's listing, which holds an
    m-file of its own, is in the second. The root's index claims its listing from offset 0 on is in the second block:
    a lookup that trusted it would find z's m-file instead of the root's."""
    tree = Tree()
    root = tree.directory()
    z = tree.directory()
    tree.nodes[z]["entries"].append((b"m-file", tree.file()))
    for index in range(220):
        tree.nodes[root]["entries"].append((b"a-file-%024d" % index, tree.file()))
    tree.nodes[root]["entries"] += [(b"m-file", tree.file()), (b"z", z)]
    return tree.image(index_of={root: [(0, 1, b"a")]})


def main(argv):
    shape, output = argv[1], argv[2]
    numbers = [int(a) for a in argv[3:]]
    makers = {"deep": deep, "long-name": long_name, "shared-listing": shared_listing, "lying-index": lying_index}
    if shape not in makers:
        sys.exit(__doc__)
    with open(output, "wb") as handle:
        handle.write(makers[shape](*numbers))


if __name__ == "__main__":
    main(sys.argv)
