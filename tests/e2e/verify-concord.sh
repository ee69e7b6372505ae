#!/usr/bin/env bash
# `chaindrill verify` on real Concord replica databases (fixtures/concord/, written by concord-bft's
# own storage code; docs/concord-format.md): the four sets' verdicts and findings through the CLI
# (--json, --checkpoints), the human output, that verifying writes nothing, and damage made with
# RocksDB's ldb on a copy (a value deleted, a BlockData byte changed, a BlockData cut short).
# Every block digest against Concord's own is checked by harness/tests/test_chain_concord.c.
. "$SOURCE/tests/e2e/lib/testlib.sh"
command -v jq >/dev/null || { fail "jq is installed (scripts/packages.txt [test])"; finish; }

sets="$SCRATCH/sets"
mkdir -p "$sets" && tar -xzf "$SOURCE/fixtures/concord/concord-kvbc-sets.tar.gz" -C "$sets" ||
	{ fail "unpack fixtures/concord/concord-kvbc-sets.tar.gz"; finish; }
out="$SCRATCH/out"
dbs() { for i in "$@"; do printf '%s\n' "$sets/$set/replica-$i/rocksdbdata"; done; }

# --- healthy4: consistent, live and checkpoint 150 -----------------------------------------------
set=healthy4
before=$(cd "$sets" && find . -printf '%p %s %T@ %m\n' | sort; find . -type f -exec sha256sum {} + | sort)
mapfile -t d < <(dbs 0 1 2 3)
expect_exit 0 "healthy4: consistent" -- "$CHAINDRILL" verify --json --checkpoints "${d[@]}"
expect_jq "$out" '.verdict == "consistent" and .agreedBlock == 200
	and .agreedDigest == "f0e6c2f10a14f45f1c9a62ccc64af3539d7af764fa33e0fc817c814fdbdbf27e"' \
	"healthy4: agreed block 200 with Concord's digest of block 200"
expect_jq "$out" '[.replicas[] | .status == "ok" and .format == "concord-categorized"
	and .lastBlock == 200 and .genesisBlock == 1 and .stChainBlocks == 0 and .quirk == null
	and .stateRoot == null] | all' "healthy4: every replica ok, format concord-categorized"
expect_jq "$out" '([.replicas[].checkpoints[] | .id == 150 and .status == "ok"] | all)
	and ([.replicas[].checkpoints[]] | length) == 4' "healthy4: checkpoint 150 ok on every replica"
expect_exit 0 "healthy4: human output" -- "$CHAINDRILL" verify --checkpoints "${d[@]}"
expect_grep "^verdict: consistent \(4 of 4 replicas ok, f=1, agreed block 200, digest f0e6c2f10a14f45f\.\.\.\)$" \
	"$out" "healthy4: the verdict line"
expect_grep "^  checkpoint 150: ok$" "$out" "healthy4: the checkpoint line"
after=$(cd "$sets" && find . -printf '%p %s %T@ %m\n' | sort; find . -type f -exec sha256sum {} + | sort)
if [ "$before" = "$after" ]; then pass "verify wrote nothing (names, sizes, times, modes, contents)"
else fail "verify wrote nothing" "$(diff <(echo "$before") <(echo "$after") | head -5)"; fi

# --- sstflip4: replica 1 corrupt with RocksDB's checksum error, the set recoverable ---------------
set=sstflip4
mapfile -t d < <(dbs 0 1 2 3)
expect_exit 1 "sstflip4: not consistent" -- "$CHAINDRILL" verify --json --checkpoints "${d[@]}"
expect_jq "$out" '.verdict == "recoverable" and .agreedBlock == 200' "sstflip4: recoverable at 200"
expect_jq "$out" '.replicas[1] | .status == "corrupt" and .errorBlock == 98 and .lastBlock == 97
	and (.error | test("^block 98: reading the blocks column family: .*Corruption: block checksum mismatch"))' \
	"sstflip4: replica 1 corrupt at block 98, RocksDB's checksum error named"
expect_jq "$out" '.replicas[1].checkpoints[0] | .status == "corrupt"
	and (.error | test("block checksum mismatch"))' "sstflip4: replica 1's checkpoint 150 corrupt too"
expect_jq "$out" '[.replicas[0,2,3] | .status == "ok" and .checkpoints[0].status == "ok"] | all' \
	"sstflip4: the other replicas and checkpoints ok"

# --- lagging4: every replica ok, replica 3 at 180, recoverable with agreed block 200 --------------
set=lagging4
mapfile -t d < <(dbs 0 1 2 3)
expect_exit 1 "lagging4: not consistent" -- "$CHAINDRILL" verify --json "${d[@]}"
expect_jq "$out" '.verdict == "recoverable" and .agreedBlock == 200
	and ([.replicas[].status] | all(. == "ok")) and ([.replicas[].lastBlock] == [200, 200, 200, 180])' \
	"lagging4: every replica ok, replica 3 at 180, agreed block 200"

# --- quirk1: reported at block 8 as the writer's quirk, not as damage -----------------------------
set=quirk1
mapfile -t d < <(dbs 0)
expect_exit 1 "quirk1: not consistent" -- "$CHAINDRILL" verify --json "${d[@]}"
expect_jq "$out" '.replicas[0] | .status == "corrupt" and .errorBlock == 8 and .lastBlock == 200
	and (.error | test("update-and-delete quirk of the writer, not damage"))
	and .quirk.name == "update-and-delete" and .quirk.firstBlock == 8 and .quirk.blocks == 28
	and (.quirk.detail | test("block 7 both updates and deletes versioned key"))' \
	"quirk1: the quirk at block 8, named, 28 blocks, the walk goes on to 200"
