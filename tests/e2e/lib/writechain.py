#!/usr/bin/env python3
"""tests/e2e/lib/writechain.py — an independent reading of the on-disk chain format
(docs/design.md §4), written from the document alone (no chaindrill code), talking to RocksDB
only through `ldb`.

  writechain.py write DB_DIR --replica-id N [--flip-block B]
                                               write a small hand-made chain into a new database
                                               (column families default, blocks, state) with
                                               `ldb put --hex`; print {"lastBlock", "digest",
                                               "stateRoot"} as computed here. --flip-block
                                               stores block B with one value byte changed
  writechain.py check DB_DIR [--replica-id N] [--checkpoints]
                                               read a database with `ldb scan --hex` (as a
                                               secondary instance, so nothing in DB_DIR changes),
                                               re-derive every digest, parent link and state root
                                               and check the metadata; print the same JSON, plus
                                               "checkpoints" with each one's recomputed
                                               digest; exit 1 with a message on any mismatch

The format, as docs/design.md §4 states it: integers big-endian; a block is
  "CDB1" | block_id u64 | timestamp_ms u64 | parent_digest[32] | state_root[32] | n u32 |
  n x (klen u32 | key | vlen u32 | value | prev_term[32]) | digest[32]
with digest = SHA-256 of every byte before it, block 1's parent 32 zero bytes; term(k, v) =
SHA-256("kv" | klen u32 | k | v) read as a 256-bit little-endian integer; state_root = sum of the
terms of the state mod 2^256; prev_term = term(k, old value), zeros if k was absent.
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

LDB = os.environ.get("LDB", "ldb")
MOD = 1 << 256
ZERO = bytes(32)
FORMAT = b"chaindrill-chain/1"


class Mismatch(Exception):
    pass


def term(k: bytes, v: bytes) -> int:
    return int.from_bytes(hashlib.sha256(b"kv" + struct.pack(">I", len(k)) + k + v).digest(), "little")


def le32(x: int) -> bytes:
    return (x % MOD).to_bytes(32, "little")


def encode_block(block_id, ts_ms, parent, root, entries):
    """entries: [(key, value, prev_term_bytes)]; returns (encoded bytes, digest)."""
    out = b"CDB1" + struct.pack(">QQ", block_id, ts_ms) + parent + root + struct.pack(">I", len(entries))
    for k, v, prev in entries:
        out += struct.pack(">I", len(k)) + k + struct.pack(">I", len(v)) + v + prev
    digest = hashlib.sha256(out).digest()
    return out + digest, digest


def ldb(db, *args, cf=None, extra=()):
    cmd = [LDB, "--db=" + db, *extra]
    if cf:
        cmd.append("--column_family=" + cf)
    cmd += list(args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("writechain: %s failed (%d): %s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r.stdout


def hx(b: bytes) -> str:
    return "0x" + b.hex()


# --- write ---------------------------------------------------------------------------------------

# The chain: each block is a list of (key, value) updates, applied in order. It covers new keys,
# updates of earlier keys (non-zero prev_term), a key updated twice in one block (its second
# prev_term is the term of its first new value), an empty value, binary key bytes and a block
# without updates.
BLOCKS = [
    [(b"alpha", b"1"), (b"beta", b"two"), (b"\x00\xffbin", bytes(range(40)))],
    [(b"alpha", b"one again"), (b"gamma", b"")],
    [],
    [(b"beta", b"2"), (b"beta", b"22"), (b"delta", b"x" * 300)],
    [(b"gamma", b"now set"), (b"\x00\xffbin", b"short")],
]
INTERVAL_MS = 100


def cmd_write(args):
    db = args.db
    if os.path.exists(os.path.join(db, "CURRENT")):
        raise SystemExit("writechain: %s already holds a database" % db)
    os.makedirs(db, exist_ok=True)
    state = {}
    root = 0
    parent = ZERO
    blocks = []
    digest = ZERO
    for i, updates in enumerate(BLOCKS):
        block_id = i + 1
        entries = []
        for k, v in updates:
            prev = state.get(k)
            prev_term = term(k, prev) if prev is not None else 0
            root = (root - prev_term + term(k, v)) % MOD
            entries.append((k, v, le32(prev_term) if prev is not None else ZERO))
            state[k] = v
        enc, digest = encode_block(block_id, block_id * INTERVAL_MS, parent, le32(root), entries)
        blocks.append((block_id, enc))
        parent = digest
    # the state root from the final state alone must equal the last block's
    assert sum(term(k, v) for k, v in state.items()) % MOD == root

    ldb(db, "put", "--create_if_missing", "--hex", hx(b"chain.format"), hx(FORMAT))
    ldb(db, "create_column_family", "blocks")
    ldb(db, "create_column_family", "state")
    ldb(db, "put", "--hex", hx(b"chain.last_block"), hx(struct.pack(">Q", len(BLOCKS))))
    ldb(db, "put", "--hex", hx(b"replica.id"), hx(struct.pack(">I", args.replica_id)))
    for block_id, enc in blocks:
        if block_id == args.flip_block:
            if not BLOCKS[block_id - 1] or not BLOCKS[block_id - 1][0][1]:
                raise SystemExit("writechain: block %d has no first value byte to flip" % block_id)
            klen = struct.unpack_from(">I", enc, 88)[0]
            enc = bytearray(enc)
            enc[88 + 4 + klen + 4] ^= 0x20  # the first value byte of the first entry
            enc = bytes(enc)
        ldb(db, "put", "--create_if_missing", "--hex", hx(struct.pack(">Q", block_id)), hx(enc), cf="blocks")
    for k, v in sorted(state.items()):
        ldb(db, "put", "--create_if_missing", "--hex", hx(k), hx(v), cf="state")
    print(json.dumps({"lastBlock": len(BLOCKS), "digest": digest.hex(), "stateRoot": le32(root).hex()}))


# --- check ---------------------------------------------------------------------------------------

def scan(db, cf):
    """Every (key, value) of a column family, via a secondary instance (DB_DIR is not touched)."""
    sec = tempfile.mkdtemp(prefix="writechain-secondary-")
    try:
        out = ldb(db, "scan", "--hex", cf=cf, extra=["--secondary_path=" + sec])
    finally:
        shutil.rmtree(sec, ignore_errors=True)
    rows = []
    for line in out.splitlines():
        if not line.strip():
            continue
        k, sep, v = line.partition(" : ")
        if not sep or not k.startswith("0x") or not v.startswith("0x"):
            raise Mismatch("%s/%s: cannot parse ldb line %r" % (db, cf, line[:80]))
        rows.append((bytes.fromhex(k[2:]), bytes.fromhex(v[2:])))
    return rows


def decode_block(buf):
    if len(buf) < 4 + 8 + 8 + 32 + 32 + 4 + 32 or buf[:4] != b"CDB1":
        raise Mismatch("block: bad magic or truncated")
    block_id, ts_ms = struct.unpack_from(">QQ", buf, 4)
    parent, root = buf[20:52], buf[52:84]
    (n,) = struct.unpack_from(">I", buf, 84)
    pos, end = 88, len(buf) - 32
    entries = []
    for _ in range(n):
        (klen,) = struct.unpack_from(">I", buf, pos)
        k = buf[pos + 4:pos + 4 + klen]
        pos += 4 + klen
        (vlen,) = struct.unpack_from(">I", buf, pos)
        v = buf[pos + 4:pos + 4 + vlen]
        pos += 4 + vlen
        entries.append((k, v, buf[pos:pos + 32]))
        pos += 32
        if pos > end:
            raise Mismatch("block %d: entries run past the digest" % block_id)
    if pos != end:
        raise Mismatch("block %d: %d trailing bytes" % (block_id, end - pos))
    digest = hashlib.sha256(buf[:end]).digest()
    if digest != buf[end:]:
        raise Mismatch("block %d: digest mismatch (stored %s, SHA-256 %s)" % (block_id, buf[end:].hex(), digest.hex()))
    return block_id, ts_ms, parent, root, entries, digest


def check_db(db, replica_id=None):
    meta = dict(scan(db, "default"))
    if meta.get(b"chain.format") != FORMAT:
        raise Mismatch("%s: chain.format is %r" % (db, meta.get(b"chain.format")))
    if replica_id is not None and meta.get(b"replica.id") != struct.pack(">I", replica_id):
        raise Mismatch("%s: replica.id is %r, expected %d" % (db, meta.get(b"replica.id"), replica_id))
    parent, root, last, digest = ZERO, 0, 0, None
    for key, val in scan(db, "blocks"):
        if len(key) != 8 or struct.unpack(">Q", key)[0] != last + 1:
            raise Mismatch("%s: block key %s after block %d" % (db, key.hex(), last))
        block_id, _ts, bparent, broot, entries, digest = decode_block(val)
        if block_id != last + 1:
            raise Mismatch("%s: key %d holds block %d" % (db, last + 1, block_id))
        if bparent != parent:
            raise Mismatch("%s: block %d: parent link broken" % (db, block_id))
        for k, v, prev in entries:
            root = (root - int.from_bytes(prev, "little") + term(k, v)) % MOD
        if le32(root) != broot:
            raise Mismatch("%s: block %d: state root %s, recomputed %s" % (db, block_id, broot.hex(), le32(root).hex()))
        parent, last = digest, block_id
    state_root = sum(term(k, v) for k, v in scan(db, "state")) % MOD
    if state_root != root:
        raise Mismatch("%s: state sums to %s, last block has %s" % (db, le32(state_root).hex(), le32(root).hex()))
    if last and meta.get(b"chain.last_block") != struct.pack(">Q", last):
        raise Mismatch("%s: chain.last_block %r, last block %d" % (db, meta.get(b"chain.last_block"), last))
    return {"lastBlock": last, "digest": digest.hex() if digest else None, "stateRoot": le32(root).hex(), "meta": meta}


def cmd_check(args):
    try:
        got = check_db(args.db, args.replica_id)
        meta = got.pop("meta")
        if args.checkpoints:
            got["checkpoints"] = []
            cdir = os.path.join(args.db, "checkpoints")
            for name in sorted(os.listdir(cdir) if os.path.isdir(cdir) else [], key=lambda s: (len(s), s)):
                if not name.isdigit():
                    continue
                c = check_db(os.path.join(cdir, name), args.replica_id)
                cmeta = c.pop("meta")
                self_desc = json.loads(cmeta.get(b"ckpt.self", b"null"))
                listed = json.loads(meta.get(b"ckpt/" + name.encode(), b"null"))
                for what, desc in (("ckpt.self", self_desc), ("ckpt/" + name, listed)):
                    if not desc or desc.get("id") != int(name) or desc.get("lastBlock") != c["lastBlock"] \
                            or desc.get("digest") != c["digest"] or desc.get("stateRoot") != c["stateRoot"]:
                        raise Mismatch("checkpoint %s: %s %r does not describe its chain %r" % (name, what, desc, c))
                c["id"] = int(name)
                got["checkpoints"].append(c)
    except Mismatch as e:
        print("writechain: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(got))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("db")
    w.add_argument("--replica-id", type=int, default=0)
    w.add_argument("--flip-block", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("db")
    c.add_argument("--replica-id", type=int)
    c.add_argument("--checkpoints", action="store_true")
    args = p.parse_args()
    if args.cmd == "write":
        cmd_write(args)
        return 0
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
