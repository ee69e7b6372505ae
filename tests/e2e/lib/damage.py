#!/usr/bin/env python3
"""tests/e2e/lib/damage.py — seeded random damage to copies of a replica's database.

  damage.py SRC_DB OUT_DIR FIRST_SEED COUNT

For each seed FIRST_SEED .. FIRST_SEED+COUNT-1: copy SRC_DB (a rocksdbdata directory with its
checkpoints) to OUT_DIR/<seed>/rocksdbdata with `cp -a`, which keeps hard links: a checkpoint's SST
is a hard link to the live database's file while that file is live, as on a replica's volume. Then
damage one SST of a checkpoint, chosen by the seed (and with it the live database when the file is
shared), in one of these ways:

  truncate      cut the file at a random length
  zero, random  overwrite 1..64 bytes anywhere with zeros or random bytes
  tail-zero, tail-random
                overwrite 1..512 bytes starting in the last 4 KiB (where an SST keeps its index,
                filter, properties and meta-index blocks and its footer); may extend the file
  properties-end
                random bytes over the last 1..16 bytes of the properties block (found through the
                footer and the meta-index block) and up to 5 bytes of its trailer: RocksDB 7.8
                builds a Block of the properties before it checks their checksum, and the block's
                last 4 bytes say whether it has a hash index (DataBlockHashIndex::Initialize)

Print one line per copy: the copy's rocksdbdata path, a tab, and what was done. The same seed
always does the same damage to the same database. Only checkpoints' files are chosen from: they are
the same from one build of a fixture to the next, while the live database's SST files depend on
when RocksDB's background compactions ran.
"""
import os
import random
import subprocess
import sys

KINDS = ["truncate", "zero", "random", "tail-zero", "tail-random", "properties-end"]


def varint(b, i):
    v, shift = 0, 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 127) << shift
        shift += 7
        if x < 128:
            return v, i


def properties_end(data):
    """Offset of the end of an SST's properties block (its trailer follows), or None. The footer
    (format_version 5, 53 bytes) starts with the checksum type and the meta-index block's handle;
    the meta-index entry "rocksdb.properties" holds the properties block's handle."""
    try:
        off, i = varint(data, len(data) - 53 + 1)
        size, i = varint(data, i)
        meta = data[off:off + size]
        k = meta.find(b"rocksdb.properties")
        if k < 0:
            return None
        p_off, j = varint(meta, k + len(b"rocksdb.properties"))
        p_size, j = varint(meta, j)
        return p_off + p_size if 16 <= p_off + p_size <= len(data) else None
    except IndexError:
        return None


def ssts(db):
    out = []
    for root, _dirs, files in os.walk(os.path.join(db, "checkpoints")):
        out += [os.path.relpath(os.path.join(root, f), db) for f in files if f.endswith(".sst")]
    return sorted(out)


def main():
    src, out, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    names = ssts(src)
    if not names:
        sys.exit("damage.py: no SST file in " + src)
    for seed in range(first, first + count):
        rng = random.Random(seed)
        dst = os.path.join(out, str(seed), "rocksdbdata")
        os.makedirs(os.path.dirname(dst))
        subprocess.run(["cp", "-a", src, dst], check=True)
        name = rng.choice(names)
        path = os.path.join(dst, name)
        size = os.path.getsize(path)
        kind = rng.choice(KINDS)
        with open(path, "r+b") as f:
            if kind == "truncate":
                at = rng.randrange(size)
                f.truncate(at)
                what = "%s truncated to %d of %d bytes" % (name, at, size)
            elif kind == "properties-end" and properties_end(f.read()) is not None:
                f.seek(0)
                end = properties_end(f.read())
                n = rng.randint(1, 16)
                f.seek(end - n)
                f.write(rng.randbytes(n + rng.randint(0, 5)))
                what = "%s: %d random bytes ending the properties block at %d of %d" % (
                    name, n, end, size)
            else:
                tail = kind.startswith("tail") or kind == "properties-end"
                n = rng.randint(1, 512 if tail else 64)
                off = rng.randrange(max(0, size - 4096) if tail else 0, size)
                f.seek(off)
                f.write(bytes(n) if kind.endswith("zero") else rng.randbytes(n))
                what = "%s: %d %s bytes at %d of %d" % (name, n, kind, off, size)
        print("%s\t%s" % (dst, what))


if __name__ == "__main__":
    main()