expect_exit 1 "quirk1: human output" -- "$CHAINDRILL" verify "${d[@]}"
expect_grep "^  finding: update-and-delete quirk of Concord's writer \(not damage\), 28 blocks from block 8: " \
	"$out" "quirk1: the finding line"

# --- damage made with ldb on a copy of healthy4 replica 0 --------------------------------------
if ! command -v ldb >/dev/null; then
	echo "ok - damage with ldb # skip ldb is not installed (rocksdb-tools)"
	finish
fi
copy() { rm -rf "$SCRATCH/copy" && cp -r "$sets/healthy4/replica-0" "$SCRATCH/copy"; db="$SCRATCH/copy/rocksdbdata"; }
ldbq() { ldb --db="$db" "$@" >"$SCRATCH/ldb.out" 2>&1 || fail "ldb $*" "$(head -c 300 "$SCRATCH/ldb.out")"; }

copy # the value of versioned key "v-0" at version 3
ldbq --column_family=execution_private_ver_values delete --hex 0x00000003762D300000000000000003
expect_exit 1 "a deleted value: corrupt" -- "$CHAINDRILL" verify --json "$db"
expect_jq "$out" '.replicas[0] | .status == "corrupt" and .errorBlock == 3 and .quirk == null and
	(.error | test("^block 3: missing value: key .v-0. of category .execution_private. has no value at version 3"))' \
	"a deleted value: block 3, missing value, key and category named"

copy # block 50's first byte (its parent digest)
ldbq --column_family=blocks get --hex 0x0000000000000032
v=$(sed 's/^0x//' "$SCRATCH/ldb.out")
ldbq --column_family=blocks put --hex 0x0000000000000032 "0x$(printf '%02X' $(( (0x${v:0:2} + 1) % 256 )))${v:2}"
expect_exit 1 "a changed parent digest: corrupt" -- "$CHAINDRILL" verify --json "$db"
expect_jq "$out" '.replicas[0] | .status == "corrupt" and .errorBlock == 50 and .lastBlock == 49 and
	.quirk == null and (.error | test("^block 50: digest mismatch: its parent digest [0-9a-f]{16}\\.\\.\\. is not block 49.s digest"))' \
	"a changed parent digest: block 50, digest mismatch"

copy # block 60 cut short
ldbq --column_family=blocks get --hex 0x000000000000003C
v=$(sed 's/^0x//' "$SCRATCH/ldb.out")
ldbq --column_family=blocks put --hex 0x000000000000003C "0x${v:0:100}"
expect_exit 1 "a truncated BlockData: corrupt" -- "$CHAINDRILL" verify --json "$db"
expect_jq "$out" '.replicas[0] | .status == "corrupt" and .errorBlock == 60 and
	(.error | test("^block 60: undecodable: BlockData\\.categories_updates_info at byte 40: count 4 cannot fit"))' \
	"a truncated BlockData: block 60, undecodable, the field and offset named"

copy # a value changed: block 20's digest changes, block 21's parent no longer matches
ldbq --column_family=execution_private_ver_values get --hex 0x00000003762D300000000000000014
v=$(sed 's/^0x//' "$SCRATCH/ldb.out")
ldbq --column_family=execution_private_ver_values put --hex 0x00000003762D300000000000000014 "0x${v:0:-2}58"
expect_exit 1 "a changed value: corrupt" -- "$CHAINDRILL" verify --json "$db"
expect_jq "$out" '.replicas[0] | .status == "corrupt" and .errorBlock == 21 and .lastBlock == 20 and
	(.error | test("^block 21: digest mismatch"))' "a changed value: found at block 21's parent link"

copy # a state transfer in progress: blocks 201 and 202 in st_chain are reported, not damage
ldbq --column_family=blocks get --hex 0x00000000000000C8
v=$(sed 's/^0x//' "$SCRATCH/ldb.out")
ldbq --column_family=st_chain put --hex 0x00000000000000C9 "0x$v"
ldbq --column_family=st_chain put --hex 0x00000000000000CA "0x$v"
expect_exit 0 "st_chain blocks: still ok" -- "$CHAINDRILL" verify --json "$db"
expect_jq "$out" '.replicas[0] | .status == "ok" and .lastBlock == 200 and .stChainBlocks == 2' \
	"st_chain blocks: counted, the chain ok at 200"
expect_exit 0 "st_chain blocks: human output" -- "$CHAINDRILL" verify "$db"
expect_grep "^  st_chain: 2 blocks of a state transfer in progress \(reported, not checked\)$" "$out" \
	"st_chain blocks: the st_chain line"

copy # pruned: blocks 1 and 2 gone, the chain starts at 3 (its parent digest cannot be checked)
ldbq --column_family=blocks delete --hex 0x0000000000000001
ldbq --column_family=blocks delete --hex 0x0000000000000002
expect_exit 0 "a pruned chain: ok" -- "$CHAINDRILL" verify --json "$db"
expect_jq "$out" '.replicas[0] | .status == "ok" and .genesisBlock == 3 and .lastBlock == 200 and
	.digest == "f0e6c2f10a14f45f1c9a62ccc64af3539d7af764fa33e0fc817c814fdbdbf27e"' \
	"a pruned chain: genesis block 3, the same digest at 200"
finish
